"""The dashboard per role (issue 11, item 2) and clause conformance linked to the live records
that evidence it (item 3): figures over what the user may see, each linking to the list
filtered to exactly what it counts, a constant number of queries, and suggested statuses the
clause owner confirms."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.choices import DocumentKind
from aims.models import ChangeRecord, ClauseAssessment
from aims.registry import Figure
from risk.models import Risk
from tests.factories import (
    AISystemFactory,
    DocumentFactory,
    ImpactAssessmentFactory,
    ObjectiveFactory,
    RiskFactory,
)
from tests.factories.risk import RiskAcceptanceFactory

ISO_FILE = Path(__file__).resolve().parents[2] / "library" / "frameworks" / "iso-iec-42001.yaml"


@pytest.fixture
def clauses(db):
    call_command("load_library", str(ISO_FILE))
    return {r.requirement.ref_id: r for r in ClauseAssessment.objects.select_related("requirement")}


@pytest.fixture
def records(db, officer, operator):
    """Two AI systems, one granted to the operator; risks on both (one above the criteria,
    one accepted with its acceptance expiring, one overdue for review); an impact
    assessment and a document in review written by the officer."""
    granted = AISystemFactory(name="Granted", granted_to=[operator])
    other = AISystemFactory(name="Other")
    RiskFactory(ai_systems=[granted], actor=officer, inherent_likelihood=1, inherent_impact=1)
    high = RiskFactory(
        ai_systems=[other],
        actor=officer,
        inherent_likelihood=5,
        inherent_impact=5,
        residual_likelihood=5,
        residual_impact=5,
    )
    low = RiskFactory(ai_systems=[other], actor=officer, inherent_likelihood=1, inherent_impact=1)
    RiskAcceptanceFactory(risk=low, expires_on=timezone.localdate() + timedelta(days=10))
    Risk.objects.filter(pk=high.pk).update(next_review_on=timezone.localdate() - timedelta(days=3))
    ImpactAssessmentFactory(ai_system=granted, state="in_review", actor=officer)
    ImpactAssessmentFactory(ai_system=other, state="approved", actor=officer)
    DocumentFactory(kind=DocumentKind.AI_POLICY, state="in_review", actor=officer)
    return {"granted": granted, "other": other}


def panels(client: Any) -> dict[str, dict[str, Any]]:
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return {panel["code"]: panel for panel in response.context["panels"]}


def figures(panel: dict[str, Any]) -> list[Figure]:
    return [*panel.get("levels", []), *panel.get("statuses", []), *panel.get("figures", [])]


def by_label(panel: dict[str, Any]) -> dict[str, int]:
    return {str(f.label): f.count for f in figures(panel)}


def posture_total(client: Any) -> int:
    return int(panels(client)["risk_posture"]["total"])


def listed(client: Any, url: str) -> int:
    """How many rows the list at ``url`` shows (its filters must be valid)."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    filters = context.get("filters")
    if filters is not None and filters.is_bound:
        assert filters.is_valid(), (url, filters.errors)
    if "page" in context and context["page"] is not None:
        return int(context["page"].paginator.count)
    for key in ("documents", "rows", "objectives"):
        if key in context:
            return len(list(context[key]))
    raise AssertionError(f"no rows in {url}")


def test_home_has_no_coming_later_text(records, officer, client_for):
    html = client_for(officer).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "next releases" not in html and "Coming next" not in html
    # Areas not built yet stay out of the navigation instead of being shown as coming.
    assert "nav-soon" not in html and "Coming in a later release" not in html


@pytest.mark.parametrize(
    ("persona", "shown", "hidden", "risks"),
    [
        ("officer", {"risk_posture", "impact", "reviews", "conformance", "approvals"}, set(), 3),
        ("executive", {"approvals", "risk_posture", "impact", "conformance"}, set(), 3),
        ("operator", {"risk_posture", "impact", "reviews"}, {"approvals"}, 1),
        ("auditor", {"risk_posture", "impact", "conformance"}, {"approvals"}, 3),
        ("external_auditor", {"risk_posture", "impact"}, {"approvals"}, 0),
        ("viewer", {"risk_posture", "impact", "conformance"}, {"approvals"}, 3),
    ],
)
def test_figures_per_role(records, request, client_for, persona, shown, hidden, risks):
    user = request.getfixturevalue(persona)
    seen = panels(client_for(user))
    assert shown <= set(seen) and not hidden & set(seen)
    assert seen["risk_posture"]["total"] == risks  # only the risks the user may see
    approvals = seen.get("approvals")
    if persona == "executive":
        # The officer wrote both: the executive may review them.
        assert by_label(approvals) == {"Documents": 1, "Impact assessments": 1}
        assert list(seen)[0] == "approvals"  # what awaits them comes first
    if persona == "officer":
        assert by_label(approvals) == {"Documents": 0, "Impact assessments": 0}  # their own
        assert list(seen)[0] in {"risk_posture", "conformance"}
    if persona == "operator":
        assert by_label(seen["impact"])["In review"] == 1  # on the granted system only
        assert list(seen)[0] in {"impact", "reviews"}


