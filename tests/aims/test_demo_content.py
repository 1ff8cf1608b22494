"""The demo organisation is faithful to its sources: the AI systems of the AI Guidelines for
Business Appendix 1 Table 2 (seed 001) with the roles the table gives the company that runs
each case and the parties it names, purposes no wider than the table's summary, and the demo
risks started from the catalogue entry that matches them."""

from __future__ import annotations

import io

from django.core.management import call_command

from aims.models import AISystem
from risk.models import Risk

# Table 2: AI developer / AI provider / AI business user, seen from the company of the case.
ROLES = {
    "採用選考支援AI": {"developer", "provider", "business_user"},  # A社 in all three
    "製品不良検知AI": {"provider", "business_user"},  # A工業; developed by B社 under contract
    "送電線点検AI": {"provider", "business_user"},  # P社; developed by X社
    "スマート家電最適化AI": {"developer", "provider"},  # A社; used by consumers
    "社内向け対話型AI": {"business_user"},  # B社; A社's model, provided by C社
}
NAMED = {
    "製品不良検知AI": ("B社", "委託"),
    "送電線点検AI": ("X社",),
    "社内向け対話型AI": ("A社", "C社"),
}
# What the table's summaries say, and what the demo once added to them.
SAYS = {
    "採用選考支援AI": "エントリーシートの書類選考",
    "製品不良検知AI": "外観上の不具合",
    "送電線点検AI": "報告書の作成",
    "スマート家電最適化AI": "自動制御",
    "社内向け対話型AI": "プロンプト",
}
INVENTED = {
    "採用選考支援AI": "優先順位",
    "製品不良検知AI": "検査員の目視検査を補助",
    "送電線点検AI": "異物",
    "スマート家電最適化AI": "省エネ",
    "社内向け対話型AI": "社内文書に基づいて",
}


def test_the_demo_follows_table_2_and_the_catalogue(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    systems = {s.name: s for s in AISystem.objects.all()}
    assert {name: set(systems[name].organization_roles) for name in ROLES} == ROLES
    for name, parties in NAMED.items():
        for party in parties:
            assert party in systems[name].third_parties, (name, party)
    assert "提供：グループ会社C社" in systems["社内向け対話型AI"].third_parties
    for name, phrase in SAYS.items():
        assert phrase in systems[name].purpose, name
        assert INVENTED[name] not in systems[name].purpose, name

    reliance = Risk.objects.get(title__startswith="医師がAI")
    assert "過度に依存" in reliance.title
    assert reliance.template.ref_id == "C.3.level-of-automation"
    assert "自動化バイアス" in reliance.template.summary_ja
    assert {c.ref_id for c in reliance.categories.all()} >= {"human-oversight"}
    assert not Risk.objects.filter(template__ref_id="RX-3").exists()
