"""Free text and report parameters have limits: a 5,000,000-character description or a
100,000-value filter is a 400 naming the field, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from aims.models import AISystem, BusinessUnit, ReportJob
from aims.models.base import TEXT_MAX_LENGTH, BoundedTextField
from aims.services.records import record_create
from aims.services.reports import REPORT_PARAMETER_MAX_VALUES
from tests.api_cases import assert_error

#: Free text the platform writes itself, not what a user typed.
SYSTEM_TEXT = {("aims", "notification", "body"), ("aims", "reportjob", "error")}


def test_every_free_text_field_of_a_record_has_the_limit():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"aims", "risk", "impact", "controls", "audit"}
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField)
        and (model._meta.app_label, model._meta.model_name, field.name) not in SYSTEM_TEXT
        and not isinstance(field, BoundedTextField)
    ]
    assert unbounded == []


def test_a_description_over_the_limit_is_a_400_in_the_api(officer, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:business-unit-list"),
        {"name": "Big", "description": "x" * 5_000_000},
        format="json",
    )
    assert_error(response, 400, "description")
    assert not BusinessUnit.objects.exists()


def test_the_limit_itself_is_accepted(officer, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:business-unit-list"),
        {"name": "Full", "description": "x" * TEXT_MAX_LENGTH},
        format="json",
    )
    assert response.status_code == 201, response.content[:300]
    assert len(BusinessUnit.objects.get().description) == TEXT_MAX_LENGTH


def test_a_description_over_the_limit_is_a_form_error_in_the_page(officer, client_for):
    response = client_for(officer).post(
        reverse("ai_system_create"),
        {"name": "Big", "version": "1", "purpose": "p" * (TEXT_MAX_LENGTH + 1)},
    )
    assert response.status_code in (200, 400)
    assert "purpose" in response.context["form"].errors
    assert not AISystem.objects.exists()


def test_services_check_the_limit_and_nul_characters_too(db):
    with pytest.raises(ValidationError) as raised:
        record_create(
            actor=None, model=BusinessUnit, name="Big", description="x" * (TEXT_MAX_LENGTH + 1)
        )
    assert "description" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        record_create(actor=None, model=BusinessUnit, name="Nul", description="a\x00b")
    assert "description" in raised.value.message_dict
    assert not BusinessUnit.objects.exists()


def report(client, **parameters):
    body = {"kind": "ai_system_inventory", "format": "csv", "language": "en", **parameters}
    return client.post(
        reverse("api:report-list"),
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_filter_of_100000_values_is_refused(officer, api_client_for):
    response = report(api_client_for(officer), lifecycle_stage=["operation"] * 100_000)
    error = assert_error(response, 400, "lifecycle_stage")
    assert error["fields"]["lifecycle_stage"] == [f"At most {REPORT_PARAMETER_MAX_VALUES} values."]
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"q": "x" * 100_000}, "q", "At most 500 characters."),
        ({"lifecycle_stage": [{"nested": ["object"]}]}, "lifecycle_stage", "Give text"),
        ({f"p{i}": "x" for i in range(31)}, "parameters", "At most 30 parameters."),
        ({"p" * 100_000: "x"}, "parameters", "Unknown parameter."),
    ],
    ids=["long value", "nested value", "many parameters", "long name"],
)
def test_report_parameters_have_bounds(officer, api_client_for, parameters, field, message):
    response = report(api_client_for(officer), **parameters)
    error = assert_error(response, 400, field)
    assert message in " ".join(error["fields"][field])
    assert len(response.content) < 2000
    assert not ReportJob.objects.exists()


def test_a_filter_within_the_bounds_is_queued(officer, api_client_for):
    response = report(api_client_for(officer), lifecycle_stage=["operation", "development"])
    assert response.status_code == 202, response.content


def test_a_matrix_of_100000_steps_is_refused_before_its_steps_are_read(officer, api_client_for):
    from risk.models import RiskMatrix

    step = {"label_en": "Step", "label_ja": "段階"}
    body = {
        "code": "huge",
        "name_en": "Huge",
        "name_ja": "巨大",
        "likelihood_levels": [step] * 100_000,
        "impact_levels": [step] * 2,
        "levels": [{"code": "low", "label_en": "Low", "label_ja": "低"}] * 2,
        "grid": [["low"] * 100_000] * 2,
    }
    before = RiskMatrix.objects.count()
    response = api_client_for(officer).post(
        reverse("api:risk-matrix-list"), body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    error = assert_error(response, 400, "likelihood_levels")
    assert "grid" in error["fields"]
    assert len(response.content) < 2000
    assert RiskMatrix.objects.count() == before


def test_an_ai_system_takes_at_most_each_role_once(officer, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:ai-system-list"),
        {"name": "S", "purpose": "p", "organization_roles": ["developer"] * 100_000},
        format="json",
    )
    assert_error(response, 400, "organization_roles")
    assert not AISystem.objects.exists()
