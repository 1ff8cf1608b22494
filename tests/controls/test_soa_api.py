"""``soa/`` and ``soa-rows/``: versions, rows as snapshots, checks, the workflow actions,
comparison, row changes through the services with change records, bad input refused with
nothing changed, and constant query counts; impact assessments' ``annex_controls``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aims.choices import ApprovalStatus
from aims.models import ChangeRecord
from controls.models import ApplicabilityStatement, SoaCheckWaiver
from controls.services import soa as services
from impact.models import ImpactAssessment
from tests.factories import AISystemFactory, RequirementFactory
from tests.factories.documents import make_approver
from tests.factories.impact import ImpactAssessmentFactory
from tests.factories.soa import SoaFactory, annex, decide_all, make_control


@pytest.fixture
def soa(db, officer):
    version = SoaFactory(library=True, actor=officer)
    decide_all(version, actor=officer)
    return version


def test_versions_rows_and_checks(soa, officer, api_client_for):
    client = api_client_for(officer)
    listing = client.get(reverse("api:soa-list")).json()
    assert [v["id"] for v in listing["results"]] == [soa.pk]
    detail = client.get(reverse("api:soa-detail", args=[soa.pk])).json()
    assert detail["status"] == "draft" and detail["number"] == 1
    rows = client.get(reverse("api:soa-rows", args=[soa.pk])).json()
    assert len(rows) == 38 and rows[0]["requirement"]["ref_id"] == "A.2.2"
    assert rows[0]["applicable"] is False and "id" in rows[0]
    assert client.get(reverse("api:soa-checks", args=[soa.pk])).json() == []


def test_patch_a_row_and_bad_input(soa, officer, api_client_for):
    client = api_client_for(officer)
    row = soa.rows.get(requirement=annex("A.2.2"))
    url = reverse("api:soa-row-detail", args=[row.pk])
    before = ChangeRecord.objects.count()
    refused = client.patch(url, {"applicable": False, "justification": ""}, format="json")
    assert refused.status_code == 400 and "justification" in str(refused.json())
    refused = client.patch(url, {"controls": [999999]}, format="json")
    assert refused.status_code == 400
    refused = client.patch(url, {"requirement": annex("A.2.3").pk}, format="json")
    assert refused.status_code == 400
    assert ChangeRecord.objects.count() == before
    control = make_control("CTL-950")
    response = client.patch(
        url,
        {
            "applicable": True,
            "justification_type": "legal",
            "justification": "Contract.",
            "controls": [control.pk],
        },
        format="json",
    )
    assert response.status_code == 200 and response.json()["controls"] == [control.pk]
    assert ChangeRecord.objects.count() == before + 1
    checks = client.get(reverse("api:soa-checks", args=[soa.pk])).json()
    assert checks == []


def test_waive_through_the_api(soa, officer, api_client_for):
    client = api_client_for(officer)
    row = soa.rows.get(requirement=annex("A.2.2"))
    services.soa_row_update(actor=officer, row=row, applicable=True, justification="Policy.")
    url = reverse("api:soa-row-waive", args=[row.pk])
    assert (
        client.post(url, {"check_code": "no_implementing_control"}, format="json").status_code
        == 400
    )
    response = client.post(
        url, {"check_code": "no_implementing_control", "reason": "Policy itself."}, format="json"
    )
    assert response.status_code == 201
    assert response.json()[0]["waived"] is True
    response = client.post(
        reverse("api:soa-row-unwaive", args=[row.pk]),
        {"check_code": "no_implementing_control"},
        format="json",
    )
    assert response.status_code == 200 and not SoaCheckWaiver.objects.exists()


def test_workflow_through_the_api(soa, officer, api_client_for):
    client = api_client_for(officer)
    assert client.post(reverse("api:soa-submit", args=[soa.pk])).status_code == 200
    refused = client.post(reverse("api:soa-approve", args=[soa.pk]))
    assert refused.status_code == 400  # the author does not approve
    executive = api_client_for(make_approver())
    approved = executive.post(reverse("api:soa-approve", args=[soa.pk]))
    assert approved.status_code == 200 and approved.json()["status"] == ApprovalStatus.APPROVED
    row = soa.rows.first()
    refused = client.patch(
        reverse("api:soa-row-detail", args=[row.pk]), {"justification": "later"}, format="json"
    )
    assert refused.status_code == 400
    new = client.post(reverse("api:soa-new-version", args=[soa.pk]))
    assert new.status_code == 201
    draft_id = new.json()["id"]
    assert draft_id != soa.pk
    assert client.get(reverse("api:soa-compare", args=[draft_id]), {"with": "x"}).status_code == 400
    default = client.get(reverse("api:soa-compare", args=[draft_id])).json()
    assert (default["left"], default["right"]) == (soa.pk, draft_id)
    same = client.get(reverse("api:soa-compare", args=[draft_id]), {"with": soa.pk}).json()
    assert same["changes"] == [] and (same["left"], same["right"]) == (soa.pk, draft_id)


def test_return_needs_a_comment(soa, officer, api_client_for):
    api_client_for(officer).post(reverse("api:soa-submit", args=[soa.pk]))
    executive = api_client_for(make_approver())
    assert executive.post(reverse("api:soa-return", args=[soa.pk]), {}).status_code == 400
    response = executive.post(
        reverse("api:soa-return", args=[soa.pk]), {"comment": "Check A.6."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "draft"


def test_add_and_remove_rows_through_the_api(soa, officer, api_client_for):
    client = api_client_for(officer)
    other = RequirementFactory()
    response = client.post(
        reverse("api:soa-row-list"),
        {
            "soa": soa.pk,
            "requirement": other.pk,
            "applicable": False,
            "justification": "Not relevant.",
        },
        format="json",
    )
    assert response.status_code == 201
    added = response.json()["id"]
    annex_row = soa.rows.get(requirement=annex("A.2.2"))
    assert client.delete(reverse("api:soa-row-detail", args=[annex_row.pk])).status_code == 400
    assert client.delete(reverse("api:soa-row-detail", args=[added])).status_code == 204
    assert not ApplicabilityStatement.objects.filter(pk=added).exists()


def test_an_operator_reads_but_does_not_write(soa, operator, api_client_for):
    client = api_client_for(operator)
    assert client.get(reverse("api:soa-rows", args=[soa.pk])).status_code == 200
    row = soa.rows.first()
    response = client.patch(
        reverse("api:soa-row-detail", args=[row.pk]), {"justification": "x"}, format="json"
    )
    assert response.status_code == 403


def test_constant_queries(soa, officer, api_client_for, django_assert_max_num_queries):
    client = api_client_for(officer)
    first = make_control("CTL-960")
    services.soa_row_update(actor=officer, row=soa.rows.first(), controls=[first])
    urls = [reverse("api:soa-rows", args=[soa.pk]), reverse("api:soa-row-list")]
    counts = []
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(60) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    for n in range(30):
        services.soa_row_add(
            actor=officer,
            soa=soa,
            requirement=RequirementFactory(),
            applicable=True,
            justification="Adopted.",
            controls=[make_control(f"CTL-97{n:02d}")],
        )
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_impact_assessments_take_annex_a_controls(db, officer, api_client_for):
    SoaFactory(library=True, actor=officer)
    assessment = ImpactAssessmentFactory(ai_system=AISystemFactory())
    client = api_client_for(officer)
    url = reverse("api:impact-assessment-detail", args=[assessment.pk])
    refused = client.patch(url, {"annex_controls": [RequirementFactory().pk]}, format="json")
    assert refused.status_code == 400 and "annex_controls" in str(refused.json())
    response = client.patch(url, {"annex_controls": [annex("A.5.2").pk]}, format="json")
    assert response.status_code == 200 and response.json()["annex_controls"] == [annex("A.5.2").pk]
    # Carried forward to the next version.
    from impact.services import (
        impact_assessment_approve,
        impact_assessment_new_version,
        impact_assessment_submit,
    )
    from tests.factories.impact import ImpactEntryFactory

    ImpactEntryFactory(assessment=assessment)
    impact_assessment_submit(actor=officer, assessment=assessment)
    impact_assessment_approve(actor=make_approver(), assessment=assessment)
    new = impact_assessment_new_version(
        actor=officer, assessment=ImpactAssessment.objects.get(pk=assessment.pk)
    )
    assert list(new.annex_controls.values_list("ref_id", flat=True)) == ["A.5.2"]