def test_every_figure_links_to_exactly_what_it_counts(clauses, records, executive, client_for):
    client = client_for(executive)
    checked = nonzero = 0
    for panel in panels(client).values():
        for figure in figures(panel):
            assert listed(client, figure.url) == figure.count, (panel["code"], figure)
            checked += 1
            nonzero += bool(figure.count)
        for group in panel.get("groups", []):
            for cell in group["cells"]:
                assert listed(client, cell["url"]) == cell["count"], cell
                checked += 1
    heatmap = panels(client)["risk_posture"]["heatmap"]
    cells = [cell for row in heatmap["residual"] for cell in row["cells"]]
    for cell in cells:
        assert listed(client, cell["href"]) == cell["count"], cell
    assert sum(cell["count"] for cell in cells) == posture_total(client)
    assert checked > 30 and nonzero >= 8
    posture = by_label(panels(client)["risk_posture"])
    assert posture["Acceptances expiring within 30 days"] == 1
    assert posture["Above the risk criteria, not yet accepted"] == 1


def test_operator_links_count_only_granted_records(records, operator, client_for):
    client = client_for(operator)
    for panel in panels(client).values():
        for figure in figures(panel):
            assert listed(client, figure.url) == figure.count, (panel["code"], figure)


def test_overdue_reviews_panel_counts_and_links(records, officer, client_for):
    client = client_for(officer)
    reviews = by_label(panels(client)["reviews"])
    assert reviews["Risks"] == 1


def _home_queries(client: Any) -> int:
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    return len(queries)


@pytest.mark.parametrize("persona", ["officer", "executive", "operator"])
def test_dashboard_runs_a_constant_number_of_queries(
    clauses, records, request, client_for, persona, officer, operator
):
    client = client_for(request.getfixturevalue(persona))
    few = _home_queries(client)
    for _ in range(6):
        system = AISystemFactory(granted_to=[operator])
        RiskFactory(ai_systems=[system], actor=officer)
        ImpactAssessmentFactory(ai_system=system, state="in_review", actor=officer)
        DocumentFactory(state="in_review", actor=officer)
        ObjectiveFactory()
    assert _home_queries(client) == few


# --- Clause conformance evidence ------------------------------------------------------------
def evidence_of(client: Any, ref: str) -> dict[str, Any]:
    response = client.get(reverse("conformance"), HTTP_ACCEPT_LANGUAGE="en")
    (row,) = [r for r in response.context["rows"] if r.requirement.ref_id == ref]
    return row.live_evidence


def test_clauses_offer_their_live_records(clauses, records, officer, client_for):
    client = client_for(officer)
    risk = evidence_of(client, "6.1.2")
    assert [i["source"].code for i in risk["items"]] == ["risk_assessment"]
    assert "3 risks assessed, 1 above the criteria" in risk["items"][0]["evidence"].summary
    assert risk["suggested_status"] == "partial"  # a review is overdue
    assert evidence_of(client, "8.2")["items"][0]["source"].code == "risk_assessment"
    assert evidence_of(client, "6.1.3")["items"][0]["source"].code == "risk_treatment"
    impact = evidence_of(client, "6.1.4")
    assert impact["items"][0]["evidence"].figures[0].count == 1  # one approved
    assert evidence_of(client, "5.2")["suggested_status"] == "partial"  # policy in review only
    assert evidence_of(client, "6.2")["suggested_status"] == "not_started"
    assert evidence_of(client, "4.1") is None
    for ref in ("6.1.2", "6.1.3", "6.1.4", "8.4", "5.2", "9.1"):
        for item in evidence_of(client, ref)["items"]:
            for figure in item["evidence"].figures:
                assert listed(client, figure.url) == figure.count, (ref, figure)


