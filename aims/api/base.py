"""Base classes every viewset of every app builds on.

The policy is enforced by ``PolicyPermission`` (the default permission class). The rows come
from the viewset's ``selector`` (a read with its joins and prefetches) and are restricted here,
once, by ``aims.scope.restrict`` with the action the policy implies for the request (change
for a write under a right to change records, view otherwise), so an object the user may not
see or change is simply not found (404).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, RelatedField

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


class ModelSerializer(serializers.ModelSerializer):
    """Every model serializer of the API. DRF builds a serializer's fields from the model on
    every request and writes each row through a generic loop (the field's ``get_attribute``
    walking its source, a check for callables, for ``PKOnlyObject``); a page of 50 rows spent
    most of its Python time there. Here:

    * the fields are built from the model once per class and copied for each serializer, as
      DRF copies the declared ones (``get_fields`` depends on the class alone);
    * each row is written by a plan made once per serializer: a field that reads a column of
      the row (a plain model field, or the id of a foreign key) reads it directly, and hands
      it to the field's own ``to_representation``; every other field goes through DRF's
      steps. The output is DRF's, key for key (a test compares both for every endpoint).
    """

    #: Off: every row is written by DRF's own loop (what the comparing test sets).
    read_plan: bool = True

    def get_fields(self) -> dict[str, serializers.Field]:
        made = type(self).__dict__.get("_made_fields")
        if made is None:
            made = super().get_fields()
            type(self)._made_fields = made
        return copy.deepcopy(made)

    def to_representation(self, instance: Any) -> Any:
        model = self.Meta.model
        if not self.read_plan or not isinstance(instance, model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = _row_plan(model, self._readable_fields)
        row: dict[str, Any] = {}
        for name, column, pk_only, field in plan:
            if column is not None:
                value = getattr(instance, column)
                if value is None:
                    row[name] = None
                else:
                    row[name] = field.to_representation(PKOnlyObject(value) if pk_only else value)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            empty = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[name] = None if empty is None else field.to_representation(attribute)
        return row


def _row_plan(
    model: type[Model], fields: Any
) -> list[tuple[str, str | None, bool, serializers.Field]]:
    """For each readable field: its name, the column it reads directly (or None: DRF's steps)
    and whether that column is a foreign key's id (handed over as a ``PKOnlyObject``, as DRF
    does for a related field that needs only the id)."""
    plan = []
    for field in fields:
        if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
            # The time zone each value is written in, read once (DRF reads the request's
            # current one for every value: a context-local lookup each time).
            field.timezone = field.default_timezone()
        column, pk_only = _column_read(model, field)
        plan.append((field.field_name, column, pk_only, field))
    return plan


def _column_read(model: type[Model], field: serializers.Field) -> tuple[str | None, bool]:
    if len(field.source_attrs) != 1:
        return None, False
    try:
        model_field: Any = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None, False
    if not model_field.concrete:
        return None, False
    kind = type(field)
    if not model_field.is_relation and kind.get_attribute is serializers.Field.get_attribute:
        return model_field.attname, False
    if (
        model_field.many_to_one
        and isinstance(field, RelatedField)
        and kind.get_attribute is RelatedField.get_attribute
        and field.use_pk_only_optimization()
    ):
        return model_field.attname, True
    return None, False
