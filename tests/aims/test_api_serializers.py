"""The API's model serializer (``aims.api.base.ModelSerializer``): fields built once per
class, fresh for each serializer; rows written by a plan that gives DRF's own output."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

import aims.api.base
from aims.api.base import ModelSerializer
from aims.models import AISystem
from risk.api.serializers import RiskSerializer
from risk.models import Risk
from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db


def _drf(serializer: Any, instance: Any) -> Any:
    return serializers.ModelSerializer.to_representation(serializer, instance)


class SystemSerializer(ModelSerializer):
    class Meta:
        model = AISystem
        fields = ["id", "name", "owner", "next_review_on", "created_at", "lifecycle_stage"]


def test_a_row_is_written_as_drf_writes_it(officer):
    system = AISystemFactory(owner=None)
    owned = AISystemFactory(owner=officer)
    for row in (system, owned, AISystem.objects.defer("name").get(pk=owned.pk)):
        serializer = SystemSerializer(row)
        assert serializer.data == _drf(SystemSerializer(), row)
    assert SystemSerializer(system).data["owner"] is None
    assert SystemSerializer(owned).data["owner"] == officer.pk
    # What is not a row of the model (a dict) is written by DRF's steps.
    plain = {"id": 1, "name": "n", "owner": None, "next_review_on": None, "created_at": None}
    assert SystemSerializer(plain).data["name"] == "n"


def test_the_plan_reads_columns_directly_and_the_rest_through_drf(officer):
    serializer = RiskSerializer()
    plan = {
        name: (column, pk_only)
        for name, column, pk_only, _field in aims.api.base._row_plan(
            Risk, serializer._readable_fields
        )
    }
    assert plan["title"] == ("title", False)
    assert plan["owner"] == ("owner_id", True)
    assert plan["matrix"] == ("matrix_id", True)
    assert plan["ai_systems"] == (None, False)  # a list read through the reader's eyes
    assert plan["acceptance"] == (None, False)  # a method
    assert plan["code"] == (None, False)  # a property of the model, not a column


def test_fields_are_built_once_a_class_and_fresh_for_each_serializer(monkeypatch):
    RiskFactory()
    built = []
    original = serializers.ModelSerializer.get_fields

    def counting(self: Any) -> Any:
        built.append(type(self))
        return original(self)

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", counting)
    monkeypatch.delattr(RiskSerializer, "_made_fields", raising=False)
    first, second = RiskSerializer(), RiskSerializer()
    assert first.fields["title"] is not second.fields["title"]
    assert first.fields["title"].parent is first and second.fields["title"].parent is second
    assert (
        first.fields["ai_systems"].child_relation is not second.fields["ai_systems"].child_relation
    )
    assert built == [RiskSerializer]
