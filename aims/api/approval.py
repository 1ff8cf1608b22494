"""The approval workflow's API steps, the same on every approvable resource:
``{id}/submit/``, ``{id}/approve/``, ``{id}/return/`` and (where a new version is started
explicitly) ``{id}/new-version/``. They call the core's workflow services
(``aims.services.approval``) and answer with the resource as it is after the step."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aims.models.approval import Approvable
from aims.permissions import Policy
from aims.roles import Capability
from aims.services.approval import (
    approval_approve,
    approval_new_version,
    approval_return,
    approval_submit,
)


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="What needs to change.")


def approval_policy(*, read: str, write: str, **actions: str) -> Policy:
    """A policy for an approvable resource: approving and returning need the approval right;
    submitting and starting a version are writes."""
    return Policy(
        read=read,
        write=write,
        actions={"approve": Capability.APPROVE, "return_": Capability.APPROVE, **actions},
    )


def approval_actions(response: type[serializers.Serializer], *, new_version: bool = False) -> type:
    """A viewset mixin with the workflow steps, documented as answering ``response``.

    The viewset may override ``approval_target(obj)`` (the version a step acts on: the object
    itself, or a document's latest version)."""

    class ApprovalActions:
        def approval_target(self, obj: Any) -> Approvable:
            return obj

        def approval_step(self, step: Any, code: int = 200, **kwargs: Any) -> Response:
            obj = self.get_object()  # type: ignore[attr-defined]
            result = step(actor=self.request.user, version=self.approval_target(obj), **kwargs)  # type: ignore[attr-defined]
            shown = obj if not isinstance(result, type(obj)) else result
            fresh = self.base_queryset().get(pk=shown.pk)  # type: ignore[attr-defined]
            return Response(self.get_serializer(fresh).data, status=code)  # type: ignore[attr-defined]

        @extend_schema(request=None, responses={200: response})
        @action(detail=True, methods=["post"])
        def submit(self, request: Request, pk: str | None = None) -> Response:
            """Send the draft for review; it is locked until approved or returned."""
            return self.approval_step(approval_submit)

        @extend_schema(request=None, responses={200: response})
        @action(detail=True, methods=["post"])
        def approve(self, request: Request, pk: str | None = None) -> Response:
            """Approve the version in review (not by its author); the version in force
            before it is superseded."""
            return self.approval_step(approval_approve)

        @extend_schema(request=ReturnSerializer, responses={200: response})
        @action(detail=True, methods=["post"], url_path="return", url_name="return")
        def return_(self, request: Request, pk: str | None = None) -> Response:
            """Send the version in review back to its author, saying what needs to change."""
            data = ReturnSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            return self.approval_step(approval_return, **data.validated_data)

    if not new_version:
        return ApprovalActions

    class ApprovalActionsWithNewVersion(ApprovalActions):
        @extend_schema(request=None, responses={201: response})
        @action(detail=True, methods=["post"], url_path="new-version", url_name="new-version")
        def new_version(self, request: Request, pk: str | None = None) -> Response:
            """Start the next version: a draft carrying the approved content forward."""
            return self.approval_step(approval_new_version, code=status.HTTP_201_CREATED)

    return ApprovalActionsWithNewVersion
