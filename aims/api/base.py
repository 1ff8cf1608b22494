"""Base classes every viewset of every app builds on.

The policy is enforced by ``PolicyPermission`` (the default permission class). The rows come
from the viewset's ``selector`` (a read with its joins and prefetches) and are restricted here,
once, by ``aims.scope.restrict`` with the action the policy implies for the request (change
for a write under a right to change records, view otherwise), so an object the user may not
see or change is simply not found (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import mixins, viewsets

from aims.permissions import Policy
from aims.scope import restrict


class PolicyViewSetMixin:
    policy: Policy
    #: ``selector()`` returning the model's rows with what the responses read; wrap it in
    #: ``staticmethod``. Without one, every row of ``model``.
    selector: Callable[[], QuerySet[Any]] | None = None
    model: type[Model]

    def base_queryset(self) -> QuerySet[Any]:
        selector = type(self).selector
        if selector is not None:
            return selector()
        return self.model._default_manager.all()

    def row_action(self) -> str:
        request = self.request  # type: ignore[attr-defined]
        return self.policy.row_action(
            method=request.method or "GET", action=getattr(self, "action", None)
        )

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation, no real user
            return self.model._default_manager.none()
        return restrict(self.base_queryset(), self.request.user, self.row_action())  # type: ignore[attr-defined]


class ReadOnlyViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ModelViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """CRUD through services: subclasses implement ``perform_create`` / ``perform_update`` /
    ``perform_destroy`` by calling the app's services with ``actor=request.user``."""


class ListCreateRetrieveViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    pass


class ListCreateUpdateViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Records that are created and changed but never deleted (retired, superseded instead)."""
