"""Writes of the organisation's controls: registering and changing a control, its life
(planned → implementing → operating → retired, never deleted), the library requirements it
satisfies (a note per link) and the tests of its effectiveness."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, FrameworkCategory
from aims.models import AISystem, Requirement
from aims.scope import VIEW, restrict
from aims.services.accounts import Actor
from aims.services.reach import systems_to_link
from controls.choices import ControlStatus
from controls.models import Control, ControlRequirement, ControlTest

CONTROL_FIELDS = (
    "code",
    "name",
    "description",
    "control_type",
    "status",
    "owner",
    "ai_systems",
    "test_interval_days",
    "review_interval_days",
    "next_review_on",
)
#: Where a control may go from each status. Retired is the end: a retired control is kept as
#: the record of what was done, and changes no more.
TRANSITIONS: dict[str, set[str]] = {
    ControlStatus.PLANNED: {ControlStatus.IMPLEMENTING, ControlStatus.RETIRED},
    ControlStatus.IMPLEMENTING: {
        ControlStatus.PLANNED,
        ControlStatus.OPERATING,
        ControlStatus.RETIRED,
    },
    ControlStatus.OPERATING: {ControlStatus.IMPLEMENTING, ControlStatus.RETIRED},
    ControlStatus.RETIRED: set(),
}
#: The statuses a control may be registered with (an existing measure is registered as it is).
START_STATUSES = (ControlStatus.PLANNED, ControlStatus.IMPLEMENTING, ControlStatus.OPERATING)
NOTE_MAX_LENGTH = ControlRequirement._meta.get_field("note").max_length or 500


def linkable_requirements() -> QuerySet[Requirement]:
    """The library items a control may satisfy: the assessable items of every framework
    (Annex A controls, the AI Guidelines' items, NIST AI RMF subcategories, …), not the
    taxonomies and not items withdrawn from their framework."""
    return (
        Requirement.objects.filter(withdrawn=False, assessable=True)
        .exclude(framework__category=FrameworkCategory.TAXONOMY)
        .select_related("framework")
        .order_by("framework__category", "framework__ref_id", "order")
    )


def _refuse_retired(control: Control) -> None:
    if control.pk is not None and control.status == ControlStatus.RETIRED:
        raise ValidationError(
            _("“%(control)s” is retired and can no longer be changed.") % {"control": control.code}
        )


def _apply(actor: Actor, control: Control, data: dict[str, Any]) -> list[AISystem] | None:
    """Set the fields of ``control`` from ``data``; return the AI systems to link after
    saving (None: unchanged). Raises ``ValidationError`` naming every bad field, before
    anything is changed."""
    unknown = set(data) - set(CONTROL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    status = data.get("status")
    if control.pk is None:
        if status is not None and status not in START_STATUSES:
            errors["status"] = [
                _("A control is registered as planned, being implemented or operating.")
            ]
    elif (
        status is not None
        and status != control.status
        and status not in TRANSITIONS.get(control.status, set())
    ):
        errors["status"] = [
            _("A control cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": ControlStatus(control.status).label,
                "to": ControlStatus(status).label if status in ControlStatus.values else status,
            }
        ]
    code = str(data.get("code", control.code) or "").strip()
    if "code" in data:
        data["code"] = code
    taken = (
        Control.objects.filter(code__iexact=code).exclude(pk=control.pk).first() if code else None
    )
    if taken is not None:
        errors["code"] = [_("Another control has the code “%(code)s”.") % {"code": taken.code}]
    interval = data.get("test_interval_days", control.test_interval_days)
    if interval is not None and not 1 <= interval <= Control.MAX_TEST_INTERVAL_DAYS:
        errors["test_interval_days"] = [
            _("Give the test interval in days, from 1 to %(most)s (ten years).")
            % {"most": f"{Control.MAX_TEST_INTERVAL_DAYS:,}"}
        ]
    systems = systems_to_link(
        actor=actor,
        record=control,
        given=data.get("ai_systems"),
        errors=errors,
        empty_message=_(
            "Name at least one of your AI systems: organisation-wide controls are kept by "
            "the governance officer."
        ),
    )
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        if name != "ai_systems":
            setattr(control, name, value)
    control.full_clean(exclude=["ai_systems", "requirements"])
    return systems


@transaction.atomic
def control_create(
    *,
    actor: Actor,
    requirement_links: Iterable[tuple[Requirement, str]] | None = None,
    **data: Any,
) -> Control:
    """Register a control. Without ``owner`` the actor owns it; without ``ai_systems`` it is
    organisation-wide (only for those who change every record). ``requirement_links``:
    (requirement, note) pairs it satisfies."""
    data.setdefault("owner", actor if actor is not None and actor.is_authenticated else None)
    data.setdefault("ai_systems", [])
    control = Control()
    systems = _apply(actor, control, data)
    control.save()
    if systems is not None:
        control.ai_systems.set(systems)
    if requirement_links is not None:
        control_requirements_set(actor=actor, control=control, links=requirement_links)
    # Last, so the record holds the control as created, requirements included.
    change_record(actor=actor, action=Action.CREATE, obj=control)
    return control


@transaction.atomic
def control_update(
    *,
    actor: Actor,
    control: Control,
    requirement_links: Iterable[tuple[Requirement, str]] | None = None,
    **data: Any,
) -> Control:
    """Change a control (its status only along ``TRANSITIONS``). A retired control is
    refused: it stays as the record of what was done."""
    _refuse_retired(control)
    with logged(control, actor=actor):
        systems = _apply(actor, control, data)
        control.save()
        if systems is not None:
            control.ai_systems.set(systems)
        if requirement_links is not None:
            control_requirements_set(actor=actor, control=control, links=requirement_links)
    return control


@transaction.atomic
def control_retire(*, actor: Actor, control: Control) -> Control:
    """Retire a control: it is kept, with its tests and links, and changes no more."""
    _refuse_retired(control)
    with logged(control, actor=actor, always=True):
        control.status = ControlStatus.RETIRED
        control.save(update_fields=["status", "updated_at"])
    return control


# --- Requirements satisfied --------------------------------------------------------------------
def _check_requirement(actor: Actor, requirement: Requirement) -> None:
    rows = linkable_requirements().filter(pk=requirement.pk)
    if actor is not None:
        rows = restrict(rows, actor, VIEW)
    if not rows.exists():
        raise ValidationError(
            {"requirement": [_("Choose an item of the library that a control can satisfy.")]}
        )


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": [_("Keep the note within %(max)s characters.") % {"max": NOTE_MAX_LENGTH}]}
        )
    if "\x00" in note:
        raise ValidationError({"note": [_("Null characters are not allowed.")]})
    return note


@transaction.atomic
def control_requirement_add(
    *, actor: Actor, control: Control, requirement: Requirement, note: str = ""
) -> ControlRequirement:
    """Record that ``control`` satisfies ``requirement`` (of any framework), with a note."""
    _refuse_retired(control)
    _check_requirement(actor, requirement)
    note = _check_note(note)
    if ControlRequirement.objects.filter(control=control, requirement=requirement).exists():
        raise ValidationError(
            {
                "requirement": [
                    _("The control already satisfies %(ref)s.") % {"ref": requirement.ref_id}
                ]
            }
        )
    link = ControlRequirement.objects.create(control=control, requirement=requirement, note=note)
    change_record(actor=actor, action=Action.CREATE, obj=link)
    return link


@transaction.atomic
def control_requirement_update(
    *, actor: Actor, link: ControlRequirement, note: str
) -> ControlRequirement:
    """Change the note on how the control satisfies the requirement."""
    _refuse_retired(link.control)
    note = _check_note(note)
    with logged(link, actor=actor):
        link.note = note
        link.save(update_fields=["note"])
    return link


@transaction.atomic
def control_requirement_remove(*, actor: Actor, link: ControlRequirement) -> None:
    """The control no longer satisfies the requirement."""
    _refuse_retired(link.control)
    before, pk = snapshot(link), link.pk
    link.delete()
    change_record(
        actor=actor, action=Action.DELETE, obj=link, before=before, after=None, object_id=pk
    )


@transaction.atomic
def control_requirements_set(
    *, actor: Actor, control: Control, links: Iterable[tuple[Requirement, str]]
) -> list[ControlRequirement]:
    """Make the requirements ``control`` satisfies exactly ``links`` ((requirement, note)
    pairs): new ones added, missing ones removed, changed notes updated, each step logged.
    All or nothing: a bad item changes none."""
    _refuse_retired(control)
    wanted: dict[int, tuple[Requirement, str]] = {}
    for requirement, note in links:
        if requirement.pk in wanted:
            raise ValidationError(
                {"requirement": [_("%(ref)s is named twice.") % {"ref": requirement.ref_id}]}
            )
        wanted[requirement.pk] = (requirement, note)
    current = {link.requirement_id: link for link in control.requirement_links.all()}
    for pk, link in current.items():
        if pk not in wanted:
            control_requirement_remove(actor=actor, link=link)
    kept = []
    for pk, (requirement, note) in wanted.items():
        if pk in current:
            link = current[pk]
            if link.note != (note or "").strip():
                control_requirement_update(actor=actor, link=link, note=note)
            kept.append(link)
        else:
            kept.append(
                control_requirement_add(
                    actor=actor, control=control, requirement=requirement, note=note
                )
            )
    return kept


# --- Tests of effectiveness --------------------------------------------------------------------
TEST_FIELDS = ("tested_on", "tester", "method", "result", "findings")


def _latest_test(control: Control) -> ControlTest | None:
    return control.tests.order_by("-tested_on", "-id").first()


@transaction.atomic
def control_test_create(
    *, actor: Actor, control: Control, tested_on: date, result: str, **data: Any
) -> ControlTest:
    """Record a test of the control's effectiveness (not in the future; not of a retired
    control). The control's last test date and result follow the latest test."""
    unknown = set(data) - set(TEST_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    _refuse_retired(control)
    if tested_on is not None and tested_on > timezone.localdate():
        raise ValidationError({"tested_on": [_("A test cannot be dated in the future.")]})
    data.setdefault("tester", actor if actor is not None and actor.is_authenticated else None)
    test = ControlTest(control=control, tested_on=tested_on, result=result, **data)
    test.owner = test.tester
    test.full_clean()
    test.save()
    change_record(actor=actor, action=Action.CREATE, obj=test)
    latest = _latest_test(control)
    assert latest is not None
    if (control.last_tested_on, control.last_test_result) != (latest.tested_on, latest.result):
        with logged(control, actor=actor):
            control.last_tested_on, control.last_test_result = latest.tested_on, latest.result
            control.save(update_fields=["last_tested_on", "last_test_result", "updated_at"])
    return test