def test_page_shows_summary_and_confirm_button(clauses, records, officer, client_for):
    html = client_for(officer).get(reverse("conformance"), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "Suggested status" in text and "Confirm this status" in text
    assert reverse("clause_assessment_confirm", args=[clauses["5.2"].pk]) in text


def test_suggestion_is_confirmed_with_a_change_record(clauses, officer, client_for):
    row = clauses["5.2"]
    client = client_for(officer)
    assert evidence_of(client, "5.2")["suggested_status"] == "not_started"
    DocumentFactory(kind=DocumentKind.AI_POLICY, state="approved", actor=officer)
    assert evidence_of(client, "5.2")["suggested_status"] == "conformant"
    row.refresh_from_db()
    assert row.status == "not_started"  # a suggestion changes nothing by itself
    url = reverse("clause_assessment_confirm", args=[row.pk])
    response = client.post(url, {"status": "conformant"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "conformant"
    record = ChangeRecord.objects.filter(object_id=str(row.pk), action="update").latest("id")
    assert record.actor_id == officer.pk and record.after["status"] == "conformant"


def test_a_stale_suggestion_is_refused(clauses, officer, client_for):
    row = clauses["5.2"]
    url = reverse("clause_assessment_confirm", args=[row.pk])
    client_for(officer).post(url, {"status": "conformant"})  # no policy: suggests not started
    row.refresh_from_db()
    assert row.status == "not_started"
    assert not ChangeRecord.objects.filter(object_id=str(row.pk), action="update").exists()


@pytest.mark.parametrize(
    "persona", ["executive", "operator", "auditor", "external_auditor", "viewer"]
)
def test_who_may_not_change_the_assessment_cannot_confirm(
    clauses, officer, request, client_for, persona
):
    DocumentFactory(kind=DocumentKind.AI_POLICY, state="approved", actor=officer)
    row = clauses["5.2"]
    user = request.getfixturevalue(persona)
    url = reverse("clause_assessment_confirm", args=[row.pk])
    assert client_for(user).post(url, {"status": "conformant"}).status_code == 403
    row.refresh_from_db()
    assert row.status == "not_started"


def test_api_exposes_evidence_and_suggestion_read_only(clauses, records, officer, api_client_for):
    client = api_client_for(officer)
    rows = client.get(
        reverse("api:clause-assessment-list"), {"clause": "6.1"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()["results"]
    by_ref = {r["ref_id"]: r for r in rows}
    assert by_ref["6.1.1"]["evidence"] == [] and by_ref["6.1.1"]["suggested_status"] is None
    assessed = by_ref["6.1.2"]
    assert assessed["suggested_status"] == "partial"
    (source,) = assessed["evidence"]
    assert source["source"] == "risk_assessment" and source["figures"][0]["count"] == 3
    assert source["figures"][0]["url"].startswith(reverse("risks"))
    url = reverse("api:clause-assessment-detail", args=[clauses["6.1.2"].pk])
    response = client.patch(url, {"suggested_status": "conformant"}, format="json")
    assert response.status_code == 200
    assert ClauseAssessment.objects.get(pk=clauses["6.1.2"].pk).status == "not_started"


def test_api_list_queries_do_not_grow_with_the_records(
    clauses, records, officer, operator, api_client_for
):
    client = api_client_for(officer)
    url = reverse("api:clause-assessment-list")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(5):
        system = AISystemFactory(granted_to=[operator])
        RiskFactory(ai_systems=[system], actor=officer)
        ImpactAssessmentFactory(ai_system=system, state="approved", actor=officer)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_schema_documents_the_evidence_fields(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    fields = schema["components"]["schemas"]["ClauseAssessment"]["properties"]
    assert fields["evidence"]["readOnly"] and fields["suggested_status"]["readOnly"]
    assert "ClauseEvidence" in schema["components"]["schemas"]


def test_evidence_source_registry_is_keyed_by_clause():
    from aims.registry import registry

    clauses_of = {s.code: set(s.clauses) for s in registry.evidence_sources}
    assert clauses_of["risk_assessment"] == {"6.1.2", "8.2"}
    assert clauses_of["risk_treatment"] == {"6.1.3", "8.3"}
    assert clauses_of["impact_assessment"] == {"6.1.4", "8.4"}
    assert clauses_of["ai_policy"] == {"5.2"}
    assert clauses_of["objectives"] | clauses_of["objective_results"] == {"6.2", "9.1"}
