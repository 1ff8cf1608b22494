"""The API's model serializer (``aims.api.base.ModelSerializer``): fields built once per
class, fresh for each serializer; rows written by a plan that gives DRF's own output, made once
per class, whose fields that read the request or its time zone are each serializer's own."""

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


def _plan(serializer: Any, risk: Risk) -> dict[str, Any]:
    serializer.to_representation(risk)  # makes the serializer's plan
    return {name: field for name, _column, _pk_only, field in serializer._plan}


def test_a_column_field_that_reads_only_its_settings_is_shared_the_others_are_bound_to_each(
    rf, officer
):
    risk = RiskFactory(owner=officer)
    request = rf.get("/")
    request.user = officer
    first, second = RiskSerializer(context={"request": request}), RiskSerializer()
    one, two = _plan(first, risk), _plan(second, risk)
    for name in ("title", "status", "owner", "matrix", "inherent_likelihood"):
        assert one[name] is two[name], name  # CharField, ChoiceField, ids, IntegerField
        assert one[name].parent is None
    for name in ("ai_systems", "acceptance", "code", "created_at", "updated_at"):
        assert one[name] is not two[name], name
        assert one[name].parent is first and two[name].parent is second
    assert one["ai_systems"].context["request"] is request and two["ai_systems"].context == {}
    # Writing rows does not build a serializer's fields; one whose fields are built (it
    # validated input, say) writes with its own.
    assert "fields" not in first.__dict__
    built = RiskSerializer()
    own = built.fields["title"]
    assert _plan(built, risk)["title"] is own


def test_datetimes_are_written_in_the_zone_active_for_each_serializer(officer):
    from django.utils import timezone

    risk = RiskFactory(owner=officer)
    written = {}
    for zone in ("UTC", "Asia/Tokyo"):
        with timezone.override(zone):
            written[zone] = RiskSerializer(risk).data["created_at"]
            assert written[zone] == _drf(RiskSerializer(), risk)["created_at"]
    assert written["UTC"].endswith("Z") and written["Asia/Tokyo"].endswith("+09:00")


def test_two_serializers_alive_at_once_each_write_what_their_reader_sees(rf, officer, operator):
    """The fields that read the request are the serializer's own: two readers' serializers
    of one class, writing in turn, never show one the other's view."""
    from aims.services.inventory import ai_system_create, ai_system_grant

    granted = ai_system_create(actor=None, name="採用選考AI", purpose="書類選考の補助")
    other_system = ai_system_create(actor=None, name="需要予測AI", purpose="在庫の最適化")
    ai_system_grant(actor=None, system=granted, user=operator)
    risk = RiskFactory(owner=officer)
    risk.ai_systems.set([granted, other_system])
    readers = {}
    for user in (officer, operator):
        request = rf.get("/")
        request.user = user
        readers[user] = RiskSerializer(context={"request": request})
    rows = Risk.objects.all()
    for _ in range(2):
        for user, serializer in readers.items():
            written = serializer.to_representation(rows.get(pk=risk.pk))
            expected = {granted.pk, other_system.pk} if user == officer else {granted.pk}
            assert set(written["ai_systems"]) == expected, user
