"""Certification readiness (issue 14, item 6): the items are data with pinned ids, every item
has a check registered by the app that holds its records, the states follow the live records,
the demo's page and API agree, and only the roles that see all records read it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aims.models import Organization
from aims.readiness import (
    READINESS_FILE,
    ReadinessFileError,
    ReadinessState,
    parse_readiness,
    readiness,
    readiness_items,
)
from aims.registry import registry
from aims.services.competence import competence_record_create, competence_role_create
from tests.factories import AISystemFactory, DocumentFactory, OrganizationFactory, UserFactory

PINNED_IDS = [
    "r-4.3-scope",
    "r-5.2-policy",
    "r-6.1.2-risk-assessment-process",
    "r-6.1.3-treatment-and-soa",
    "r-6.1.4-impact-assessment-process",
    "r-6.2-objectives",
    "r-7.2-competence",
    "r-7.5-documented-information",
    "r-8.1-operational-records",
    "r-8.2-risk-assessment-results",
    "r-8.3-risk-treatment-results",
    "r-8.4-impact-assessment-results",
    "r-9.1-monitoring-results",
    "r-9.2-audit-programme-and-results",
    "r-9.3-management-review-results",
    "r-10.2-nonconformities",
]


def test_the_item_ids_are_pinned():
    assert [item.id for item in readiness_items()] == PINNED_IDS


def test_every_item_has_a_check_and_both_languages():
    for item in readiness_items():
        assert item.id in registry.readiness_checks, f"{item.id}: no app registered a check"
        assert item.title_en and item.title_ja and item.present_when_ja
        assert item.stage2 or item.stage1


def test_the_stage1_items_are_the_documentation():
    stage1 = {item.id for item in readiness_items() if item.stage1}
    assert "r-5.2-policy" in stage1 and "r-6.1.3-treatment-and-soa" in stage1
    assert "r-9.3-management-review-results" not in stage1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("format: other/1\nitems: []\n", "'format' must be"),
        ("format: aims-readiness/1\nitems: []\n", "non-empty list"),
        ("format: aims-readiness/1\nitems: [{id: 'bad id'}]\n", "'id' must look like"),
        (
            "format: aims-readiness/1\nitems:\n"
            "  - {id: r-1-a, clauses: ['1'], title: {en: A}, present_when: {en: a, ja: あ},"
            " stage1: true, stage2: true}\n",
            "r-1-a: title: give the text in English (en) and Japanese (ja)",
        ),
        (
            "format: aims-readiness/1\nitems:\n"
            "  - {id: r-1-a, clauses: ['1'], title: {en: A, ja: あ}, present_when: {en: a, ja: あ},"
            " stage1: false, stage2: false}\n"
            "  - {id: r-1-a, clauses: [x], title: {en: A, ja: あ}, present_when: {en: a, ja: あ},"
            " stage1: yes-ish, stage2: true}\n",
            "the id is used twice",
        ),
        ("items: [", "not a readable YAML file"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(content, expected):
    with pytest.raises(ReadinessFileError) as error:
        parse_readiness(content, "test.yaml")
    assert any(expected in message for message in error.value.errors), error.value.errors


def test_the_shipped_file_parses():
    assert parse_readiness(READINESS_FILE.read_text(encoding="utf-8"))


# --- states from the live records ----------------------------------------------------------------
def _state(item_id, user=None, today=None):
    found = readiness(user, today)
    return next(s for s in found.items if s.item.id == item_id)


@pytest.mark.django_db
def test_scope_goes_from_missing_to_stale_to_approved():
    assert _state("r-4.3-scope").state == ReadinessState.MISSING
    OrganizationFactory(scope_statement="AI systems for recruiting and support.")
    assert _state("r-4.3-scope").state == ReadinessState.PRESENT_STALE
    AISystemFactory()
    found = _state("r-4.3-scope")
    assert found.state == ReadinessState.PRESENT_APPROVED
    assert found.url == reverse("context")


@pytest.mark.django_db
def test_policy_goes_from_missing_to_stale_to_approved():
    assert _state("r-5.2-policy").state == ReadinessState.MISSING
    DocumentFactory(kind="ai_policy", state="draft")
    assert _state("r-5.2-policy").state == ReadinessState.PRESENT_STALE
    DocumentFactory(kind="ai_policy", state="approved")
    assert _state("r-5.2-policy").state == ReadinessState.PRESENT_APPROVED


@pytest.mark.django_db
def test_competence_goes_from_missing_to_stale_to_approved(officer):
    assert _state("r-7.2-competence").state == ReadinessState.MISSING
    role = competence_role_create(
        actor=officer, name="Model reviewer", required_competence="Fairness training"
    )
    found = _state("r-7.2-competence")
    assert found.state == ReadinessState.PRESENT_STALE and found.reason
    record = competence_record_create(
        actor=officer, role=role, person=UserFactory(), state="in_training"
    )
    assert _state("r-7.2-competence").state == ReadinessState.PRESENT_STALE
    from aims.services.competence import competence_record_update

    competence_record_update(actor=officer, record=record, state="competent")
    assert _state("r-7.2-competence").state == ReadinessState.PRESENT_APPROVED
    later = timezone.localdate() + timedelta(days=10)
    competence_record_update(actor=officer, record=record, next_review_on=later)
    assert _state("r-7.2-competence").state == ReadinessState.PRESENT_APPROVED
    assert _state("r-7.2-competence", today=later + timedelta(days=1)).state == "present_stale"


@pytest.mark.django_db
def test_risk_results_go_stale_when_a_review_falls_overdue():
    from tests.factories import RiskFactory

    assert _state("r-8.2-risk-assessment-results").state == ReadinessState.MISSING
    due = timezone.localdate() + timedelta(days=30)
    RiskFactory(next_review_on=due)
    assert _state("r-8.2-risk-assessment-results").state == ReadinessState.PRESENT_APPROVED
    late = _state("r-8.2-risk-assessment-results", today=due + timedelta(days=1))
    assert late.state == ReadinessState.PRESENT_STALE
    assert late.reason == "1 risk is past its review date."
    assert late.url == reverse("risks")


@pytest.mark.django_db
def test_management_review_goes_from_missing_to_stale_to_approved():
    from tests.factories.review import ManagementReviewFactory

    item = "r-9.3-management-review-results"
    assert _state(item).state == ReadinessState.MISSING
    ManagementReviewFactory(state="draft")
    assert _state(item).state == ReadinessState.PRESENT_STALE
    ManagementReviewFactory(state="approved")
    assert _state(item).state == ReadinessState.PRESENT_APPROVED
    next_year = timezone.localdate() + timedelta(days=400)
    assert _state(item, today=next_year).state == ReadinessState.PRESENT_STALE


@pytest.mark.django_db
def test_an_item_without_a_check_is_not_checked_and_blocks(monkeypatch):
    checks = dict(registry.readiness_checks)
    del checks["r-5.2-policy"]
    monkeypatch.setattr(registry, "readiness_checks", checks)
    found = readiness(None)
    policy = next(s for s in found.items if s.item.id == "r-5.2-policy")
    assert policy.state == ReadinessState.NOT_CHECKED
    assert policy in found.stage1.blocking and not found.stage1.ready


@pytest.mark.django_db
def test_an_empty_organisation_is_not_ready_for_either_stage():
    found = readiness(None)
    assert not found.stage1.ready and not found.stage2.ready
    assert {s.item.id for s in found.stage2.blocking} == set(PINNED_IDS)


# --- the demo: page and API agree -------------------------------------------------------------
@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def _page_states(html):
    import re

    return dict(re.findall(r'data-item="([^"]+)" data-state="([^"]+)"', html))


def test_the_demo_page_and_api_show_the_same_state_for_every_item(
    demo, client_for, django_assert_max_num_queries
):
    client = client_for(demo["officer"])
    # A fixed number of aggregate queries per item (about two), whatever the data.
    with django_assert_max_num_queries(35):
        response = client.get(reverse("readiness"))
    assert response.status_code == 200
    page = _page_states(response.content.decode())
    assert list(page) == PINNED_IDS
    assert set(page.values()) <= {s.value for s in ReadinessState} - {"not_checked"}
    body = client.get("/api/v1/readiness/").json()
    assert {item["id"]: item["state"] for item in body["items"]} == page
    assert page["r-7.2-competence"] == "present_approved"  # the demo's register
    assert body["stage2"]["ready"] == (not body["stage2"]["blocking"])
    blocking = [k for k, v in page.items() if v != "present_approved"]
    stage2 = [i.id for i in readiness_items() if i.stage2]
    assert body["stage2"]["blocking"] == [i for i in stage2 if i in blocking]
    html = response.content.decode()
    assert "力量の証拠" in html  # Japanese by default


def test_the_readiness_page_is_for_those_who_see_all_records(
    db, viewer, operator, external_auditor, client_for, api_client_for
):
    assert client_for(viewer).get(reverse("readiness")).status_code == 200
    for user in (operator, external_auditor):
        assert client_for(user).get(reverse("readiness")).status_code == 403
        assert api_client_for(user).get("/api/v1/readiness/").status_code == 403
    assert api_client_for(None).get("/api/v1/readiness/").status_code == 401


def test_the_api_answers_in_english_when_asked(db, officer, api_client_for):
    Organization.objects.all().delete()
    body = api_client_for(officer).get("/api/v1/readiness/", HTTP_ACCEPT_LANGUAGE="en").json()
    scope = next(item for item in body["items"] if item["id"] == "r-4.3-scope")
    assert scope["title"] == "Scope of the AI management system"
    assert scope["state"] == "missing" and scope["reason"] == "No AIMS scope statement is recorded."
