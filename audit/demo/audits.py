# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""The demo internal audit, in Japanese: the fiscal year's audit programme (drafted by the
demo internal auditor, approved by the officer), one completed internal audit of two demo AI
systems (checklist, six findings: two minor nonconformities, an observation, an opportunity
for improvement and two conformities), its report issued by a second internal auditor
(``auditor2``), and the demo external auditor named on it with a window covering today.

Loaded by ``load_demo`` after the SoA (order 300); the nonconformities demo (310) completes
the first nonconformity. Idempotent: nothing is made when the programme exists."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from aims.choices import Role
from aims.models import AISystem, Requirement
from aims.services.accounts import user_create
from aims.urns import ISO_42001
from audit.models import AuditProgramme
from audit.services import audits as services

SYSTEMS = ("採用選考支援AI", "社内向け対話型AI")
REQUIREMENTS = ("6.1.2", "6.1.4", "8.2", "9.1", "A.6.2.4", "A.7.4")

#: (ref id, kind, title, description, checklist result)
FINDINGS = (
    (
        "6.1.4",
        "minor_nonconformity",
        "影響評価の見直しが記録されていない",
        "採用選考支援AIのモデル更新（v2.1）の後、AIシステム影響評価の見直しを行った記録がない。手順では重大な変更の後に見直すと定めている。",
        "nonconforming",
    ),
    (
        "A.6.2.4",
        "minor_nonconformity",
        "検証結果の承認者が記録されていない",
        "社内向け対話型AIの検証報告書の一部に、承認者の署名及び日付がない（抽出5件中2件）。",
        "nonconforming",
    ),
    (
        "8.2",
        "observation",
        "リスクアセスメントの実施時期にばらつきがある",
        "計画どおり実施されているが、部門によって実施時期が四半期末に集中している。",
        "observation",
    ),
    (
        "9.1",
        "opportunity",
        "監視指標の自動収集",
        "公平性指標の月次集計を手作業で行っている。自動収集により記録の漏れを防げる可能性がある。",
        "conforming",
    ),
    (
        "6.1.2",
        "conformity",
        "リスク基準に基づく評価が行われている",
        "抽出したリスク10件すべてで、承認されたリスク基準に基づき発生可能性と影響が評価されていた。",
        "conforming",
    ),
    (
        "A.7.4",
        "conformity",
        "データ品質の要件が定められている",
        "学習データの品質要件が文書化され、受入時の確認記録が残されている。",
        "conforming",
    ),
)


def _second_auditor() -> Any:
    """A second internal auditor, who issues the report (nobody approves their own work)."""
    User = get_user_model()
    user = User.objects.filter(username="auditor2").first()
    if user is None:
        user = user_create(
            actor=None,
            username="auditor2",
            email="auditor2@example.com",
            first_name="Sora",
            last_name="Yamada",
            roles=[Role.INTERNAL_AUDITOR],
            password=settings.DEMO_PASSWORD or secrets.token_urlsafe(12),
            language="ja",
        )
    return user


def _fiscal_year(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start_year = today.year if today.month >= 4 else today.year - 1
    return datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31)


def load(*, users: dict[str, Any]) -> None:
    auditor, officer = users["auditor"], users["officer"]
    today = timezone.localdate()
    start, end = _fiscal_year(today)
    code = f"FY{start.year}"
    if AuditProgramme.objects.filter(code=code).exists():
        return
    programme = services.audit_programme_create(
        actor=auditor,
        code=code,
        title=f"{start.year}年度 内部監査プログラム",
        period_start=start,
        period_end=end,
        objectives="AIマネジメントシステムがJIS Q 42001及び組織の要求事項に適合し、有効に実施され維持されているかを確認する。",
        criteria="JIS Q 42001:2025、AI事業者ガイドライン、社内AI方針及び関連手順",
        frequency="全箇条を年1回監査する。高リスクのAIシステムは年1回以上抽出する。",
        methods="文書レビュー、記録の抽出確認、担当者へのインタビュー",
        responsibilities="内部監査責任者が計画し、監査員は自らの業務を監査しない。AI統括責任者がプログラムを承認する。",
        previous_results="前年度の監査で、影響評価の見直し時期に関する観察事項が1件あった。",
    )
    services.audit_programme_submit(actor=auditor, programme=programme)
    programme = services.audit_programme_approve(actor=officer, programme=programme)

    systems = list(AISystem.objects.filter(name__in=SYSTEMS).order_by("pk"))
    if len(systems) < 2:
        systems = list(AISystem.objects.order_by("pk")[:2])
    requirements = list(
        Requirement.objects.filter(framework__urn=ISO_42001, ref_id__in=REQUIREMENTS)
    )
    fieldwork_start = max(start, today - datetime.timedelta(days=21))
    period_end = max(start, today - datetime.timedelta(days=30))
    audit = services.audit_create(
        actor=auditor,
        programme=programme,
        title="AIリスク管理及び運用管理の内部監査",
        owner=auditor,
        team=[auditor],
        ai_systems=systems,
        requirements=requirements,
        scope_description="採用選考支援AI及び社内向け対話型AIに関するリスクアセスメント、影響評価、運用管理及び監視",
        criteria="JIS Q 42001:2025 6.1.2、6.1.4、8.2、9.1、附属書A A.6.2.4、A.7.4",
        method="記録の抽出（各要求事項5件）、担当者へのインタビュー、システム画面の確認",
        period_start=start,
        period_end=period_end,
        fieldwork_start=fieldwork_start,
        fieldwork_end=fieldwork_start + datetime.timedelta(days=3),
    )
    for declaration in audit.impartiality.filter(confirmed_by__isnull=True):
        services.impartiality_confirm(
            actor=auditor,
            declaration=declaration,
            reason="対象の記録は閲覧のみで、作成及び承認には関与していないことを確認した。",
        )
    services.audit_start(actor=auditor, audit=audit)
    rows = {row.requirement.ref_id: row for row in audit.checklist.select_related("requirement")}
    by_ref = {r.ref_id: r for r in requirements}
    for ref, kind, title, description, result in FINDINGS:
        if ref not in by_ref:
            continue
        row = rows.get(ref)
        if row is not None:
            services.checklist_row_update(
                actor=auditor,
                row=row,
                result=result,
                sample="記録5件を抽出",
                notes=description,
            )
        services.finding_create(
            actor=auditor,
            audit=audit,
            requirement=by_ref[ref],
            kind=kind,
            title=title,
            description=description,
            evidence_notes="担当者へのインタビュー及び記録の閲覧",
        )
    services.audit_update(
        actor=auditor,
        audit=audit,
        conclusions="AIマネジメントシステムは概ね適合し有効に運用されている。軽微な不適合2件について是正処置を求める。",
    )
    report = services.audit_report_issue(
        actor=auditor,
        audit=audit,
        summary="計画どおり監査を実施し、6件の所見を得た。",
        conclusions="AIマネジメントシステムは概ね適合し有効に運用されている。軽微な不適合2件について是正処置を求める。",
    )
    services.audit_report_approve(actor=_second_auditor(), report=report)
    external = users.get("external_auditor")
    if external is not None:
        now = timezone.now()
        services.auditor_access_grant(
            actor=officer,
            audit=audit,
            user=external,
            access_from=now - datetime.timedelta(days=1),
            access_until=now + datetime.timedelta(days=30),
        )
