"""Writes of the AI system inventory and business units."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from aims.changelog import change_record, snapshot
from aims.choices import Action, LifecycleStage
from aims.models import AISystem, Requirement
from aims.roles import Capability, has_capability
from aims.services.accounts import Actor

AI_SYSTEM_FIELDS = (
    "name", "version", "purpose", "description", "business_unit", "lifecycle_stage",
    "organization_roles", "ai_type", "is_generative", "is_advanced", "eu_ai_act_tier",
    "affected_parties_notes", "data_sources", "third_parties", "owner",
    "review_interval_days", "next_review_on",
)  # fmt: skip
GRANT_PERMISSIONS = ("aims.view_aisystem", "aims.change_aisystem")
AFFECTED_PARTIES_URN = "urn:aims:framework:taxonomy-affected-parties"


def _apply(system: AISystem, data: dict[str, Any]) -> list[Requirement] | None:
    unknown = set(data) - set(AI_SYSTEM_FIELDS) - {"affected_parties"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    if data.get("lifecycle_stage") == LifecycleStage.RETIRED and system.retired_at is None:
        raise ValidationError({"lifecycle_stage": [_("Retire the system with the retire step.")]})
    for name, value in data.items():
        if name != "affected_parties":
            setattr(system, name, value)
    system.organization_roles = sorted(set(system.organization_roles or []))
    system.full_clean()
    parties = data.get("affected_parties")
    if parties is None:
        return None
    parties = list(parties)
    wrong = [p for p in parties if p.framework.urn != AFFECTED_PARTIES_URN]
    if wrong:
        raise ValidationError({"affected_parties": [_("Choose affected-party types.")]})
    return parties


@transaction.atomic
def ai_system_create(*, actor: Actor, **data: Any) -> AISystem:
    """Register an AI system. Someone who sees only granted systems (an operational member)
    is granted the new system, so they can keep working on what they registered."""
    system = AISystem(owner=data.pop("owner", None) or actor)  # type: ignore[misc]
    parties = _apply(system, data)
    system.save()
    if parties is not None:
        system.affected_parties.set(parties)
    if actor is not None and not has_capability(actor, Capability.SEE_ALL_RECORDS):
        for permission in GRANT_PERMISSIONS:
            assign_perm(permission, actor, system)
    change_record(actor=actor, action=Action.CREATE, obj=system)
    return system


@transaction.atomic
def ai_system_update(*, actor: Actor, system: AISystem, **data: Any) -> AISystem:
    if system.retired_at is not None:
        raise ValidationError(_("A retired AI system cannot be changed."))
    before = snapshot(system)
    parties = _apply(system, data)
    system.save()
    if parties is not None:
        system.affected_parties.set(parties)
    after = snapshot(system)
    if after != before:
        change_record(actor=actor, action=Action.UPDATE, obj=system, before=before, after=after)
    return system


@transaction.atomic
def ai_system_retire(*, actor: Actor, system: AISystem) -> AISystem:
    """Retire a system: it stays in the inventory with its records, read-only."""
    if system.retired_at is not None:
        raise ValidationError(_("The AI system is retired already."))
    before = snapshot(system)
    system.lifecycle_stage = LifecycleStage.RETIRED
    system.retired_at = timezone.now()
    system.save(update_fields=["lifecycle_stage", "retired_at", "updated_at"])
    change_record(actor=actor, action=Action.RETIRE, obj=system, before=before)
    return system


def _grantee(user: Any, group: Group | None) -> tuple[Any, dict[str, str]]:
    if (user is None) == (group is None):
        raise ValidationError(_("Grant to one user or one group."))
    if user is not None:
        if not user.is_active:
            raise ValidationError({"user": [_("This user is inactive.")]})
        return user, {"user": user.get_username()}
    return group, {"group": group.name}  # type: ignore[union-attr]


@transaction.atomic
def ai_system_grant(
    *, actor: Actor, system: AISystem, user: Any = None, group: Group | None = None
) -> AISystem:
    """Let a user or group see and change ``system`` and its records."""
    grantee, label = _grantee(user, group)
    for permission in GRANT_PERMISSIONS:
        assign_perm(permission, grantee, system)
    change_record(actor=actor, action=Action.GRANT, obj=system, before=None, after=label)
    return system


@transaction.atomic
def ai_system_revoke(
    *, actor: Actor, system: AISystem, user: Any = None, group: Group | None = None
) -> AISystem:
    grantee, label = _grantee(user, group)
    for permission in GRANT_PERMISSIONS:
        remove_perm(permission, grantee, system)
    change_record(actor=actor, action=Action.REVOKE, obj=system, before=label, after=None)
    return system


def affected_party_choices() -> Iterable[Requirement]:
    """The affected-party types (the taxonomy's items, not its three headings)."""
    return Requirement.objects.filter(
        framework__urn=AFFECTED_PARTIES_URN, withdrawn=False, parent__isnull=False
    ).order_by("order")
