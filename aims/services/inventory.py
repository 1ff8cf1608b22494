"""Writes of the AI system inventory and business units."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from aims import urns
from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, AIType, EUAIActTier, LifecycleStage, OrganizationRole
from aims.models import AISystem, Requirement
from aims.registry import ai_system_changed
from aims.roles import Capability, has_capability
from aims.services.accounts import Actor

AI_SYSTEM_FIELDS = (
    "name",
    "version",
    "purpose",
    "description",
    "business_unit",
    "lifecycle_stage",
    "organization_roles",
    "ai_type",
    "is_generative",
    "is_advanced",
    "eu_ai_act_tier",
    "affected_parties_notes",
    "data_sources",
    "third_parties",
    "owner",
    "review_interval_days",
    "next_review_on",
)
GRANT_PERMISSIONS = ("aims.view_aisystem", "aims.change_aisystem")
#: Changes of an AI system that call for its impact assessments to be redone (6.3, A.6.2.6):
#: the registered AI-system change handlers hear of these.
MATERIAL_AI_SYSTEM_FIELDS = ("version", "purpose", "lifecycle_stage")


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
    wrong = [p for p in parties if p.framework.urn != urns.AFFECTED_PARTIES]
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
    material = {
        name: (before.get(name), after.get(name))
        for name in MATERIAL_AI_SYSTEM_FIELDS
        if before.get(name) != after.get(name)
    }
    if material:
        ai_system_changed(system=system, changes=material, actor=actor)
    return system


@transaction.atomic
def ai_system_retire(*, actor: Actor, system: AISystem) -> AISystem:
    """Retire a system: it stays in the inventory with its records, read-only."""
    if system.retired_at is not None:
        raise ValidationError(_("The AI system is retired already."))
    with logged(system, actor=actor, action=Action.RETIRE, always=True):
        system.lifecycle_stage = LifecycleStage.RETIRED
        system.retired_at = timezone.now()
        system.save(update_fields=["lifecycle_stage", "retired_at", "updated_at"])
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
        framework__urn=urns.AFFECTED_PARTIES, withdrawn=False, parent__isnull=False
    ).order_by("order")


# --- Import ---------------------------------------------------------------------------------
IMPORT_COLUMNS = (
    "name",
    "version",
    "purpose",
    "description",
    "business_unit",
    "lifecycle_stage",
    "organization_roles",
    "ai_type",
    "is_generative",
    "is_advanced",
    "eu_ai_act_tier",
    "data_sources",
    "third_parties",
    "owner",
    "review_interval_days",
    "next_review_on",
    "affected_parties",
    "affected_parties_notes",
)
#: Columns an export adds for reference; an import of an exported file ignores them.
EXPORT_ONLY_COLUMNS = ("id", "retired_at", "updated_at")
_TRUE, _FALSE = {"true", "yes", "1", "はい", "y"}, {"false", "no", "0", "いいえ", "n", ""}


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number (the header is row 1)
    column: str
    message: str


class ImportRejected(Exception):
    """The whole file is rejected; ``errors`` names every bad row and column."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


