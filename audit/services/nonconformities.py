"""Writes of nonconformities and corrective action (ISO/IEC 42001 10.2): raising one (from an
audit finding, an incident, a complaint, a monitoring result, or directly), the response (the
reaction and correction, the why chain, the root cause and its category, whether it exists
elsewhere), the corrective actions, the request for verification, the verification of their
effectiveness by someone other than the action owners, closure and reopening.

Who may do what is decided here, by role and by record (the rows of ``aims.scope`` only say
who reaches a nonconformity):
- raise: internal auditors, any source; the governance officer, from an incident, a
  complaint, a monitoring result or directly (an audit finding's is the auditor's);
- respond and keep the actions: the nonconformity's owner and the operational members who may
  change it (granted one of its AI systems), the internal auditors and the officer; an action's
  owner completes their action;
- verify, close, reopen: an internal auditor or the officer, never the nonconformity's owner
  nor the owner of one of its actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action
from aims.models import AISystem, Requirement
from aims.roles import Capability, has_capability, roles_with
from aims.scope import CHANGE, VIEW, permitted, permitted_ids
from aims.services.accounts import Actor, notify_people
from audit.choices import (
    NONCONFORMITY_KINDS,
    ActionStatus,
    CauseCategory,
    NonconformitySource,
    NonconformityStatus,
    Severity,
    VerificationResult,
)
from audit.models import CorrectiveAction, Finding, Nonconformity

#: Sources the governance officer may raise a nonconformity from (an audit finding's is
#: raised by the internal auditor who recorded it).
OFFICER_SOURCES = (
    NonconformitySource.INCIDENT,
    NonconformitySource.COMPLAINT,
    NonconformitySource.MONITORING,
    NonconformitySource.DIRECT,
)
#: What anyone who responds may change: the reaction and the cause (10.2 a, b).
RESPONSE_FIELDS = (
    "correction",
    "corrected_on",
    "why_chain",
    "root_cause",
    "cause_category",
    "similar_elsewhere",
)
#: What only the internal auditors and the officer change: the nonconformity itself.
RECORD_FIELDS = ("title", "description", "severity", "requirement", "owner", "due_on", "ai_systems")
ACTION_FIELDS = ("title", "description", "owner", "due_on", "status", "completed_on")
#: Statuses in which the response and the actions may still change.
WORKING = (NonconformityStatus.OPEN, NonconformityStatus.IN_PROGRESS)
FINISHED_ACTIONS = (ActionStatus.DONE, ActionStatus.CANCELLED)
WHY_CHAIN_MAX = 10
WHY_MAX_LENGTH = 1000
REFERENCE_PREFIX = "NC"


# --- Who ----------------------------------------------------------------------------------------
def _person(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def runs_audits(actor: Actor) -> bool:
    """An internal auditor or the governance officer (or the platform itself)."""
    if _person(actor) is None:
        return actor is None
    return has_capability(actor, Capability.MANAGE_AUDITS) or has_capability(
        actor, Capability.CHANGE_ALL_RECORDS
    )


def may_raise(actor: Actor, source: str | None = None) -> bool:
    """Whether ``actor`` may raise a nonconformity (from ``source``; any source when None)."""
    if actor is None:
        return True
    if has_capability(actor, Capability.MANAGE_AUDITS):
        return True
    if has_capability(actor, Capability.CHANGE_ALL_RECORDS):
        return source is None or source in OFFICER_SOURCES
    return False


def may_respond(actor: Actor, nc: Nonconformity) -> bool:
    """Whether ``actor`` may record the response and keep the actions of ``nc``."""
    if runs_audits(actor):
        return True
    return has_capability(actor, Capability.RESPOND_TO_NONCONFORMITIES) and permitted(
        actor, CHANGE, nc
    )


def verification_bar(actor: Actor, nc: Nonconformity) -> str | None:
    """Why ``actor`` may not verify ``nc`` (None: they may)."""
    if actor is None:
        return None
    if not runs_audits(actor):
        return _("Only an internal auditor or the governance officer verifies effectiveness.")
    if nc.owner_id == actor.pk:
        return _("You own this nonconformity: someone else verifies its corrective action.")
    if nc.actions.filter(owner_id=actor.pk).exists():
        return _(
            "You own one of its corrective actions: someone other than the action owners "
            "verifies their effectiveness."
        )
    return None


def _refuse(message: str, field: str | None = None) -> ValidationError:
    return ValidationError({field: [message]} if field else message)


def _check_runs_audits(actor: Actor) -> None:
    if not runs_audits(actor):
        raise _refuse(_("Only an internal auditor or the governance officer may do this."))


def _check_responds(actor: Actor, nc: Nonconformity) -> None:
    if not may_respond(actor, nc):
        raise _refuse(_("You may not respond to this nonconformity."))


def _check_working(nc: Nonconformity) -> None:
    if nc.status == NonconformityStatus.CLOSED:
        raise _refuse(_("The nonconformity is closed: reopen it to change it."))
    if nc.status == NonconformityStatus.AWAITING_VERIFICATION:
        raise _refuse(
            _(
                "The nonconformity is awaiting verification: it changes again only if the "
                "verification finds the action not effective."
            )
        )


def _is_responder(user: Any) -> bool:
    return (
        has_capability(user, Capability.RESPOND_TO_NONCONFORMITIES)
        or has_capability(user, Capability.MANAGE_AUDITS)
        or has_capability(user, Capability.CHANGE_ALL_RECORDS)
    )


# --- Numbering ----------------------------------------------------------------------------------
def _next_reference(year: int) -> str:
    """NC-YYYY-NNN, the next of the year. A transaction-scoped advisory lock per year
    serialises concurrent raisers, so two never take the same number."""
    prefix = f"{REFERENCE_PREFIX}-{year}-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [prefix])
    taken = Nonconformity.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    last = max(
        (int(ref[len(prefix) :]) for ref in taken if ref[len(prefix) :].isdigit()), default=0
    )
    return f"{prefix}{last + 1:03d}"


# --- Checks of values ---------------------------------------------------------------------------
def _check_why_chain(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [line for line in value.splitlines()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors["why_chain"] = [_("Give the why chain as a list of answers.")]
        return []
    answers = [v.strip() for v in value if v.strip()]
    if len(answers) > WHY_CHAIN_MAX:
        errors["why_chain"] = [_("Keep the why chain to %(max)s answers.") % {"max": WHY_CHAIN_MAX}]
    elif any(len(v) > WHY_MAX_LENGTH or "\x00" in v for v in answers):
        errors["why_chain"] = [
            _("Keep each answer within %(max)s characters.") % {"max": WHY_MAX_LENGTH}
        ]
    return answers


def _check_owner(owner: Any, errors: dict[str, list[str]], field: str = "owner") -> None:
    if owner is None:
        return
    if not owner.is_active or not _is_responder(owner):
        errors[field] = [
            _(
                "Choose an operational member, an internal auditor or the governance officer "
                "as the owner."
            )
        ]


def _check_systems(actor: Actor, systems: Iterable[AISystem], errors: dict[str, list[str]]) -> None:
    ids = {system.pk for system in systems}
    if actor is not None and ids and permitted_ids(actor, VIEW, AISystem, ids) != ids:
        errors["ai_systems"] = [_("Choose AI systems you may see.")]


def _not_future(value: date | None, field: str, errors: dict[str, list[str]]) -> None:
    if value is not None and value > timezone.localdate():
        errors[field] = [_("This date cannot be in the future.")]


# --- Notifications ------------------------------------------------------------------------------
def _notify(
    people: Iterable[Any],
    *,
    actor: Actor,
    nc: Nonconformity,
    subject: str,
    body: str,
    key: str,
    **values: Any,
) -> None:
    notify_people(
        people,
        actor=actor,
        subject=subject,
        body=body,
        url=nc.get_absolute_url(),
        key=f"nonconformity-{key}"[:200],
        nonconformity=str(nc),
        **values,
    )


def _notify_owner(actor: Actor, nc: Nonconformity) -> None:
    if nc.owner is None:
        return
    _notify(
        [nc.owner],
        actor=actor,
        nc=nc,
        subject=gettext_noop("Nonconformity %(nonconformity)s is assigned to you"),
        body=gettext_noop(
            "%(actor)s assigned nonconformity %(nonconformity)s to you: record the correction, "
            "the root cause and the corrective actions."
        ),
        key=f"assigned:{nc.pk}:{nc.owner_id}:{nc.reopened_count}",
    )


def _notify_action_owner(actor: Actor, action: CorrectiveAction) -> None:
    if action.owner is None:
        return
    nc = action.nonconformity
    _notify(
        [action.owner],
        actor=actor,
        nc=nc,
        subject=gettext_noop("Corrective action assigned to you: %(action)s"),
        body=gettext_noop(
            "%(actor)s assigned you the corrective action “%(action)s” of nonconformity "
            "%(nonconformity)s (due %(due)s)."
        ),
        key=f"action:{action.pk}:{action.owner_id}",
        action=action.title,
        due=action.due_on.isoformat() if action.due_on else "—",
    )


def verifiers(nc: Nonconformity) -> list[Any]:
    """The internal auditors and officers who may verify ``nc`` (not its owner, not an action
    owner)."""
    barred = {nc.owner_id, *nc.actions.values_list("owner_id", flat=True)}
    roles = roles_with(Capability.MANAGE_AUDITS) | roles_with(Capability.CHANGE_ALL_RECORDS)
    people = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("pk")
    )
    return [person for person in people if person.pk not in barred]


def _people_of(nc: Nonconformity) -> list[Any]:
    """The nonconformity's owner and its action owners."""
    owners = [action.owner for action in nc.actions.select_related("owner") if action.owner]
    return [nc.owner, *owners] if nc.owner else owners


