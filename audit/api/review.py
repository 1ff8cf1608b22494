"""``management-reviews/`` (+ ``{id}/submit/``, ``{id}/sign-off/``, ``{id}/return/``,
``{id}/new-version/``, ``{id}/inputs/``) and ``review-actions/``. The officer prepares a review
and records its decisions and actions; top management signs it off, which freezes its inputs.
Every write goes through ``audit.services.review``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.api.approval import ReturnSerializer
from aims.api.base import ModelSerializer, PolicyViewSetMixin
from aims.api.fields import OwnerField, ScopedPrimaryKeyRelatedField
from aims.permissions import Policy
from aims.roles import Capability
from audit.choices import ReviewInput
from audit.models import ManagementReview, ReviewAction
from audit.review_inputs import review_inputs
from audit.selectors import review as selectors
from audit.services import review as services


class ManagementReviewSerializer(ModelSerializer):
    attendees = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Ids of the people who attended; top management must be among them.",
    )
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Notes of the review on its inputs: input code ("
        + ", ".join(ReviewInput.values)
        + ") → text.",
    )

    class Meta:
        model = ManagementReview
        fields = [
            "id",
            "code",
            "title",
            "number",
            "status",
            "held_on",
            "period_start",
            "attendees",
            "other_attendees",
            "minutes",
            "conclusions",
            "annotations",
            "author",
            "owner",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "author",
            "owner",
            "submitted_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]


class ReviewActionSerializer(ModelSerializer):
    review = ScopedPrimaryKeyRelatedField(
        queryset=ManagementReview.objects.all(), help_text="Id of the management review (a draft)."
    )
    owner = OwnerField(required=False, allow_null=True)

    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "review",
            "decision",
            "title",
            "owner",
            "due_on",
            "status",
            "completed_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "review" in attrs:
            if attrs["review"].pk != self.instance.review_id:
                raise serializers.ValidationError(
                    {"review": ["An action stays with its management review."]}
                )
            attrs.pop("review")
        return attrs


INPUTS = inline_serializer(
    "ManagementReviewInputs",
    {
        "held_on": serializers.DateField(),
        "period_start": serializers.DateField(),
        "frozen": serializers.BooleanField(help_text="True once signed off: stored, not re-read."),
        "sections": serializers.ListField(child=serializers.DictField()),
    },
)
REVIEW_FIELDS = (
    "code",
    "title",
    "held_on",
    "period_start",
    "attendees",
    "other_attendees",
    "minutes",
    "conclusions",
)


class ManagementReviewViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Management reviews (every version). The officer prepares a draft (PATCH, with
    ``annotations`` on its inputs) and submits it; top management, not its author nor anyone
    who changed it and among its attendees, signs it off (``sign-off/``), which freezes it
    with its inputs; ``new-version/`` starts a correction."""

    policy = Policy(
        read=Capability.SEE_RECORDS,
        write=Capability.CHANGE_ALL_RECORDS,
        actions={
            "sign_off": Capability.SIGN_OFF_MANAGEMENT_REVIEWS,
            "return_": Capability.SIGN_OFF_MANAGEMENT_REVIEWS,
            "inputs": Capability.SEE_RECORDS,
        },
    )
    model = ManagementReview
    serializer_class = ManagementReviewSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["code", "status"]
    ordering = ["-held_on", "code", "-number"]

    def base_queryset(self) -> Any:
        return selectors.management_review_details().prefetch_related("attendees")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        notes = data.pop("annotations", None) or {}
        review = services.management_review_create(actor=self.request.user, **data)
        for section, text in notes.items():
            review = services.management_review_annotate(
                actor=self.request.user, review=review, section=section, text=text
            )
        serializer.instance = self.base_queryset().get(pk=review.pk)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        notes = data.pop("annotations", None)
        review = serializer.instance
        fields = {k: v for k, v in data.items() if k in REVIEW_FIELDS}
        if fields or notes is None:
            review = services.management_review_update(
                actor=self.request.user, review=review, **fields
            )
        for section, text in (notes or {}).items():
            review = services.management_review_annotate(
                actor=self.request.user, review=review, section=section, text=text
            )
        serializer.instance = self.base_queryset().get(pk=review.pk)

    def _step(self, step: Any, code: int = 200, **kwargs: Any) -> Response:
        review = self.get_object()
        result = step(actor=self.request.user, review=review, **kwargs)
        fresh = self.base_queryset().get(pk=result.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=None, responses={200: ManagementReviewSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send the draft to top management for sign-off (top management among the
        attendees); it is locked until signed off or returned."""
        return self._step(services.management_review_submit)

    @extend_schema(request=None, responses={200: ManagementReviewSerializer})
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request: Request, pk: str | None = None) -> Response:
        """Top management signs the review off (not its author, nor anyone who changed it):
        it is frozen, its inputs stored as of the review date."""
        return self._step(services.management_review_sign_off)

    @extend_schema(request=ReturnSerializer, responses={200: ManagementReviewSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """Send the review back to its author, saying what needs to change."""
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(services.management_review_return, **data.validated_data)

    @extend_schema(request=None, responses={201: ManagementReviewSerializer})
    @action(detail=True, methods=["post"], url_path="new-version", url_name="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        """Start a correction of the signed review: a draft carrying its content forward."""
        return self._step(services.management_review_new_version, code=status.HTTP_201_CREATED)

    @extend_schema(responses={200: INPUTS})
    @action(detail=True, methods=["get"], pagination_class=None)
    def inputs(self, request: Request, pk: str | None = None) -> Response:
        """The 9.3.2 inputs: as frozen at sign-off, else assembled now as of the review date."""
        review = self.get_object()
        found = review_inputs(review)
        return Response(
            {
                "held_on": found["held_on"],
                "period_start": found["period_start"],
                "frozen": review.is_frozen,
                "sections": found["sections"],
            }
        )


class ReviewActionViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Decisions of management reviews and their actions (filter ``review``, ``owner``,
    ``status``). POST and DELETE on a draft review; PATCH of a signed review's action changes
    its tracking only (owner, due date, status, completion)."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = ReviewAction
    selector = staticmethod(selectors.review_actions)
    serializer_class = ReviewActionSerializer
    filterset_fields = ["review", "owner", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["due_on", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.review_action_create(
            actor=self.request.user, review=data.pop("review"), **data
        )

    def perform_update(self, serializer: Any) -> None:
        action = services.review_action_update(
            actor=self.request.user, action=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.base_queryset().get(pk=action.pk)

    def perform_destroy(self, instance: ReviewAction) -> None:
        services.review_action_delete(actor=self.request.user, action=instance)


ROUTES: list[tuple[str, Any, str]] = [
    ("management-reviews", ManagementReviewViewSet, "management-review"),
    ("review-actions", ReviewActionViewSet, "review-action"),
]
