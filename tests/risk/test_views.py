"""Risk pages: the register with heat maps, starting from the catalogue, the form, accepting
on the page, the AI system's risks tab; a constant number of queries for the lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.models import Requirement
from risk.models import Risk
from risk.services.register import risk_create, risk_update
from tests.conftest import logged_in_api_client, logged_in_client


def make_risks(n, system, actor=None):
    for i in range(n - Risk.objects.count()):
        risk_create(
            actor=actor,
            title=f"リスク {i}",
            ai_systems=[system],
            inherent_likelihood=1 + i % 5,
            inherent_impact=1 + (i * 3) % 5,
        )


def test_register_shows_rows_and_both_heat_maps_in_japanese(officer, client_for, system, m5):
    make_risks(3, system)
    html = client_for(officer).get(reverse("risks")).content.decode()
    assert "リスク 0" in html and "AIリスク登録簿" in html
    assert html.count('class="heatmap"') == 2
    assert "固有リスク" in html and "残留リスク" in html
    assert 'name="kind" value="risk_register"' in html


def test_heat_map_counts_follow_the_filter(officer, client_for, system, other_system, m5):
    risk_create(
        actor=None, title="a", ai_systems=[system], inherent_likelihood=5, inherent_impact=5
    )
    risk_create(
        actor=None, title="b", ai_systems=[other_system], inherent_likelihood=1, inherent_impact=1
    )
    from aims.scope import restrict
    from risk.selectors import risk_heatmaps, risks

    maps = risk_heatmaps(restrict(risks(), officer).filter(ai_systems=system))
    cells = {
        (row["likelihood"], c["impact"]): c["count"]
        for row in maps[0]["inherent"]
        for c in row["cells"]
    }
    assert cells[(5, 5)] == 1 and cells[(1, 1)] == 0 and maps[0]["total"] == 1
    response = client_for(officer).get(reverse("risks"), {"ai_system": system.pk})
    assert "b</a>" not in response.content.decode()


@pytest.mark.parametrize("name", ["risks", "api:risk-list"])
def test_the_register_runs_the_same_queries_for_1_and_50_risks(officer, system, m5, name):
    client = (logged_in_api_client if name.startswith("api") else logged_in_client)(officer)
    url = reverse(name)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_risks(1, system)
    client.get(url)
    one = count()
    make_risks(50, system)
    assert count() == one, f"{url}: {one} queries for 1 risk"


def test_the_operator_register_also_runs_constant_queries(operator, granted, m5):
    client = logged_in_client(operator)
    make_risks(1, granted)
    client.get(reverse("risks"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("risks"))
    make_risks(50, granted)
    with CaptureQueriesContext(connection) as fifty:
        client.get(reverse("risks"))
    assert len(one) == len(fifty)


def test_a_new_risk_from_the_catalogue_is_prefilled(officer, client_for, system, m5):
    from django.core.management import call_command

    call_command("load_library", verbosity=0)
    entry = Requirement.objects.get(
        framework__urn="urn:aims:framework:meti-risk-examples", ref_id="RX-1"
    )
    client = client_for(officer)
    catalogue = client.get(reverse("risk_templates")).content.decode()
    assert f"?template={entry.pk}" in catalogue
    form = client.get(reverse("risk_create"), {"template": entry.pk, "ai_system": system.pk})
    html = form.content.decode()
    assert entry.name_ja in html  # the title, in the reader's language
    principle = Requirement.objects.get(
        framework__urn="urn:aims:framework:meti-ai-guidelines", ref_id="C-3"
    )
    import re

    assert re.search(rf'<input[^>]*value="{principle.pk}"[^>]*checked', html)
    context = form.context["form"]
    assert principle in context.initial["principles"]
    assert system in context.initial["ai_systems"]


def test_register_a_risk_through_the_form(officer, client_for, system, m5):
    response = client_for(officer).post(
        reverse("risk_create"),
        {
            "title": "採用の偏り",
            "ai_systems": [system.pk],
            "matrix": m5.pk,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 2,
            "residual_impact": 3,
            "treatment_option": "change_likelihood",
            "status": "open",
        },
    )
    risk = Risk.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("risk", args=[risk.pk])
    assert (risk.inherent_level, risk.residual_level) == ("very_high", "medium")
    detail = client_for(officer).get(reverse("risk", args=[risk.pk])).content.decode()
    assert "非常に高い" in detail and "採用の偏り" in detail


def test_the_form_refuses_a_position_outside_the_matrix(officer, client_for, system, m3):
    response = client_for(officer).post(
        reverse("risk_create"),
        {
            "title": "x",
            "ai_systems": [system.pk],
            "matrix": m3.pk,
            "inherent_likelihood": 5,
            "inherent_impact": 1,
            "residual_likelihood": 1,
            "residual_impact": 1,
            "treatment_option": "not_decided",
            "status": "open",
        },
    )
    assert response.status_code == 400
    assert not Risk.objects.exists()


def test_positions_follow_the_chosen_matrix(officer, client_for, m3):
    html = client_for(officer).get(reverse("risk_positions"), {"matrix": m3.pk}).content.decode()
    assert html.count("<option") == 12  # four selects of three steps
    assert 'id="positions"' in html


def test_top_management_accepts_on_the_page(executive, operator, granted, client_for, m5):
    risk = risk_create(
        actor=operator, title="r", ai_systems=[granted], inherent_likelihood=5, inherent_impact=5
    )
    page = client_for(executive).get(reverse("risk", args=[risk.pk])).content.decode()
    assert reverse("risk_accept", args=[risk.pk]) in page
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client_for(executive).post(
        reverse("risk_accept", args=[risk.pk]), {"rationale": "試行期間のみ", "expires_on": until}
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.status == "accepted"
    bad = client_for(executive).post(
        reverse("risk_accept", args=[risk.pk]), {"rationale": "", "expires_on": until}
    )
    assert bad.status_code == 400


def test_the_ai_system_risks_tab_lists_its_risks(officer, client_for, system, other_system, m5):
    risk_create(
        actor=None,
        title="このシステムのリスク",
        ai_systems=[system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    risk_create(
        actor=None,
        title="別システム",
        ai_systems=[other_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    html = (
        client_for(officer)
        .get(reverse("ai_system", args=[system.pk]), {"tab": "risks"})
        .content.decode()
    )
    assert "このシステムのリスク" in html and "別システム" not in html


def test_matrix_pages_and_a_copy(officer, client_for, m3):
    client = client_for(officer)
    assert "3×3" in client.get(reverse("risk_matrices")).content.decode()
    page = client.get(reverse("risk_matrix", args=[m3.pk])).content.decode()
    assert 'data-testid="matrix-grid"' in page
    form = client.get(reverse("risk_matrix_create"), {"from": m3.pk}).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data.update(
        {
            "from": m3.pk,
            "code": "3x3-copy",
            "name_en": "Copy",
            "name_ja": "コピー",
            "acceptable_levels": ["low"],
            "cell_3_3": "medium",
        }
    )
    response = client.post(reverse("risk_matrix_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    from risk.models import RiskMatrix

    copy = RiskMatrix.objects.get(code="3x3-copy")
    assert copy.grid[2][2] == "medium" and copy.criteria.acceptable_levels == ["low"]
    css = client.get(reverse("risk_levels_css")).content.decode()
    assert f".lv-{copy.pk}-medium" in css


def test_the_page_and_the_api_say_why_a_former_owner_does_not_accept(
    officer, executive, operator, granted, client_for, api_client_for, m5
):
    risk = risk_create(
        actor=officer,
        title="r",
        ai_systems=[granted],
        owner=executive,
        inherent_likelihood=5,
        inherent_impact=5,
    )
    risk_update(actor=officer, risk=risk, owner=operator)
    page = client_for(executive).get(reverse("risk", args=[risk.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "You owned this risk or changed its owner since its last assessment" in html
    assert reverse("risk_accept", args=[risk.pk]) not in html
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    refused = api_client_for(executive).post(
        reverse("api:risk-accept", args=[risk.pk]),
        {"rationale": "ok", "expires_on": until},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "since its last assessment" in str(refused.json()["error"]["fields"]["risk"])
    risk.refresh_from_db()
    assert risk.status == "open"