# --- Raising ------------------------------------------------------------------------------------
@transaction.atomic
def nonconformity_create(
    *,
    actor: Actor,
    source: str,
    title: str,
    description: str,
    severity: str,
    requirement: Requirement | None = None,
    ai_systems: Iterable[AISystem] = (),
    owner: Any = None,
    finding: Finding | None = None,
    due_on: date | None = None,
    raised_on: date | None = None,
) -> Nonconformity:
    """Raise a nonconformity, numbered NC-YYYY-NNN in the year it is raised. From an audit
    finding (``finding``, a major or minor nonconformity, one record per finding) by an
    internal auditor; from an incident, a complaint, a monitoring result or directly also by
    the governance officer. Its owner (who responds) is told."""
    errors: dict[str, list[str]] = {}
    if source not in NonconformitySource.values:
        errors["source"] = [_("Choose where the nonconformity comes from.")]
    elif not may_raise(actor, source):
        if may_raise(actor):
            errors["source"] = [
                _("A nonconformity from an audit finding is raised by an internal auditor.")
            ]
        else:
            raise _refuse(
                _("Only an internal auditor or the governance officer raises nonconformities.")
            )
    if finding is not None:
        if source != NonconformitySource.AUDIT_FINDING:
            errors["source"] = [_("A nonconformity raised from a finding comes from the audit.")]
        elif finding.kind not in NONCONFORMITY_KINDS:
            errors["finding"] = [_("Only a major or minor nonconformity finding opens one.")]
        elif Nonconformity.objects.filter(finding=finding).exists():
            errors["finding"] = [_("This finding has its nonconformity already.")]
    elif source == NonconformitySource.AUDIT_FINDING:
        errors["finding"] = [_("Name the audit finding the nonconformity comes from.")]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose major or minor.")]
    raised_on = raised_on or timezone.localdate()
    _not_future(raised_on, "raised_on", errors)
    if due_on is not None and due_on < raised_on:
        errors["due_on"] = [_("The response is due after the day it was raised.")]
    systems = list(ai_systems)
    _check_systems(actor, systems, errors)
    _check_owner(owner, errors)
    if errors:
        raise ValidationError(errors)
    if requirement is None and finding is not None:
        requirement = finding.requirement
    nc = Nonconformity(
        reference=_next_reference(raised_on.year),
        source=source,
        finding=finding,
        title=(title or "").strip(),
        description=description or "",
        severity=severity,
        requirement=requirement,
        owner=owner,
        due_on=due_on,
        raised_on=raised_on,
    )
    nc.full_clean(exclude=["ai_systems"])
    nc.save()
    nc.ai_systems.set(systems)
    change_record(actor=actor, action=Action.CREATE, obj=nc)
    _notify_owner(actor, nc)
    return nc


