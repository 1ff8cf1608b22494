"""Impact pages: the guided form, the detail with its workflow, reflection, versions side by
side, the AI system tab; constant queries for the lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from impact.models import ImpactAssessment
from impact.services import (
    impact_assessment_approve,
    impact_assessment_create,
    impact_assessment_new_version,
    impact_assessment_submit,
    impact_assessment_update,
    impact_entry_create,
)
from risk.models import Risk
from tests.conftest import logged_in_api_client, logged_in_client
from tests.impact.conftest import area, party
from tests.impact.test_risk_from_consequence import posted


def make(actor, system, **data):
    fields = {"intended_use": "不審者検知", "severity": 3, "likelihood": 2, **data}
    return impact_assessment_create(actor=actor, ai_system=system, **fields)


def test_the_guided_form_creates_an_assessment(operator, granted, client_for):
    client = client_for(operator)
    page = client.get(reverse("impact_assessment_create"), {"ai_system": granted.pk})
    html = page.content.decode()
    assert "人間の判断の介在" in html  # the page speaks Japanese by default
    assert page.context["form"].initial["ai_system"] == granted
    form = page.context["form"]
    data = {
        "ai_system": granted.pk,
        "system_version": "2.2",
        "assessed_on": "2025-09-10",
        "scope": ["use"],
        "intended_use": "不審者検知",
        "affected_parties": ["groups"],
        "matrix": form.initial["matrix"].pk,
        "severity": 3,
        "likelihood": 2,
        "human_judgment_decision": "human_reviews",
        "social_acceptance": "not_assessed",
        "pia_treatment": "reduce",
        "hj_bias_risk": "学習データの偏り",
    }
    response = client.post(reverse("impact_assessment_create"), data)
    assessment = ImpactAssessment.objects.get()
    assert response.status_code == 302, response.content.decode()[:3000]
    assert assessment.level == "high" and assessment.human_judgment == {
        "bias_risk": "学習データの偏り"
    }
    detail = client.get(reverse("impact_assessment", args=[assessment.pk])).content.decode()
    assert "不審者検知" in detail and "学習データの偏り" in detail


def test_entries_reflection_and_submission_on_the_pages(operator, granted, client_for):
    assessment = make(operator, granted)
    client = client_for(operator)
    response = client.post(
        reverse("impact_entry_create", args=[assessment.pk]),
        {
            "party_type": party("minorities").pk,
            "impact_area": area("privacy").pk,
            "nature": "harm",
            "description": "顔画像の無断取得",
            "severity": 2,
            "likelihood": 3,
            "reversibility": "partly",
        },
    )
    assert response.status_code == 302
    entry = assessment.entries.get()
    url = reverse("impact_entry_risk_create", args=[entry.pk])
    response = client.post(url, posted(client.get(url).context["form"]))
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert list(entry.risks.all()) == [risk]
    html = client.get(reverse("impact_assessment", args=[assessment.pk])).content.decode()
    assert risk.code in html
    assert "顔画像の無断取得" in client.get(reverse("risk", args=[risk.pk])).content.decode()
    client.post(reverse("impact_assessment_submit", args=[assessment.pk]))
    assessment.refresh_from_db()
    assert assessment.status == "in_review"


def test_the_author_sees_no_approve_button_and_the_approver_does(
    officer, executive, system, client_for
):
    assessment = make(officer, system)
    impact_entry_create(
        actor=officer,
        assessment=assessment,
        party_type=party("minorities"),
        impact_area=area("privacy"),
        description="x",
        severity=1,
        likelihood=1,
    )
    impact_assessment_submit(actor=officer, assessment=assessment)
    url = reverse("impact_assessment_approve", args=[assessment.pk])
    assert (
        url
        not in client_for(officer)
        .get(reverse("impact_assessment", args=[assessment.pk]))
        .content.decode()
    )
    refused = client_for(officer).post(url, follow=True)
    assert ImpactAssessment.objects.get().status == "in_review"
    assert refused.status_code == 200
    assert (
        url
        in client_for(executive)
        .get(reverse("impact_assessment", args=[assessment.pk]))
        .content.decode()
    )
    client_for(executive).post(url)
    assert ImpactAssessment.objects.get().status == "approved"


def test_return_with_a_comment_on_the_page(officer, executive, system, client_for):
    assessment = make(officer, system)
    impact_entry_create(
        actor=officer,
        assessment=assessment,
        party_type=party("minorities"),
        impact_area=area("privacy"),
        description="x",
        severity=1,
        likelihood=1,
    )
    impact_assessment_submit(actor=officer, assessment=assessment)
    url = reverse("impact_assessment_return", args=[assessment.pk])
    assert client_for(executive).post(url, {"comment": ""}).status_code == 400
    client_for(executive).post(url, {"comment": "社会的状況を追記してください"})
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    page = client_for(officer).get(reverse("impact_assessment", args=[assessment.pk]))
    assert "社会的状況を追記してください" in page.content.decode()


def test_versions_side_by_side(officer, executive, system, client_for):
    first = make(officer, system, societal_context="旧")
    impact_entry_create(
        actor=officer,
        assessment=first,
        party_type=party("minorities"),
        impact_area=area("privacy"),
        description="x",
        severity=1,
        likelihood=1,
    )
    impact_assessment_submit(actor=officer, assessment=first)
    impact_assessment_approve(actor=executive, assessment=first)
    second = impact_assessment_new_version(actor=officer, assessment=first)
    impact_assessment_update(actor=officer, assessment=second, societal_context="新")
    response = client_for(officer).get(
        reverse("impact_assessment_compare", args=[second.pk]), {"with": first.pk}
    )
    rows = {str(label): (a, b, changed) for label, a, b, changed in response.context["rows"]}
    changed = [label for label, (_a, _b, flag) in rows.items() if flag]
    assert any(a == "旧" and b == "新" for a, b, _flag in rows.values())
    assert len(changed) >= 1


def test_the_ai_system_tab_lists_its_assessments(officer, system, other_system, client_for):
    make(officer, system)
    make(officer, other_system, intended_use="在庫")
    html = (
        client_for(officer)
        .get(reverse("ai_system", args=[system.pk]), {"tab": "impact"})
        .content.decode()
    )
    assert (
        reverse("impact_assessment", args=[ImpactAssessment.objects.get(ai_system=system).pk])
        in html
    )
    assert (
        reverse("impact_assessment", args=[ImpactAssessment.objects.get(ai_system=other_system).pk])
        not in html
    )


@pytest.mark.parametrize("name", ["impact_assessments", "api:impact-assessment-list"])
def test_the_lists_run_the_same_queries_for_1_and_50(officer, system, name):
    client = (logged_in_api_client if name.startswith("api") else logged_in_client)(officer)
    url = reverse(name)

    def fill(n):
        for i in range(n - ImpactAssessment.objects.count()):
            assessment = make(officer, system)
            impact_entry_create(
                actor=officer,
                assessment=assessment,
                party_type=party("minorities"),
                impact_area=area("privacy"),
                description=f"e{i}",
                severity=1,
                likelihood=1,
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    fill(1)
    client.get(url)
    one = count()
    fill(50)
    assert count() == one
