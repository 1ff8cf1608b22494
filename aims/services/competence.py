"""Writes of the competence register (7.2): roles with their required competence, and the
competence records of the people in them. Every write is checked before anything changes and
leaves a change record in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action
from aims.models import CompetenceRecord, CompetenceRole
from aims.scope import CHANGE, restrict
from aims.services.accounts import Actor
from aims.services.reach import systems_to_link

ROLE_FIELDS = (
    "name",
    "description",
    "required_competence",
    "ai_systems",
    "owner",
    "review_interval_days",
    "next_review_on",
)
RECORD_FIELDS = (
    "person",
    "role",
    "state",
    "assessed_on",
    "assessed_by",
    "notes",
    "owner",
    "review_interval_days",
    "next_review_on",
)


def _unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _check_interval(errors: dict[str, list[str]], value: Any) -> None:
    if value is not None and value < 1:
        errors["review_interval_days"] = [_("Give the review interval in days (1 or more).")]


# --- Roles -------------------------------------------------------------------------------------
def _apply_role(actor: Actor, role: CompetenceRole, data: dict[str, Any]) -> list[Any] | None:
    _unknown(data, ROLE_FIELDS)
    errors: dict[str, list[str]] = {}
    if "name" in data:
        data["name"] = str(data["name"] or "").strip()
    name = data.get("name", role.name)
    if name:
        taken = CompetenceRole.objects.filter(name__iexact=name).exclude(pk=role.pk).first()
        if taken is not None:
            errors["name"] = [_("Another role is called “%(name)s”.") % {"name": taken.name}]
    if "required_competence" in data:
        data["required_competence"] = str(data["required_competence"] or "").strip()
    _check_interval(errors, data.get("review_interval_days", role.review_interval_days))
    systems = systems_to_link(
        actor=actor,
        record=role,
        given=data.get("ai_systems"),
        errors=errors,
        empty_message=_(
            "Name at least one of your AI systems: organisation-wide roles are kept by the "
            "governance officer."
        ),
    )
    if errors:
        raise ValidationError(errors)
    for name_, value in data.items():
        if name_ != "ai_systems":
            setattr(role, name_, value)
    role.full_clean(exclude=["ai_systems"], validate_constraints=False)
    return systems


@transaction.atomic
def competence_role_create(*, actor: Actor, **data: Any) -> CompetenceRole:
    """Add a role and the competence it requires. Without ``owner`` the actor owns it;
    without ``ai_systems`` it is the organisation's (only for who changes every record)."""
    data.setdefault("owner", actor if actor is not None and actor.is_authenticated else None)
    data.setdefault("ai_systems", [])
    role = CompetenceRole()
    systems = _apply_role(actor, role, data)
    role.save()
    if systems is not None:
        role.ai_systems.set(systems)
    change_record(actor=actor, action=Action.CREATE, obj=role)
    return role


@transaction.atomic
def competence_role_update(*, actor: Actor, role: CompetenceRole, **data: Any) -> CompetenceRole:
    with logged(role, actor=actor):
        systems = _apply_role(actor, role, data)
        role.save()
        if systems is not None:
            role.ai_systems.set(systems)
    return role


@transaction.atomic
def competence_role_delete(*, actor: Actor, role: CompetenceRole) -> None:
    """Delete a role nobody holds a record for (the records are the history of who was
    competent: remove them first, deliberately)."""
    if role.records.exists():
        raise ValidationError(
            _("“%(name)s” still has competence records: delete them first.") % {"name": role.name}
        )
    before, pk = snapshot(role), role.pk
    role.delete()
    change_record(
        actor=actor, action=Action.DELETE, obj=role, before=before, after=None, object_id=pk
    )


# --- Records -----------------------------------------------------------------------------------
def _apply_record(actor: Actor, record: CompetenceRecord, data: dict[str, Any]) -> None:
    _unknown(data, RECORD_FIELDS)
    errors: dict[str, list[str]] = {}
    role = data.get("role", record.role if record.role_id else None)
    # A record is kept by whoever may change its role.
    if (
        "role" in data
        and role is not None
        and actor is not None
        and not restrict(CompetenceRole.objects.filter(pk=role.pk), actor, CHANGE).exists()
    ):
        errors["role"] = [_("You may not keep competence records of this role.")]
    person = data.get("person", record.person if record.person_id else None)
    if person is not None and not person.is_active and "person" in data:
        errors["person"] = [_("Choose an active user.")]
    if person is not None and role is not None:
        taken = (
            CompetenceRecord.objects.filter(person=person, role=role).exclude(pk=record.pk).exists()
        )
        if taken:
            errors["person"] = [_("This person already has a record for this role.")]
    assessed_on = data.get("assessed_on", record.assessed_on)
    if assessed_on is not None and assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("The assessment cannot be dated in the future.")]
    next_review = data.get("next_review_on", record.next_review_on)
    if next_review is not None and assessed_on is not None and next_review < assessed_on:
        errors["next_review_on"] = [_("The next review comes after the assessment.")]
    _check_interval(errors, data.get("review_interval_days", record.review_interval_days))
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        setattr(record, name, value)
    record.full_clean(validate_constraints=False)


@transaction.atomic
def competence_record_create(*, actor: Actor, **data: Any) -> CompetenceRecord:
    """Record a person's competence for a role. Without ``owner`` the role's owner keeps it
    (reviews fall due to them), else the actor; without ``assessed_by`` the actor assessed."""
    authenticated = actor if actor is not None and actor.is_authenticated else None
    role = data.get("role")
    data.setdefault("owner", (role.owner if role is not None else None) or authenticated)
    data.setdefault("assessed_by", authenticated)
    data.setdefault("assessed_on", timezone.localdate())
    record = CompetenceRecord()
    _apply_record(actor, record, data)
    record.save()
    change_record(actor=actor, action=Action.CREATE, obj=record)
    return record


@transaction.atomic
def competence_record_update(
    *, actor: Actor, record: CompetenceRecord, **data: Any
) -> CompetenceRecord:
    with logged(record, actor=actor):
        _apply_record(actor, record, data)
        record.save()
    return record


@transaction.atomic
def competence_record_delete(*, actor: Actor, record: CompetenceRecord) -> None:
    before, pk = snapshot(record), record.pk
    record.delete()
    change_record(
        actor=actor, action=Action.DELETE, obj=record, before=before, after=None, object_id=pk
    )
