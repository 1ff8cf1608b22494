"""The id of a record a user may not see gets the very answer of an id that does not exist,
wherever a user sends one: the API's fields (a risk's AI systems, an assessment's AI system,
an action's risk, the risks an assessment or a consequence is reflected in), the API's
filters (declared and built from ``filterset_fields``), report requests (API and page) and
the pages' forms and filters. Otherwise the difference tells them the record is there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from aims.models import AISystem, ReportJob
from impact.models import ImpactAssessment
from risk.models import Risk
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import (
    AISystemFactory,
    ImpactAssessmentFactory,
    RiskFactory,
)


@pytest.fixture
def world(operator):
    """The operator's system, risk and assessment; a system, risk and assessment of someone
    else's (hidden); and ids that exist nowhere (missing)."""
    mine = AISystemFactory(name="Mine", granted_to=[operator])
    hidden = AISystemFactory(name="Hidden")
    objects: dict[str, Any] = {
        "mine": mine,
        "my_risk": RiskFactory(ai_systems=[mine]),
        "my_assessment": ImpactAssessmentFactory(ai_system=mine),
        "system": {"hidden": hidden.pk},
        "risk": {"hidden": RiskFactory(ai_systems=[hidden]).pk},
        "assessment": {"hidden": ImpactAssessmentFactory(ai_system=hidden).pk},
    }
    for kind, model in (("system", AISystem), ("risk", Risk), ("assessment", ImpactAssessment)):
        latest = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        objects[kind]["missing"] = latest + 1000
    return objects


ERROR = re.compile(r'class="(?:error|msg msg-error)"[^>]*>(.*?)</', re.S)


def page_errors(body: str) -> list[str]:
    """The errors and error messages a page shows (a page's other content, its CSRF tokens
    included, differs from one answer to the next)."""
    return ERROR.findall(body)


def same_answer(send, ids: dict[str, int], *, page: bool = False) -> tuple[int, Any]:
    """``send(id)`` answers the hidden id and the missing one alike (the id itself aside):
    the same status and body (for a page: the same errors); returns the hidden id's."""
    answers = {}
    for which, pk in ids.items():
        response = send(pk)
        body = re.sub(rf"\b{pk}\b", "<id>", response.content.decode())
        answers[which] = (response.status_code, page_errors(body) if page else body)
    assert answers["hidden"] == answers["missing"], answers
    return answers["hidden"]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_api_fields_answer_a_hidden_id_as_a_missing_one(operator, world, language):
    client = logged_in_api_client(operator)
    mine, headers = world["mine"], {"HTTP_ACCEPT_LANGUAGE": language}
    risk = {"title": "t", "inherent_likelihood": 1, "inherent_impact": 1}
    cases = [
        (
            "system",
            lambda pk: client.post(
                reverse("api:risk-list"),
                {**risk, "ai_systems": [mine.pk, pk]},
                format="json",
                **headers,
            ),
        ),
        (
            "system",
            lambda pk: client.patch(
                reverse("api:risk-detail", args=[world["my_risk"].pk]),
                {"ai_systems": [pk]},
                format="json",
                **headers,
            ),
        ),
        (
            "system",
            lambda pk: client.post(
                reverse("api:impact-assessment-list"),
                {
                    "ai_system": pk,
                    "assessed_on": "2025-09-10",
                    "intended_use": "x",
                    "severity": 1,
                    "likelihood": 1,
                },
                format="json",
                **headers,
            ),
        ),
        (
            "risk",
            lambda pk: client.post(
                reverse("api:risk-action-list"),
                {"risk": pk, "title": "a"},
                format="json",
                **headers,
            ),
        ),
        (
            "risk",
            lambda pk: client.patch(
                reverse("api:impact-assessment-detail", args=[world["my_assessment"].pk]),
                {"reflected_risks": [pk]},
                format="json",
                **headers,
            ),
        ),
        (
            "risk",
            lambda pk: client.post(
                reverse("api:impact-assessment-entries", args=[world["my_assessment"].pk]),
                {"risks": [pk]},
                format="json",
                **headers,
            ),
        ),
    ]
    for kind, send in cases:
        status, body = same_answer(send, world[kind])
        assert status == 400, body
    assert not Risk.objects.filter(title="t").exists()


@pytest.mark.parametrize(
    ("route", "parameter", "kind"),
    [
        ("api:risk-list", "ai_system", "system"),
        ("api:impact-assessment-list", "ai_system", "system"),
        ("api:risk-action-list", "risk", "risk"),  # built from filterset_fields
        ("api:impact-entry-list", "assessment", "assessment"),
    ],
)
def test_the_api_filters_answer_a_hidden_id_as_a_missing_one(
    operator, world, route, parameter, kind
):
    client = logged_in_api_client(operator)
    status, body = same_answer(lambda pk: client.get(reverse(route), {parameter: pk}), world[kind])
    assert status == 400, body  # not an empty list for the hidden one
    mine = {"system": world["mine"].pk, "risk": world["my_risk"].pk}
    mine["assessment"] = world["my_assessment"].pk
    assert client.get(reverse(route), {parameter: mine[kind]}).status_code == 200


@pytest.mark.parametrize(
    ("kind", "report"), [("system", "risk_register"), ("system", "impact_assessment_list")]
)
def test_a_report_request_answers_a_hidden_id_as_a_missing_one(operator, world, kind, report):
    """Through the API and the reports page; no job is queued for either (the hidden system's
    name would otherwise stand on the report's cover)."""
    api = logged_in_api_client(operator)
    status, body = same_answer(
        lambda pk: api.post(
            reverse("api:report-list"),
            {"kind": report, "format": "csv", "ai_system": pk},
            format="json",
        ),
        world[kind],
    )
    assert status == 400, body
    page = logged_in_client(operator)

    def on_the_page(pk: int) -> Any:
        return page.post(
            reverse("reports"),
            {"kind": report, "format": "csv", "ai_system": pk},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )

    status, errors = same_answer(on_the_page, world[kind], page=True)
    assert status == 200 and len(errors) == 1 and "ai_system" in errors[0]
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize(("route", "kind"), [("risks", "system"), ("impact_assessments", "system")])
def test_the_list_pages_answer_a_hidden_id_as_a_missing_one(operator, world, route, kind):
    client = logged_in_client(operator)
    status, errors = same_answer(
        lambda pk: client.get(reverse(route), {"ai_system": pk}, HTTP_ACCEPT_LANGUAGE="en"),
        world[kind],
        page=True,
    )
    assert status == 200 and len(errors) == 1
    # The filter offers the systems the user sees, and only those.
    html = client.get(reverse(route), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    options = re.search(r'<select[^>]*name="ai_system".*?</select>', html, re.S)
    assert options and "Mine" in options.group() and "Hidden" not in options.group()


def test_the_risk_form_answers_a_hidden_id_as_a_missing_one(operator, world):
    client = logged_in_client(operator)
    risk = world["my_risk"]
    data = {
        "title": "t",
        "matrix": risk.matrix_id,
        "inherent_likelihood": 1,
        "inherent_impact": 1,
        "residual_likelihood": 1,
        "residual_impact": 1,
        "treatment_option": "not_decided",
        "status": "open",
    }
    status, errors = same_answer(
        lambda pk: client.post(
            reverse("risk_edit", args=[risk.pk]),
            {**data, "ai_systems": [world["mine"].pk, pk]},
            HTTP_ACCEPT_LANGUAGE="en",
        ),
        world["system"],
        page=True,
    )
    assert status == 400 and len(errors) == 1
