"""The four live consistency checks of the Statement of Applicability, shown on the SoA page
and blocking submission and approval until resolved or waived with a reason: a control marked
not applicable that a risk treatment or an impact assessment relies on; applicable with no
implementing control; implemented with no evidence valid today; justified by risk treatment
with no linked risk. Each result names the row (its requirement) and the records involved.
Reads only: whether a check fails is decided on every record (the reliance providers asked
with no user); the records listed are those the reader sees."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.registry import Reliance
from aims.roles import Capability, has_capability
from controls.choices import EvidenceReview, ImplementationStatus, JustificationType, SoaCheck
from controls.models import (
    ApplicabilityStatement,
    Evidence,
    SoaCheckWaiver,
    StatementOfApplicability,
)
from controls.selectors.evidence import EvidenceSummary, control_evidence_summaries
from controls.selectors.soa import requirement_reliances, soa_rows, visible_urls


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
    control_evidence: dict[int, EvidenceSummary],
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
        summaries = [control_evidence[c.pk] for c in row.controls.all() if c.pk in control_evidence]
        valid = any(evidence_valid(e, day) for e in evidence.values()) or any(
            summary.valid for summary in summaries
        )
        for summary in summaries:  # none valid: a few of each control's, to name
            evidence.update({e.pk: e for e in summary.sample})
        if not valid:
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


def _control_evidence(rows: list[ApplicabilityStatement], day: date) -> dict[int, EvidenceSummary]:
    """Whether each implementing control's evidence is valid, decided on all of it (as the
    relying records: no user), counted; a few pieces are named only for the controls of an
    implemented row with no valid evidence (what the check lists)."""
    counted = control_evidence_summaries(
        {c.pk for row in rows for c in row.controls.all()}, None, day, sample=0
    )
    unproven = {
        c.pk
        for row in rows
        if row.implementation_status == ImplementationStatus.IMPLEMENTED
        and not any(evidence_valid(e, day) for e in row.evidence.all())
        and not any(counted[c.pk].valid for c in row.controls.all())
        for c in row.controls.all()
    }
    if unproven:
        counted.update(control_evidence_summaries(unproven, None, day))
    return counted


def checks_of_rows(
    version: StatementOfApplicability,
    rows: list[ApplicabilityStatement],
    user: Any = None,
    relied: dict[int, list[Reliance]] | None = None,
) -> list[CheckResult]:
    """The checks of rows already read by ``controls.selectors.soa.soa_rows``: whether a
    check fails is decided on every record; the records listed are those ``user`` sees
    (``relied``: the records relying on the rows that ``user`` sees, when the caller read
    them already for the same rows)."""
    if version.is_frozen:
        results = [CheckResult.from_dict(item) for item in version.frozen_checks]
        shown = visible_urls([r.url for result in results for r in result.records], user)
        if shown is not None:  # name only the relying records the reader sees today
            results = [
                replace(result, records=[r for r in result.records if r.url in shown])
                for result in results
            ]
        return results
    ids = [row.requirement_id for row in rows]
    # Who sees every record sees every relying record: no second reading for them.
    sees_all = user is None or has_capability(user, Capability.SEE_ALL_RECORDS)
    if sees_all:
        relied_all = relied if relied is not None else requirement_reliances(ids, None)
        relied_shown = relied_all
    else:
        relied_all = requirement_reliances(ids, None)
        relied_shown = relied if relied is not None else requirement_reliances(ids, user)
    waivers = {
        (w.requirement_id, w.check_code): w.reason
        for w in SoaCheckWaiver.objects.filter(soa=version)
    }
    day = timezone.localdate()
    control_evidence = _control_evidence(rows, day)
    results = []
    for row in rows:
        for code, message, records in _row_checks(
            row,
            relied_all.get(row.requirement_id, []),
            relied_shown.get(row.requirement_id, []),
            day,
            control_evidence,
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
