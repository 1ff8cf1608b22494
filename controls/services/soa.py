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

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, ApprovalStatus
from aims.models import Requirement
from aims.registry import Reliance
from aims.scope import VIEW, permitted_ids
from aims.services.accounts import Actor
from aims.services.approval import (
    approval_approve,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
)
from controls.choices import EvidenceReview, ImplementationStatus, JustificationType, SoaCheck
from controls.models import (
    ApplicabilityStatement,
    Control,
    Evidence,
    SoaCheckWaiver,
    StatementOfApplicability,
)
from controls.selectors.soa import (
    ANNEX_A_CONTROLS,
    annex_a_controls,
    requirement_reliances,
    row_snapshots,
    soa_rows,
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


# --- The consistency checks -------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    """One failing consistency check of one row: which check, the row's requirement, what is
    wrong, the records involved, and whether (and why) it was waived."""

    code: str
    requirement_id: int
    ref_id: str
    message: str
    records: list[Reliance] = field(default_factory=list)
    waived: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "requirement_id": self.requirement_id,
            "ref_id": self.ref_id,
            "message": self.message,
            "records": [{"kind": r.kind, "label": r.label, "url": r.url} for r in self.records],
            "waived": self.waived,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            code=data["code"],
            requirement_id=data["requirement_id"],
            ref_id=data["ref_id"],
            message=data["message"],
            records=[Reliance(**r) for r in data.get("records", [])],
            waived=data.get("waived", False),
            reason=data.get("reason", ""),
        )


def evidence_valid(evidence: Evidence, day: date) -> bool:
    """The shared rule (CONTRACT): its current version is not rejected, took effect by
    ``day``, and the evidence is valid until ``day`` or later (or has no expiry)."""
    version = evidence.current_version
    if version is None or version.review_status == EvidenceReview.REJECTED:
        return False
    if version.effective_from > day:
        return False
    return evidence.valid_until is None or evidence.valid_until >= day


def record_url(obj: Any) -> str:
    """The page of a record ("" while the part of the app that shows it is not installed)."""
    try:
        return str(obj.get_absolute_url())
    except NoReverseMatch:
        return ""


def _evidence_record(evidence: Evidence, day: date) -> Reliance:
    if evidence.valid_until is not None and evidence.valid_until < day:
        state = _("expired %(date)s") % {"date": evidence.valid_until.isoformat()}
    elif evidence.current_version is None:
        state = _("no version")
    elif evidence.current_version.review_status == EvidenceReview.REJECTED:
        state = _("rejected")
    else:
        state = _("not yet in effect")
    return Reliance(kind="evidence", label=f"{evidence.title} ({state})", url=record_url(evidence))


def _row_checks(
    row: ApplicabilityStatement,
    relied_all: list[Reliance],
    relied_shown: list[Reliance],
    day: date,
) -> list[tuple[str, str, list[Reliance]]]:
    ref = row.requirement.ref_id
    found: list[tuple[str, str, list[Reliance]]] = []
    if row.applicable is False and relied_all:
        found.append(
            (
                SoaCheck.EXCLUDED_BUT_RELIED_ON,
                _("%(ref)s is marked not applicable, but %(count)s record(s) rely on it.")
                % {"ref": ref, "count": len(relied_all)},
                relied_shown,
            )
        )
    controls = [c for c in row.controls.all() if c.status != "retired"]
    if row.applicable is True and not controls:
        found.append(
            (
                SoaCheck.NO_IMPLEMENTING_CONTROL,
                _("%(ref)s applies, but none of the organisation's controls implements it.")
                % {"ref": ref},
                [],
            )
        )
    if row.implementation_status == ImplementationStatus.IMPLEMENTED:
        evidence = {e.pk: e for e in row.evidence.all()}
        for control in row.controls.all():
            evidence.update({e.pk: e for e in control.evidence.all()})
        if not any(evidence_valid(e, day) for e in evidence.values()):
            found.append(
                (
                    SoaCheck.NO_VALID_EVIDENCE,
                    _("%(ref)s is implemented, but no evidence is valid today.") % {"ref": ref},
                    [_evidence_record(e, day) for e in evidence.values()],
                )
            )
    if row.justification_type == JustificationType.RISK_TREATMENT and not any(
        r.kind == "risk" for r in relied_all
    ):
        found.append(
            (
                SoaCheck.RISK_JUSTIFICATION_WITHOUT_RISK,
                _("%(ref)s is justified by risk treatment, but no risk's treatment relies on it.")
                % {"ref": ref},
                [],
            )
        )
    return found


def checks_of_rows(
    version: StatementOfApplicability, rows: list[ApplicabilityStatement], user: Any = None
) -> list[CheckResult]:
    """The checks of rows already read by ``controls.selectors.soa.soa_rows``: whether a
    check fails is decided on every record; the records listed are those ``user`` sees."""
    if version.is_frozen:
        return [CheckResult.from_dict(item) for item in version.frozen_checks]
    ids = [row.requirement_id for row in rows]
    relied_all = requirement_reliances(ids, None)
    relied_shown = relied_all if user is None else requirement_reliances(ids, user)
    waivers = {
        (w.requirement_id, w.check_code): w.reason
        for w in SoaCheckWaiver.objects.filter(soa=version)
    }
    day = timezone.localdate()
    results = []
    for row in rows:
        for code, message, records in _row_checks(
            row,
            relied_all.get(row.requirement_id, []),
            relied_shown.get(row.requirement_id, []),
            day,
        ):
            reason = waivers.get((row.requirement_id, code))
            results.append(
                CheckResult(
                    code=str(code),
                    requirement_id=row.requirement_id,
                    ref_id=row.requirement.ref_id,
                    message=message,
                    records=records,
                    waived=reason is not None,
                    reason=reason or "",
                )
            )
    return results


def soa_checks(version: StatementOfApplicability, user: Any = None) -> list[CheckResult]:
    """The failing consistency checks of ``version``, waived or not: live for a draft or a
    version in review, as frozen at approval for an approved or superseded one."""
    if version.is_frozen:
        return checks_of_rows(version, [], user)
    return checks_of_rows(version, list(soa_rows(version, None)), user)


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
