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
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField, RelatedField

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
    * each row is written by a plan: a field that reads a column of the row (a plain model
      field, or the id of a foreign key) reads it directly, and hands it to the field's own
      ``to_representation``; every other field goes through DRF's steps. The output is
      DRF's, key for key (a test compares both for every endpoint);
    * the plan is made once per class. A column's field whose ``to_representation`` reads
      nothing but the field's own settings (``SHARED_WRITERS``) is one instance for every
      request; the plan's other fields (those that read the request, its user or its time
      zone) are copied and bound to each serializer, as DRF would, and ``fields`` itself is
      not built to write rows.
    """

    #: Off: every row is written by DRF's own loop (what the comparing test sets).
    read_plan: bool = True

    def get_fields(self) -> dict[str, serializers.Field]:
        return copy.deepcopy(self._templates())

    def _templates(self) -> dict[str, serializers.Field]:
        """The class's fields as ``ModelSerializer.get_fields`` builds them, built once."""
        made = type(self).__dict__.get("_made_fields")
        if made is None:
            made = super().get_fields()
            type(self)._made_fields = made
        return made

    def to_representation(self, instance: Any) -> Any:
        model = self.Meta.model
        if not self.read_plan or not isinstance(instance, model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = _serializer_plan(self)
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


#: ``to_representation`` of these reads only the field's own settings: no context, request,
#: user, active time zone or state of its own. A field of one of these classes is shared by
#: every serializer of its class, whatever request or thread writes with it.
SHARED_WRITERS = frozenset(
    {
        serializers.BooleanField.to_representation,
        serializers.CharField.to_representation,
        serializers.ChoiceField.to_representation,
        serializers.DateField.to_representation,
        serializers.DecimalField.to_representation,
        serializers.FloatField.to_representation,
        serializers.IntegerField.to_representation,
        serializers.JSONField.to_representation,
        serializers.UUIDField.to_representation,
        PrimaryKeyRelatedField.to_representation,
    }
)

Plan = list[tuple[str, str | None, bool, serializers.Field]]


def _serializer_plan(serializer: ModelSerializer) -> Plan:
    """The plan ``serializer`` writes its rows by: its class's plan, with the fields that are
    not shared copied from the class's and bound to ``serializer``."""
    kind = type(serializer)
    if "fields" in serializer.__dict__:
        # Its fields are built (it validated input, say), and may have been changed: its own.
        return _bound(_row_plan(kind.Meta.model, serializer._readable_fields))
    shared = kind.__dict__.get("_shared_plan")
    templates = serializer._templates()
    if shared is None:
        probes = []
        for name, template in templates.items():
            if not template.write_only:
                probe = copy.deepcopy(template)
                probe.bind(name, None)  # bound to no serializer: only its source is read
                probes.append(probe)
        shared = [
            (name, column, pk_only, field if _shareable(column, field) else None)
            for name, column, pk_only, field in _row_plan(kind.Meta.model, probes)
        ]
        kind._shared_plan = shared
    plan: Plan = []
    for name, column, pk_only, field in shared:
        if field is None:
            field = copy.deepcopy(templates[name])
            field.bind(name, serializer)
        plan.append((name, column, pk_only, field))
    return _bound(plan)


def _bound(plan: Plan) -> Plan:
    for _name, _column, _pk_only, field in plan:
        if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
            # The zone of this serializer's values, read once (DRF reads the current one for
            # every value: a context-local lookup each time).
            field.timezone = field.default_timezone()
    return plan


def _shareable(column: str | None, field: serializers.Field) -> bool:
    return column is not None and type(field).to_representation in SHARED_WRITERS


def _row_plan(model: type[Model], fields: Any) -> Plan:
    """For each of ``fields`` (bound): its name, the column it reads directly (or None: DRF's
    steps) and whether that column is a foreign key's id (handed over as a ``PKOnlyObject``,
    as DRF does for a related field that needs only the id)."""
    plan: Plan = []
    for field in fields:
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
