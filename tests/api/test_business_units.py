"""``business-units/``: organisation-wide records that governance officers keep."""

from __future__ import annotations

from django.urls import reverse

from aims.models import BusinessUnit, ChangeRecord
from tests.api_cases import APIViewTestCase, assert_error
from tests.conftest import logged_in_api_client
from tests.factories import AISystemFactory, BusinessUnitFactory


class TestBusinessUnits(APIViewTestCase):
    basename = "business-unit"
    model = BusinessUnit
    factory = BusinessUnitFactory
    fields = ("id", "name", "code", "description", "owner", "created_at", "updated_at")
    can_delete = True
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")

    @staticmethod
    def create_data(officer):
        return [
            {"name": "Risk office", "code": "RO"},
            {"name": "Data science", "description": "Builds the models", "owner": officer.pk},
        ]

    update_data = {"name": "Risk and compliance office", "code": "RCO"}

    @staticmethod
    def bad_create_data():
        return [
            ("name", {"code": "NONAME"}),
            ("name", {"name": BusinessUnitFactory().name}),
            ("owner", {"name": "Unit of nobody", "owner": 999999}),
        ]

    bad_update_data = [("name", {"name": ""})]


def test_a_unit_that_owns_ai_systems_is_not_deleted(officer):
    unit = BusinessUnitFactory()
    AISystemFactory(business_unit=unit)
    before = ChangeRecord.objects.count()
    response = logged_in_api_client(officer).delete(
        reverse("api:business-unit-detail", args=[unit.pk])
    )
    assert_error(response, 400)
    assert BusinessUnit.objects.filter(pk=unit.pk).exists()
    assert ChangeRecord.objects.count() == before