# --- Response -----------------------------------------------------------------------------------
@transaction.atomic
def nonconformity_update(
    *, actor: Actor, nonconformity: Nonconformity, **data: Any
) -> Nonconformity:
    """Record the response (``RESPONSE_FIELDS``: correction and its date, why chain, root
    cause, cause category, similar elsewhere) and, for an internal auditor or the officer,
    change the record itself (``RECORD_FIELDS``). An open nonconformity with a response is in
    progress. A new owner is told."""
    nc = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    _check_responds(actor, nc)
    _check_working(nc)
    unknown = set(data) - set(RESPONSE_FIELDS) - set(RECORD_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    if not runs_audits(actor):
        for name in set(data) & set(RECORD_FIELDS):
            if data[name] != _current(nc, name):
                errors[name] = [
                    _("Only an internal auditor or the governance officer changes this.")
                ]
    if "why_chain" in data:
        data["why_chain"] = _check_why_chain(data["why_chain"], errors)
    if data.get("cause_category") and data["cause_category"] not in CauseCategory.values:
        errors["cause_category"] = [_("Choose a cause category.")]
    if data.get("severity") is not None and data["severity"] not in Severity.values:
        errors["severity"] = [_("Choose major or minor.")]
    _not_future(data.get("corrected_on"), "corrected_on", errors)
    if data.get("due_on") is not None and data["due_on"] < nc.raised_on:
        errors["due_on"] = [_("The response is due after the day it was raised.")]
    if "owner" in data:
        _check_owner(data["owner"], errors)
    systems = data.pop("ai_systems", None)
    if systems is not None:
        systems = list(systems)
        _check_systems(actor, systems, errors)
    if errors:
        raise ValidationError(errors)
    previous_owner = nc.owner_id
    with logged(nc, actor=actor):
        for name, value in data.items():
            setattr(nc, name, "" if value is None and name in _TEXT_FIELDS else value)
        if nc.status == NonconformityStatus.OPEN and any(
            getattr(nc, name) for name in RESPONSE_FIELDS
        ):
            nc.status = NonconformityStatus.IN_PROGRESS
        nc.full_clean(exclude=["ai_systems"])
        nc.save()
        if systems is not None:
            nc.ai_systems.set(systems)
    if nc.owner_id != previous_owner:
        _notify_owner(actor, nc)
    return nc


_TEXT_FIELDS = {"correction", "root_cause", "cause_category", "similar_elsewhere", "description"}


def _current(nc: Nonconformity, name: str) -> Any:
    if name == "ai_systems":
        return list(nc.ai_systems.all())
    return getattr(nc, name)


# --- Corrective actions -------------------------------------------------------------------------
def _may_hold_action(person: Any, nc: Nonconformity) -> bool:
    """Whether ``person`` may own an action of ``nc``: active, in a role that responds, and
    able to see the nonconformity."""
    return bool(person.is_active and _is_responder(person) and permitted(person, VIEW, nc))


def _apply_action(actor: Actor, action: CorrectiveAction, data: dict[str, Any]) -> None:
    unknown = set(data) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    nc = action.nonconformity
    owner = data.get("owner", action.owner)
    changes_owner = "owner" in data and owner is not None and owner.pk != action.owner_id
    if changes_owner and not _may_hold_action(owner, nc):
        errors["owner"] = [
            _(
                "%(person)s may not see this nonconformity: choose someone who may "
                "(its owner, a member granted one of its AI systems, an auditor or the "
                "governance officer)."
            )
            % {"person": owner}
        ]
    status = data.get("status", action.status)
    if status not in ActionStatus.values:
        errors["status"] = [_("Choose a status.")]
    _not_future(data.get("completed_on"), "completed_on", errors)
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        setattr(action, name, "" if value is None and name == "description" else value)
    if action.status == ActionStatus.DONE and action.completed_on is None:
        action.completed_on = timezone.localdate()
    if action.status != ActionStatus.DONE:
        action.completed_on = None
    action.full_clean()


def _into_progress(actor: Actor, nc: Nonconformity) -> None:
    if nc.status == NonconformityStatus.OPEN:
        with logged(nc, actor=actor, always=True):
            nc.status = NonconformityStatus.IN_PROGRESS
            nc.save(update_fields=["status", "updated_at"])


@transaction.atomic
def corrective_action_create(
    *, actor: Actor, nonconformity: Nonconformity, **data: Any
) -> CorrectiveAction:
    """Add a corrective action (title, description, owner, due date, status). Its owner must
    be someone who may see the nonconformity, and is told; an open nonconformity is then in
    progress."""
    nc = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    _check_responds(actor, nc)
    _check_working(nc)
    if not str(data.get("title") or "").strip():
        raise ValidationError({"title": [_("Give the action a title.")]})
    action = CorrectiveAction(nonconformity=nc)
    data.setdefault("status", ActionStatus.PLANNED)
    _apply_action(actor, action, {"owner": None, **data} if "owner" not in data else data)
    action.save()
    change_record(actor=actor, action=Action.CREATE, obj=action)
    _into_progress(actor, nc)
    _notify_action_owner(actor, action)
    return action


def _check_action_editor(actor: Actor, action: CorrectiveAction) -> Nonconformity:
    nc = Nonconformity.objects.select_for_update().get(pk=action.nonconformity_id)
    owner = _person(actor) is not None and action.owner_id == actor.pk  # type: ignore[union-attr]
    if not owner:
        _check_responds(actor, nc)
    _check_working(nc)
    action.nonconformity = nc
    return nc


@transaction.atomic
def corrective_action_update(
    *, actor: Actor, action: CorrectiveAction, **data: Any
) -> CorrectiveAction:
    """Change a corrective action (by those who respond to its nonconformity, or its owner;
    not while the nonconformity awaits verification or is closed). A new owner is told."""
    _check_action_editor(actor, action)
    previous_owner = action.owner_id
    with logged(action, actor=actor):
        _apply_action(actor, action, data)
        action.save()
    if action.owner_id != previous_owner:
        _notify_action_owner(actor, action)
    return action


@transaction.atomic
def corrective_action_complete(
    *, actor: Actor, action: CorrectiveAction, completed_on: date | None = None
) -> CorrectiveAction:
    """Mark a corrective action done (today unless ``completed_on``)."""
    _check_action_editor(actor, action)
    if action.status == ActionStatus.DONE:
        raise _refuse(_("The action is done already."))
    with logged(action, actor=actor, always=True):
        _apply_action(
            actor,
            action,
            {"status": ActionStatus.DONE, "completed_on": completed_on or timezone.localdate()},
        )
        action.save()
    return action


# --- Verification and closure -------------------------------------------------------------------
@transaction.atomic
def nonconformity_submit(*, actor: Actor, nonconformity: Nonconformity) -> Nonconformity:
    """Ask for the verification of the corrective action's effectiveness: needs a root cause
    and at least one action, every action done or cancelled (one done at least). The internal
    auditors and officers who may verify are told."""
    nc = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    _check_responds(actor, nc)
    _check_working(nc)
    problems = []
    if not nc.root_cause.strip():
        problems.append(_("Record the root cause first."))
    statuses = list(nc.actions.values_list("status", flat=True))
    if not statuses:
        problems.append(_("Add at least one corrective action first."))
    elif any(status not in FINISHED_ACTIONS for status in statuses):
        problems.append(_("Every corrective action must be done or cancelled first."))
    elif ActionStatus.DONE not in statuses:
        problems.append(_("At least one corrective action must be done."))
    if problems:
        raise ValidationError(" ".join(str(p) for p in problems))
    with logged(nc, actor=actor, always=True):
        nc.status = NonconformityStatus.AWAITING_VERIFICATION
        nc.verified_by, nc.verified_at = None, None
        nc.verification_result, nc.verification_note = "", ""
        nc.save()
    _notify(
        verifiers(nc),
        actor=actor,
        nc=nc,
        subject=gettext_noop("Verification requested: %(nonconformity)s"),
        body=gettext_noop(
            "%(actor)s asks you to verify the effectiveness of the corrective action of "
            "nonconformity %(nonconformity)s."
        ),
        key=f"verify:{nc.pk}:{nc.reopened_count}",
    )
    return nc


@transaction.atomic
def nonconformity_verify(
    *, actor: Actor, nonconformity: Nonconformity, result: str, note: str = ""
) -> Nonconformity:
    """Record whether the corrective action was effective, by an internal auditor or the
    officer who owns neither the nonconformity nor one of its actions. Not effective: back in
    progress (reopened), with a note saying why; the owners are told either way."""
    nc = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    bar = verification_bar(actor, nc)
    if bar is not None:
        raise _refuse(bar)
    if nc.status != NonconformityStatus.AWAITING_VERIFICATION or nc.verification_result:
        raise _refuse(_("Only a nonconformity awaiting verification can be verified."))
    if result not in VerificationResult.values:
        raise ValidationError({"result": [_("Choose effective or not effective.")]})
    note = (note or "").strip()
    if result == VerificationResult.NOT_EFFECTIVE and not note:
        raise ValidationError({"note": [_("Say why the action was not effective.")]})
    with logged(nc, actor=actor, always=True):
        nc.verified_by = _person(actor)
        nc.verified_at = timezone.now()
        nc.verification_result = result
        nc.verification_note = note
        if result == VerificationResult.NOT_EFFECTIVE:
            nc.status = NonconformityStatus.IN_PROGRESS
            nc.reopened_count += 1
        nc.full_clean(exclude=["ai_systems"])
        nc.save()
    _notify(
        _people_of(nc),
        actor=actor,
        nc=nc,
        subject=gettext_noop("Verification of %(nonconformity)s: %(result)s"),
        body=gettext_noop(
            "%(actor)s verified the corrective action of nonconformity %(nonconformity)s: "
            "%(result)s.\n%(note)s"
        ),
        key=f"verified:{nc.pk}:{nc.verified_at.isoformat()}",
        result=VerificationResult(result).label,
        note=note,
    )
    return nc


@transaction.atomic
def nonconformity_close(*, actor: Actor, nonconformity: Nonconformity) -> Nonconformity:
    """Close a nonconformity whose corrective action was verified effective (refused
    otherwise; the database holds the same rule)."""
    nc = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    _check_runs_audits(actor)
    if nc.status == NonconformityStatus.CLOSED:
        raise _refuse(_("The nonconformity is closed already."))
    if nc.verification_result != VerificationResult.EFFECTIVE or nc.verified_by_id is None:
        raise _refuse(
            _(
                "A nonconformity is closed only after its corrective action was verified "
                "effective: ask for the verification first."
            )
        )
    with logged(nc, actor=actor, always=True):
        nc.status = NonconformityStatus.CLOSED
        nc.closed_at = timezone.now()
        nc.save()
    return nc


@transaction.atomic
def nonconformity_reopen(
    *, actor: Actor, nonconformity: Nonconformity, reason: str
) -> Nonconformity:
    """Reopen a closed (or verified) nonconformity, with the reason, by an internal auditor or
    the officer: back in progress, its verification cleared (a new one is needed), the owners
    told. The reason is kept in the change record."""
    nc = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    _check_runs_audits(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the nonconformity is reopened.")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("Keep the reason within 2000 characters.")]})
    if nc.status in WORKING:
        raise _refuse(_("The nonconformity is open already."))
    before = snapshot(nc)
    nc.status = NonconformityStatus.IN_PROGRESS
    nc.reopened_count += 1
    nc.closed_at = None
    nc.verified_by, nc.verified_at = None, None
    nc.verification_result, nc.verification_note = "", ""
    nc.save()
    change_record(
        actor=actor,
        action=Action.UPDATE,
        obj=nc,
        before=before,
        after={**snapshot(nc), "reopen_reason": reason},
    )
    _notify(
        _people_of(nc),
        actor=actor,
        nc=nc,
        subject=gettext_noop("Nonconformity %(nonconformity)s was reopened"),
        body=gettext_noop("%(actor)s reopened nonconformity %(nonconformity)s: %(reason)s"),
        key=f"reopened:{nc.pk}:{nc.reopened_count}",
        reason=reason,
    )
    return nc


def default_due_on(raised_on: date | None = None) -> date:
    """When a response is due by default: 30 days after the nonconformity is raised."""
    return (raised_on or timezone.localdate()) + timedelta(days=30)
