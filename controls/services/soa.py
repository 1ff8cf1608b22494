"""Every write of the Statement of Applicability: its rows (one per Annex A control, made when
the library loads, plus rows the organisation adds from other frameworks), their content, the
waivers of the consistency checks, and the approval workflow's SoA-specific steps (checks that
block submission and approval, freezing on approval, carrying a version forward).

Also the four live consistency checks (``soa_checks``): a control excluded though a risk
treatment or an impact assessment relies on it; applicable with no implementing control;
implemented with no evidence valid today; justified by risk treatment with no linked risk.
Keyword-only, typed, atomic, the actor passed in, a change record in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, ApprovalStatus
from aims.models import Requirement
from aims.scope import VIEW, permitted_ids
from aims.services.accounts import Actor
from aims.services.approval import (
    approval_approve,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
)
from controls.choices import SoaCheck
from controls.models import (
    ApplicabilityStatement,
    Control,
    Evidence,
    SoaCheckWaiver,
    StatementOfApplicability,
)
from controls.selectors.soa import ANNEX_A_CONTROLS, annex_a_controls, row_snapshots, soa_rows

# The checks live beside (``soa_checks.py``); callers read them from here as well.
from controls.services.soa_checks import (  # noqa: F401
    CheckResult,
    checks_of_rows,
    evidence_valid,
    record_url,
    soa_checks,
)

#: What a person writes on a row (the services take these).
ROW_FIELDS = (
    "applicable",
    "justification_type",
    "justification",
    "implementation_status",
    "controls",
    "evidence",
    "owner",
)


def _person(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def soa_start(*, actor: Actor) -> StatementOfApplicability:
    """Start the SoA: version 1, a draft (once; later versions start from the approved one)."""
    if StatementOfApplicability.objects.select_for_update().exists():
        raise ValidationError(_("The Statement of Applicability exists already."))
    version = StatementOfApplicability(author=_person(actor), owner=_person(actor))
    version.full_clean()
    version.save()
    change_record(actor=actor, action=Action.CREATE, obj=version)
    return version


# --- Rows made when the library loads --------------------------------------------------------
@transaction.atomic
def soa_rows_ensure(*, actor: Actor) -> int:
    """A row for every Annex A control on the working version; returns how many were made.
    With no SoA yet, version 1 is started as a draft; when the working version is approved and
    controls are missing, a new draft carries it forward and gets them (an approved version
    never changes)."""
    controls = list(annex_a_controls())
    if not controls:
        return 0
    version = (
        StatementOfApplicability.objects.select_for_update()
        .exclude(status=ApprovalStatus.SUPERSEDED)
        .order_by("-number")
        .first()
    )
    if version is not None:
        held = set(version.rows.values_list("requirement_id", flat=True))
        missing = [c for c in controls if c.pk not in held]
        if not missing:
            return 0
        if version.status == ApprovalStatus.APPROVED:
            version = approval_new_version(actor=actor, version=version)
    else:
        version = soa_start(actor=actor)
        missing = controls
    for requirement in missing:
        row = ApplicabilityStatement.objects.create(soa=version, requirement=requirement)
        change_record(actor=actor, action=Action.CREATE, obj=row)
    return len(missing)


def on_library_load(*, actor: Actor) -> None:
    """``registry.on_library_load`` handler: every new Annex A control gets its SoA row."""
    soa_rows_ensure(actor=actor)


# --- Rows -------------------------------------------------------------------------------------
def _visible_ids(actor: Actor, model: Any, items: list[Any], name: str) -> set[int]:
    """The ids of ``items``, refusing any the actor may not see (an id of a hidden record
    names nothing the actor could have chosen)."""
    ids = {item.pk for item in items}
    if actor is None:
        return ids
    seen = permitted_ids(actor, VIEW, model, ids)
    hidden = ids - seen
    if hidden:
        raise ValidationError(
            {
                name: [
                    _("You may not link these records: %(ids)s.")
                    % {"ids": ", ".join(str(i) for i in sorted(hidden))}
                ]
            }
        )
    return ids


def _set_links(actor: Actor, row: ApplicabilityStatement, name: str, ids: set[int]) -> None:
    """Set a row's links to ``ids``, keeping the links to records the actor cannot see (they
    were not offered to them, so leaving them out is no decision to remove them)."""
    model = Control if name == "controls" else Evidence
    current = set(getattr(row, name).values_list("pk", flat=True))
    kept = current - (permitted_ids(actor, VIEW, model, current) if actor is not None else current)
    getattr(row, name).set(sorted(ids | kept))


def _apply_row(actor: Actor, row: ApplicabilityStatement, data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(ROW_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    links: dict[str, set[int]] = {}
    for name, model in (("controls", Control), ("evidence", Evidence)):
        if data.get(name) is not None:
            links[name] = _visible_ids(actor, model, list(data[name]), name)
    for name, value in data.items():
        if name not in ("controls", "evidence"):
            if value is None and name in ("justification_type", "justification"):
                value = ""
            setattr(row, name, value)
    row.justification = (row.justification or "").strip()
    if row.applicable is False and not row.justification:
        raise ValidationError(
            {
                "justification": [
                    _("Say why the control is excluded: an exclusion needs a justification.")
                ]
            }
        )
    row.full_clean(exclude=["soa", "requirement"])
    return links


@transaction.atomic
def soa_row_update(
    *, actor: Actor, row: ApplicabilityStatement, **data: Any
) -> ApplicabilityStatement:
    """Change a row of a draft: whether the control applies, why, how far it is implemented,
    the implementing controls and the evidence (only records the actor sees), its owner."""
    row = ApplicabilityStatement.objects.select_for_update().get(pk=row.pk)
    approval_editable(row.soa)
    with logged(row, actor=actor):
        links = _apply_row(actor, row, data)
        row.save()
        for name, ids in links.items():
            _set_links(actor, row, name, ids)
    return row


@transaction.atomic
def soa_row_add(
    *, actor: Actor, soa: StatementOfApplicability, requirement: Requirement, **data: Any
) -> ApplicabilityStatement:
    """Add a control of another source to a draft (6.1.3 allows it): a requirement of
    another framework of the library, once per version."""
    soa = StatementOfApplicability.objects.select_for_update().get(pk=soa.pk)
    approval_editable(soa)
    if Requirement.objects.filter(pk=requirement.pk, **ANNEX_A_CONTROLS).exists():
        raise ValidationError(
            {"requirement": [_("Annex A controls have their rows already; edit that row.")]}
        )
    if requirement.withdrawn or not requirement.assessable:
        raise ValidationError(
            {"requirement": [_("Choose a requirement that can be assessed (not a heading).")]}
        )
    if soa.rows.filter(requirement=requirement).exists():
        raise ValidationError(
            {"requirement": [_("This control has a row in this version already.")]}
        )
    row = ApplicabilityStatement(soa=soa, requirement=requirement)
    links = _apply_row(actor, row, data)
    row.save()
    for name, ids in links.items():
        getattr(row, name).set(sorted(ids))
    change_record(actor=actor, action=Action.CREATE, obj=row)
    return row


@transaction.atomic
def soa_row_remove(*, actor: Actor, row: ApplicabilityStatement) -> None:
    """Remove a row the organisation added (an Annex A row stays: exclude it instead)."""
    row = ApplicabilityStatement.objects.select_for_update().get(pk=row.pk)
    approval_editable(row.soa)
    if Requirement.objects.filter(pk=row.requirement_id, **ANNEX_A_CONTROLS).exists():
        raise ValidationError(
            _("An Annex A control's row cannot be removed; mark it not applicable and say why.")
        )
    before = snapshot(row)
    pk = row.pk
    change_record(
        actor=actor, action=Action.DELETE, obj=row, before=before, after=None, object_id=pk
    )
    SoaCheckWaiver.objects.filter(soa_id=row.soa_id, requirement_id=row.requirement_id).delete()
    row.delete()


# --- Waivers ----------------------------------------------------------------------------------
@transaction.atomic
def soa_check_waive(
    *,
    actor: Actor,
    soa: StatementOfApplicability,
    requirement: Requirement,
    check_code: str,
    reason: str,
) -> SoaCheckWaiver:
    """Set a check of one row aside on purpose, with the reason: it no longer blocks
    approval."""
    soa = StatementOfApplicability.objects.select_for_update().get(pk=soa.pk)
    approval_editable(soa)
    errors: dict[str, list[str]] = {}
    if check_code not in SoaCheck.values:
        errors["check_code"] = [_("Choose one of the checks.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the check is waived.")]
    if not soa.rows.filter(requirement=requirement).exists():
        errors["requirement"] = [_("This control has no row in this version.")]
    elif SoaCheckWaiver.objects.filter(
        soa=soa, requirement=requirement, check_code=check_code
    ).exists():
        errors["check_code"] = [_("This check is waived already.")]
    if errors:
        raise ValidationError(errors)
    waiver = SoaCheckWaiver(
        soa=soa,
        requirement=requirement,
        check_code=check_code,
        reason=reason.strip(),
        waived_by=_person(actor),
    )
    waiver.full_clean()
    waiver.save()
    change_record(actor=actor, action=Action.CREATE, obj=waiver)
    return waiver


@transaction.atomic
def soa_check_unwaive(*, actor: Actor, waiver: SoaCheckWaiver) -> None:
    """Withdraw a waiver: the check blocks approval again while it fails."""
    waiver = SoaCheckWaiver.objects.select_for_update().get(pk=waiver.pk)
    approval_editable(waiver.soa)
    before = snapshot(waiver)
    change_record(
        actor=actor,
        action=Action.DELETE,
        obj=waiver,
        before=before,
        after=None,
        object_id=waiver.pk,
    )
    waiver.delete()


def soa_refuse_unresolved(version: StatementOfApplicability) -> None:
    """Refuse submission or approval while a row is undecided or a check fails unwaived."""
    rows = list(soa_rows(version, None))
    undecided = [row.requirement.ref_id for row in rows if row.applicable is None]
    if undecided:
        raise ValidationError(
            _("Decide whether each control applies first: %(refs)s.")
            % {"refs": ", ".join(undecided[:10]) + (" …" if len(undecided) > 10 else "")}
        )
    failing = [c for c in checks_of_rows(version, rows) if not c.waived]
    if failing:
        raise ValidationError(
            _(
                "%(count)s consistency check(s) fail: resolve or waive them with a reason "
                "first (%(refs)s)."
            )
            % {
                "count": len(failing),
                "refs": ", ".join(sorted({c.ref_id for c in failing})),
            }
        )


# --- The workflow -----------------------------------------------------------------------------
def soa_freeze(version: StatementOfApplicability) -> None:
    """Store each row's snapshot and the checks' result on the version being approved: from
    now on it is read from there, never from the live links. Written in the organisation's
    language (the messages of the checks are stored)."""
    live = StatementOfApplicability(pk=version.pk)  # a draft's view: the live links
    rows = list(soa_rows(live, None))
    with translation.override(settings.LANGUAGE_CODE):
        shots = row_snapshots(live, rows, None)
        checks = [c.as_dict() for c in checks_of_rows(live, rows)]
    for row, shot in zip(rows, shots, strict=True):
        row.frozen = shot
    ApplicabilityStatement.objects.bulk_update(rows, ["frozen"])
    StatementOfApplicability.objects.filter(pk=version.pk).update(frozen_checks=checks)
    version.frozen_checks = checks


def soa_carry_forward(old: StatementOfApplicability, new: StatementOfApplicability) -> None:
    """The rows (their fields, owner, implementing controls and evidence) and the waivers of
    ``old``, copied to ``new`` (a draft: its rows are live again)."""
    for row in old.rows.prefetch_related("controls", "evidence"):
        controls, evidence = list(row.controls.all()), list(row.evidence.all())
        row.pk, row.id, row.soa, row.frozen = None, None, new, {}
        row._state.adding = True
        row._prefetched_objects_cache = {}  # type: ignore[attr-defined]  # the old row's links
        row.save()
        row.controls.set(controls)
        row.evidence.set(evidence)
    for waiver in old.waivers.all():
        waiver.pk, waiver.id, waiver.soa = None, None, new
        waiver._state.adding = True
        waiver.save()


def soa_submit(*, actor: Actor, soa: StatementOfApplicability) -> StatementOfApplicability:
    """Send a draft for review (every row decided, no unwaived failing check)."""
    return approval_submit(actor=actor, version=soa)


def soa_approve(*, actor: Actor, soa: StatementOfApplicability) -> StatementOfApplicability:
    """Approve a version in review (not by its author or anyone who changed it): it is frozen."""
    return approval_approve(actor=actor, version=soa)


def soa_return(
    *, actor: Actor, soa: StatementOfApplicability, comment: str
) -> StatementOfApplicability:
    return approval_return(actor=actor, version=soa, comment=comment)


def soa_new_version(*, actor: Actor, soa: StatementOfApplicability) -> StatementOfApplicability:
    """Start the next draft from the approved version, carrying everything forward."""
    return approval_new_version(actor=actor, version=soa)
