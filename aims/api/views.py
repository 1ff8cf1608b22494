from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aims import changelog_export, selectors
from aims.api.base import ListCreateRetrieveViewSet, ReadOnlyViewSet
from aims.api.filters import ChangeRecordFilter
from aims.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    ChangeRecordSerializer,
    MeSerializer,
    NotificationSerializer,
)
from aims.models import ApiToken, ChangeRecord, Notification
from aims.permissions import AUTHENTICATED, Policy
from aims.roles import Capability
from aims.services.accounts import notifications_mark_read, token_create, token_revoke


class ChangeRecordViewSet(ReadOnlyViewSet):
    """The change log (append-only; no write endpoints exist)."""

    policy = Policy(read=Capability.SEE_RECORDS, actions={"export": Capability.EXPORT})
    selector = staticmethod(selectors.change_records)
    model = ChangeRecord
    serializer_class = ChangeRecordSerializer
    filterset_class = ChangeRecordFilter
    search_fields = ["object_repr", "actor_username"]
    ordering_fields = ["id", "timestamp"]
    ordering = ["-id"]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "file_format",
                str,
                enum=list(changelog_export.FORMATS),
                description="csv (the default) or jsonl.",
            )
        ],
        responses={
            (200, content_type.split(";")[0]): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description=(
                    "The filtered change records in id order with their hash chain: every "
                    "hashed field, previous_hash, record_hash and record_hmac; first the "
                    "anchor (id and hash of the record before the first one). CSV: a kind "
                    "column (anchor, record); JSON Lines: a first line with the anchor."
                ),
            )
            for content_type in changelog_export.CONTENT_TYPES.values()
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> StreamingHttpResponse:
        """The change records the filters select (a period: ``since``, ``until``), streamed
        as CSV or JSON Lines with the hash chain, for an auditor to verify."""
        fmt = request.query_params.get("file_format", "csv")
        if fmt not in changelog_export.FORMATS:
            raise ValidationError({"file_format": [_("Choose csv or jsonl.")]})
        rows = self.filter_queryset(self.get_queryset())
        header = {
            "export": "aims-change-log",
            "exported_at": timezone.now().isoformat(),
            "filters": {
                key: value for key, value in request.query_params.items() if key != "file_format"
            },
        }
        response = StreamingHttpResponse(
            changelog_export.export_lines(rows, fmt, header=header),
            content_type=changelog_export.CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = f'attachment; filename="change-log.{fmt}"'
        return response


class ApiTokenViewSet(ListCreateRetrieveViewSet):
    """Personal API tokens. The token string is returned once, by the create call.
    ``DELETE`` and ``POST …/revoke/`` both revoke; the row stays for the record."""

    policy = Policy(read=Capability.OWN_API_TOKENS, write=Capability.OWN_API_TOKENS)
    selector = staticmethod(selectors.api_tokens)
    model = ApiToken
    serializer_class = ApiTokenSerializer
    ordering_fields = ["created_at", "expires_at", "name"]
    ordering = ["-created_at"]
    search_fields = ["name", "prefix"]

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = token_create(user=request.user, actor=request.user, **data.validated_data)
        token.token = raw  # type: ignore[attr-defined]
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: OpenApiResponse(description="Revoked")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token_revoke(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = token_revoke(token=self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)


class NotificationViewSet(ReadOnlyViewSet):
    """The signed-in user's notifications, newest first."""

    policy = Policy(read=AUTHENTICATED, write=AUTHENTICATED)
    selector = staticmethod(selectors.notifications)
    model = Notification
    serializer_class = NotificationSerializer
    filterset_fields = {"kind": ["exact"], "read_at": ["isnull"]}
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "NotificationsMarkedRead",
                {
                    "marked_read": serializers.IntegerField(
                        help_text="Number of notifications marked read."
                    )
                },
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked_read": notifications_mark_read(user=request.user)})


class MeView(APIView):
    """Who the caller is: user, roles and the capabilities they give."""

    policy = Policy(read=AUTHENTICATED)

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class SchemaView(SpectacularAPIView):
    policy = Policy(read=AUTHENTICATED)


class DocsView(SpectacularSwaggerSplitView):
    policy = Policy(read=AUTHENTICATED)
    template_name = "aims/api_docs.html"


class ApiRootView(routers.APIRootView):
    policy = Policy(read=AUTHENTICATED)


class Router(routers.DefaultRouter):
    """The API router: our root view, and no ``.json`` suffix routes (the API is JSON only)."""

    APIRootView = ApiRootView
    include_format_suffixes = False
