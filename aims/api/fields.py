"""Fields that take ids of governed rows: one rule for every id a client sends.

An id is looked up among the rows the requesting user may see (``aims.scope.restrict``), so
the id of a row hidden from them gets the very answer of an id that does not exist: no
message tells them that a record they may not see is there. What the id then may be used
for (linking a system the user may only read, say) is the service's decision, with its own
message, given only about rows the user sees.

Lists of AI systems are also *read* through their reader's eyes (``AISystemsField``): a risk
linked to several systems names only those the reader sees, and ``OtherAISystemsField``
counts the others.

A list field reads ``prefetched`` (an attribute the selector filled with
``Prefetch(..., to_attr=...)``) when the row has it, else the relation itself: a page of rows
then costs no manager or queryset per row and relation, which Django's own prefetch cache
builds (most of the Python time of a page of 50).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from aims.people import owner_candidates
from aims.scope import VIEW, request_sight, restrict


def _request(field: serializers.Field) -> Any:
    return field.context.get("request")


def _listed(instance: Any, prefetched: str | None) -> list[Any] | None:
    """The rows ``Prefetch(..., to_attr=prefetched)`` put on ``instance``, if it did."""
    if prefetched is None:
        return None
    return getattr(instance, prefetched, None)


class _Prefetched(serializers.ManyRelatedField):
    """A list of related rows, read from the selector's ``prefetched`` list when present."""

    def __init__(self, *, prefetched: str | None = None, **kwargs: Any) -> None:
        self.prefetched = prefetched
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        listed = _listed(instance, self.prefetched)
        return listed if listed is not None else super().get_attribute(instance)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a row of a model that declares a ``SCOPE``, among those the requesting user
    may see (none without a request: fail closed). A list of them (``many=True``) is also
    read through the reader's eyes: it names only the rows they may see."""

    def get_queryset(self) -> QuerySet[Any] | None:
        queryset = super().get_queryset()
        if queryset is None:  # a read-only field looks nothing up
            return None
        request = _request(self)
        return restrict(queryset, getattr(request, "user", None), VIEW)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ManyRelatedField:
        prefetched = kwargs.pop("prefetched", None)
        many = {k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS}
        return _RowsInSight(child_relation=cls(*args, **kwargs), prefetched=prefetched, **many)


_SEEN = "_aims_seen_ids"


class _RowsInSight(_Prefetched):
    """Lists only the linked rows the reader may see: which rows of the model they see is
    read once per response (none for a reader who sees every row of an organisation-wide or
    AI-system scope), so a list costs no query per row."""

    def to_representation(self, iterable: Any) -> list[Any]:
        items = list(iterable)
        if not items:
            return []
        # The field's model rather than the items': a selector may list linked rows as ids.
        queryset = self.child_relation.queryset
        seen = self._seen(type(items[0]) if queryset is None else queryset.model)
        shown = items if seen is None else [item for item in items if item.pk in seen]
        return [self.child_relation.to_representation(item) for item in shown]

    def _seen(self, model: type[models.Model]) -> set[Any] | None:
        from aims.roles import Capability, has_capability
        from aims.scope import OrganisationWide, SystemsOrOrganisation, ThroughSystems

        request = _request(self)
        user = getattr(request, "user", None)
        wide = (OrganisationWide, SystemsOrOrganisation, ThroughSystems)
        if isinstance(getattr(model, "SCOPE", None), wide) and has_capability(
            user, Capability.SEE_ALL_RECORDS
        ):
            return None
        cache = getattr(request, _SEEN, None)
        if cache is None:
            cache = {}
            if request is not None:
                setattr(request, _SEEN, cache)
        if model not in cache:
            rows = restrict(model._default_manager.all(), user, VIEW)
            # Unfiltered (reference data the reader may read): every row is seen, and reading
            # all their ids would cost a query and a set of the whole table.
            unfiltered = not rows.query.where and not rows.query.is_sliced
            cache[model] = None if unfiltered else set(rows.values_list("pk", flat=True))
        return cache[model]


class _SystemsInSight(_Prefetched):
    """Lists only the AI systems the reader sees (one query a response, not a row)."""

    def to_representation(self, iterable: Any) -> list[Any]:
        shown, _hidden = request_sight(_request(self)).split(iterable)
        return [self.child_relation.to_representation(system) for system in shown]


class AISystemsField(ScopedPrimaryKeyRelatedField):
    """Ids of AI systems (``many=True``): written as any scoped ids, read as those the
    reader sees."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ManyRelatedField:
        prefetched = kwargs.pop("prefetched", None)
        many = {k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS}
        return _SystemsInSight(child_relation=cls(*args, **kwargs), prefetched=prefetched, **many)


class OtherAISystemsField(serializers.IntegerField):
    """How many of a record's AI systems (``source``, or the ``prefetched`` list) the reader
    may not see."""

    def __init__(self, *, prefetched: str | None = None, **kwargs: Any) -> None:
        self.prefetched = prefetched
        kwargs.setdefault(
            "help_text", "How many more AI systems the record concerns that you may not see."
        )
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        listed = _listed(instance, self.prefetched)
        return listed if listed is not None else super().get_attribute(instance)

    def to_representation(self, systems: Any) -> int:
        rows = systems if isinstance(systems, list) else systems.all()
        _shown, hidden = request_sight(_request(self)).split(rows)
        return hidden


class OwnerField(serializers.PrimaryKeyRelatedField):
    """The id of the user who owns (or is responsible for) a record: one of those whose role
    may own records (``aims.people.owner_candidates``); the record's current one stays valid.
    Optional and nullable unless told otherwise."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault(
            "help_text", "Id of a user whose role may own records (an officer or a member)."
        )
        super().__init__(queryset=get_user_model().objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        instance = getattr(self.parent, "instance", None)
        keep = None
        if isinstance(instance, models.Model):
            keep = getattr(instance, f"{self.source}_id", None)
        return owner_candidates(keep=keep)
