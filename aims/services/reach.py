"""Which AI systems a person may name on a record that points at AI systems (a risk, a
control, evidence, a nonconformity): the one rule every service that sets ``ai_systems``
applies."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from aims.models import AISystem
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted_ids
from aims.services.accounts import Actor


def systems_to_link(
    *,
    actor: Actor,
    record: models.Model,
    given: list[AISystem] | None,
    errors: dict[str, list[str]],
    allow_retired: bool = False,
    empty_message: str | None = None,
    field: str = "ai_systems",
) -> list[AISystem] | None:
    """The AI systems ``record`` will point at when ``actor`` asks for ``given`` (None: the
    field is not being changed). Someone who works only on granted systems links only the
    systems they may change, names at least one (records of the organisation as a whole are
    the officer's), and leaves the links to systems they may not change (or not even see) as
    they are, named or not. A retired system is not newly linked unless ``allow_retired``.
    Without an actor (a command or task of the platform) nothing is restricted. A refusal is
    added to ``errors[field]`` and None returned."""
    if given is None:
        return None
    if actor is None:  # a command or task of the platform itself: no user to restrict
        return list(given)
    existing: set[Any] = set()
    if record.pk:  # an unsaved record has no links yet (and may not be asked for them)
        existing = set(getattr(record, field).values_list("pk", flat=True))
    editable = permitted_ids(actor, CHANGE, AISystem, {s.pk for s in given} | existing)
    for system in given:
        if system.pk not in editable and system.pk not in existing:
            # Ids come from the rows the user sees (forms, API fields), so this names no
            # system they may not see.
            errors[field] = [_("You may not link records to AI system %(id)s.") % {"id": system.pk}]
            return None
        if not allow_retired and system.retired_at is not None and system.pk not in existing:
            errors[field] = [_("“%(name)s” is retired.") % {"name": system}]
            return None
    if has_capability(actor, Capability.CHANGE_ALL_RECORDS):
        return list(given)
    if not given:
        errors[field] = [empty_message or _("Name at least one of your AI systems.")]
        return None
    named = {system.pk for system in given}
    kept = AISystem.objects.filter(pk__in=existing - editable - named)
    return list(given) + list(kept)
