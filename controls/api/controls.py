"""API of the organisation's controls: ``controls/`` (+ ``{id}/tests/``) and
``control-tests/``. Controls are retired, never deleted; tests are recorded, never changed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.base import ListCreateUpdateViewSet, ModelSerializer, PolicyViewSetMixin
from aims.api.fields import (
    AISystemsField,
    OtherAISystemsField,
    OwnerField,
    ScopedPrimaryKeyRelatedField,
)
from aims.models import AISystem, Requirement
from aims.permissions import Policy
from aims.roles import Capability
from aims.scope import CHANGE, permitted
from controls.filters.controls import ControlFilter
from controls.models import Control, ControlRequirement, ControlTest
from controls.selectors import controls as selectors
from controls.services.controls import control_create, control_test_create, control_update


class ControlRequirementSerializer(ModelSerializer):
    """A library requirement the control satisfies, with a note on how."""

    requirement = ScopedPrimaryKeyRelatedField(
        queryset=Requirement.objects.all(),
        help_text="Id of a library requirement (any framework: Annex A, AI Guidelines, NIST).",
    )
    ref_id = serializers.CharField(source="requirement.ref_id", read_only=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    class Meta:
        model = ControlRequirement
        fields = ["requirement", "ref_id", "note"]


class ControlSerializer(ModelSerializer):
    ai_systems = AISystemsField(
        many=True,
        required=False,
        queryset=AISystem.objects.all(),
        help_text="Ids of the AI systems the control covers that you may see; none: the whole "
        "organisation (the governance officer's). Writing them leaves the control's links to "
        "systems you may not change as they are.",
    )
    other_ai_systems = OtherAISystemsField(source="ai_systems")
    owner = OwnerField()
    requirements = ControlRequirementSerializer(
        many=True,
        required=False,
        source="requirement_links",
        help_text="The requirements the control satisfies; writing the list replaces it.",
    )
    test_due_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The last test plus the test interval."
    )
    test_overdue = serializers.BooleanField(
        read_only=True,
        help_text="An interval is set and the control was never tested, or its last test is "
        "older than the interval.",
    )
    # Declared: DRF drops ``allow_blank`` from a read-only model field.
    last_test_result = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = Control
        fields = [
            "id",
            "code",
            "name",
            "description",
            "control_type",
            "status",
            "ai_systems",
            "other_ai_systems",
            "owner",
            "requirements",
            "test_interval_days",
            "last_tested_on",
            "last_test_result",
            "test_due_on",
            "test_overdue",
            "review_interval_days",
            "next_review_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_tested_on", "created_at", "updated_at"]
        # The code's uniqueness is the service's check, with its message.
        extra_kwargs = {"code": {"validators": []}}


class ControlTestInputSerializer(ModelSerializer):
    tester = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Id of the user who tested; the caller when omitted.",
    )

    class Meta:
        model = ControlTest
        fields = ["id", "tested_on", "tester", "method", "result", "findings", "created_at"]
        read_only_fields = ["created_at"]


class ControlTestSerializer(ControlTestInputSerializer):
    control = ScopedPrimaryKeyRelatedField(queryset=Control.objects.all())

    class Meta(ControlTestInputSerializer.Meta):
        fields = ["id", "control", *ControlTestInputSerializer.Meta.fields[1:]]


def _links(data: dict[str, Any]) -> list[tuple[Requirement, str]] | None:
    links = data.pop("requirement_links", None)
    if links is None:
        return None
    return [(item["requirement"], item.get("note", "")) for item in links]


class ControlViewSet(ListCreateUpdateViewSet):
    """The organisation's controls. Operational members see the controls of the AI systems
    granted to them and the organisation-wide ones, and change those of their systems;
    organisation-wide controls are the governance officer's. Status moves planned →
    implementing → operating → retired; a retired control changes no more."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)
    selector = staticmethod(selectors.controls_for_api)
    model = Control
    serializer_class = ControlSerializer
    filterset_class = ControlFilter
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name", "updated_at", "last_tested_on", "next_review_on"]
    ordering = ["code"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        links = _links(data)
        control = control_create(actor=self.request.user, requirement_links=links, **data)
        serializer.instance = self.base_queryset().get(pk=control.pk)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        links = _links(data)
        control = control_update(
            actor=self.request.user, control=serializer.instance, requirement_links=links, **data
        )
        serializer.instance = self.base_queryset().get(pk=control.pk)

    @extend_schema(
        methods=["GET"], request=None, responses={200: ControlTestInputSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=ControlTestInputSerializer,
        responses={201: ControlTestInputSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def tests(self, request: Request, pk: str | None = None) -> Response:
        """The tests of the control's effectiveness, newest first (GET); record one (POST:
        not dated in the future, not on a retired control)."""
        control = self.get_object()
        if request.method == "GET":
            rows = selectors.control_tests().filter(control=control)
            page = self.paginate_queryset(rows)
            data = ControlTestInputSerializer(page, many=True).data
            return self.get_paginated_response(data)
        data = ControlTestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test = control_test_create(actor=request.user, control=control, **data.validated_data)
        return Response(ControlTestInputSerializer(test).data, status=201)


class ControlTestViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Tests of the effectiveness of controls (filter ``control``). A test is a record of
    what was found: recorded, never changed or deleted."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_RECORDS)
    selector = staticmethod(selectors.control_tests)
    model = ControlTest
    serializer_class = ControlTestSerializer
    filterset_fields = ["control", "result", "method"]
    ordering_fields = ["tested_on", "created_at"]
    ordering = ["-tested_on", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        control = data.pop("control")
        if not permitted(self.request.user, CHANGE, control):  # seen (the field), not changed
            raise serializers.ValidationError({"control": [_("You may not change this control.")]})
        serializer.instance = control_test_create(actor=self.request.user, control=control, **data)


ROUTES: list[tuple[str, Any, str]] = [
    ("controls", ControlViewSet, "control"),
    ("control-tests", ControlTestViewSet, "control-test"),
]
