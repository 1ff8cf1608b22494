"""Writes of simple governed records (context issues, interested parties, business units…):
create, update and delete, each with its change record."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action
from aims.models import (
    BusinessUnit,
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveResult,
    Organization,
)
from aims.services.accounts import Actor

M = TypeVar("M", bound=models.Model)
EDITABLE: dict[type[models.Model], tuple[str, ...]] = {
    Objective: (
        "title",
        "description",
        "target",
        "measure",
        "plan",
        "due_on",
        "status",
        "owner",
        "ai_systems",
    ),
    BusinessUnit: ("name", "code", "description", "owner"),
    ContextIssue: ("title", "kind", "category", "description", "effect", "owner"),
    InterestedParty: (
        "name",
        "category",
        "description",
        "needs_and_expectations",
        "addressed_by_aims",
        "owner",
    ),
    Organization: (
        "name",
        "name_ja",
        "description",
        "scope_statement",
        "scope_exclusions",
        "owner",
    ),
}


def _set(obj: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    """Set plain fields; return the many-to-many values, set after the row is saved."""
    allowed = EDITABLE[type(obj)]
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    m2m_names = {field.name for field in obj._meta.many_to_many}
    later = {name: value for name, value in data.items() if name in m2m_names}
    for name, value in data.items():
        if name not in m2m_names:
            setattr(obj, name, value)
    obj.full_clean(exclude=list(m2m_names))
    return later


def _set_m2m(obj: models.Model, values: dict[str, Any]) -> None:
    for name, value in values.items():
        getattr(obj, name).set(value)


@transaction.atomic
def record_create(*, actor: Actor, model: type[M], **data: Any) -> M:
    obj = model()
    later = _set(obj, data)
    obj.save()
    _set_m2m(obj, later)
    change_record(actor=actor, action=Action.CREATE, obj=obj)
    return obj


@transaction.atomic
def record_update(*, actor: Actor, obj: M, **data: Any) -> M:
    with logged(obj, actor=actor):
        later = _set(obj, data)
        obj.save()
        _set_m2m(obj, later)
    return obj


@transaction.atomic
def record_delete(*, actor: Actor, obj: models.Model) -> None:
    before = snapshot(obj)
    object_id = obj.pk
    change_record(
        actor=actor, action=Action.DELETE, obj=obj, before=before, after=None, object_id=object_id
    )
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError:
        raise ValidationError(
            _("“%(name)s” is still in use by other records and cannot be deleted.") % {"name": obj}
        ) from None


@transaction.atomic
def objective_result_record(
    *, actor: Actor, objective: Objective, measured_on: Any, value: str, notes: str = ""
) -> ObjectiveResult:
    """Record a measured result (9.1); logged as a change of the objective."""
    recorder = actor if actor is not None and actor.is_authenticated else None
    result = ObjectiveResult(
        objective=objective, measured_on=measured_on, value=value, notes=notes, recorded_by=recorder
    )  # type: ignore[misc]
    result.full_clean()
    result.save()
    change_record(actor=actor, action=Action.CREATE, obj=result)
    return result