def _choice_lookup(choices: Any) -> dict[str, str]:
    """Codes and labels (English and Japanese) → code."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        lookup[str(code).lower()] = code
        for language in ("en", "ja"):
            with translation.override(language):
                lookup[str(label).strip().lower()] = code
    return lookup


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.replace("、", ",").split(",") if p.strip()]


def _parse_row(
    number: int, row: dict[str, str], lookups: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[RowError]]:
    errors: list[RowError] = []
    data: dict[str, Any] = {}

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    units, users, parties = lookups["units"], lookups["users"], lookups["parties"]
    text_columns = (
        "name",
        "version",
        "purpose",
        "description",
        "data_sources",
        "third_parties",
        "affected_parties_notes",
    )
    for column in text_columns:
        data[column] = row.get(column, "")
    choice_columns = (
        ("lifecycle_stage", LifecycleStage.choices),
        ("ai_type", AIType.choices),
        ("eu_ai_act_tier", EUAIActTier.choices),
    )
    for column, choices in choice_columns:
        value = row.get(column, "")
        if value:
            code = _choice_lookup(choices).get(value.lower())
            if code is None or code == LifecycleStage.RETIRED:
                fail(column, _("Unknown value “%(value)s”.") % {"value": value})
            else:
                data[column] = code
    roles = []
    lookup = _choice_lookup(OrganizationRole.choices)
    for part in _split(row.get("organization_roles", "")):
        code = lookup.get(part.lower())
        if code is None:
            fail("organization_roles", _("Unknown role “%(value)s”.") % {"value": part})
        else:
            roles.append(code)
    data["organization_roles"] = roles
    chosen = []
    for part in _split(row.get("affected_parties", "")):
        party = parties.get(part.lower())
        if party is None:
            fail("affected_parties", _("Unknown affected party “%(value)s”.") % {"value": part})
        else:
            chosen.append(party)
    data["affected_parties"] = chosen
    for column in ("is_generative", "is_advanced"):
        value = row.get(column, "").lower()
        if value not in _TRUE | _FALSE:
            fail(column, _("Write true or false."))
        data[column] = value in _TRUE
    if row.get("business_unit"):
        unit = units.get(row["business_unit"].lower())
        if unit is None:
            fail(
                "business_unit",
                _("No business unit “%(value)s”.") % {"value": row["business_unit"]},
            )
        data["business_unit"] = unit
    if row.get("owner"):
        owner = users.get(row["owner"].lower())
        if owner is None:
            fail("owner", _("No active user “%(value)s”.") % {"value": row["owner"]})
        data["owner"] = owner
    if row.get("review_interval_days"):
        try:
            data["review_interval_days"] = int(row["review_interval_days"])
            if data["review_interval_days"] < 1:
                raise ValueError
        except ValueError:
            fail("review_interval_days", _("Write a whole number of days."))
    if row.get("next_review_on"):
        try:
            data["next_review_on"] = date.fromisoformat(row["next_review_on"][:10])
        except ValueError:
            fail("next_review_on", _("Write the date as YYYY-MM-DD."))
    return data, errors


@transaction.atomic
def ai_system_import(
    *, actor: Actor, header: list[str], rows: list[dict[str, str]]
) -> list[AISystem]:
    """Register every row as an AI system, or none: any bad row rejects the whole file."""
    from aims.models import BusinessUnit

    known = IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS
    unknown = [column for column in header if column and column not in known]
    missing = [column for column in ("name", "purpose") if column not in header]
    errors = [RowError(1, c, _("Unknown column.")) for c in unknown]
    errors += [RowError(1, c, _("This column is required.")) for c in missing]
    if errors:
        raise ImportRejected(errors)
    units = {}
    for unit in BusinessUnit.objects.all():
        units[unit.name.lower()] = unit
        if unit.code:
            units[unit.code.lower()] = unit
    users = {u.get_username().lower(): u for u in get_user_model().objects.filter(is_active=True)}
    parties = {}
    for party in affected_party_choices():
        for label in (party.ref_id, party.name_en, party.name_ja):
            parties[label.strip().lower()] = party
    lookups: dict[str, dict[str, Any]] = {"units": units, "users": users, "parties": parties}
    existing = set(AISystem.objects.values_list("name", "version"))
    seen: dict[tuple[str, str], int] = {}
    parsed: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):
        data, row_errors = _parse_row(number, row, lookups)
        fields = {k: v for k, v in data.items() if v is not None and k != "affected_parties"}
        candidate = AISystem(**fields)
        try:
            candidate.full_clean(exclude=["owner", "business_unit"], validate_unique=False)
        except ValidationError as error:
            for column, messages in error.message_dict.items():
                row_errors += [RowError(number, column, m) for m in messages]
        key = (data["name"], data["version"])
        if key in existing:
            row_errors.append(
                RowError(number, "name", _("This AI system and version exist already."))
            )
        elif key in seen:
            row_errors.append(
                RowError(
                    number, "name", _("Same name and version as row %(row)d.") % {"row": seen[key]}
                )
            )
        seen.setdefault(key, number)
        errors += row_errors
        parsed.append(data)
    if errors:
        raise ImportRejected(errors)
    return [ai_system_create(actor=actor, **data) for data in parsed]
