"""Base classes every viewset of every app builds on.

The policy is enforced by ``PolicyPermission`` (the default permission class); the queryset
comes from a selector, so an object the user may not see is simply not found (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import mixins, viewsets

from aims.permissions import Policy


class PolicyViewSetMixin:
    policy: Policy
    #: ``selector(user=...)`` returning the rows the user may see; wrap in ``staticmethod``.
    selector: Callable[..., QuerySet[Any]]
    model: type[Model]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation, no real user
            return self.model._default_manager.none()
        return type(self).selector(user=self.request.user)  # type: ignore[attr-defined]


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
