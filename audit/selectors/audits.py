"""Every read of the internal audit (9.2): programmes, audits, checklist rows with the live
records they are about, findings, reports and external auditors' access. Querysets come
restricted to what the user may see (``aims.scope.restrict``) with what their pages read,
in a number of queries that does not grow with the rows."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from aims.choices import ApprovalStatus
from aims.models import AISystem, ClauseAssessment
from aims.scope import VIEW, restrict
from audit.choices import AuditStatus
from audit.models import (
    Audit,
    AuditorAccess,
    AuditProgramme,
    AuditReport,
    ChecklistRow,
    Finding,
    ImpartialityDeclaration,
)
from controls.models import ApplicabilityStatement, Control, Evidence, EvidenceVersion
from controls.selectors.soa import soa_in_effect


def programme_rows() -> QuerySet[AuditProgramme]:
    return AuditProgramme.objects.select_related("author", "approved_by", "owner")


def audit_rows() -> QuerySet[Audit]:
    return (
        Audit.objects.select_related("programme", "owner")
        .prefetch_related(
            "team",
            Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version")),
        )
        .annotate(findings_count=Count("findings", distinct=True))
    )


def audit_details() -> QuerySet[Audit]:
    return audit_rows().prefetch_related("requirements__framework")


def checklist_rows() -> QuerySet[ChecklistRow]:
    return ChecklistRow.objects.select_related(
        "audit", "requirement", "requirement__framework", "auditor"
    ).annotate(findings_count=Count("findings"))


def finding_rows() -> QuerySet[Finding]:
    return Finding.objects.select_related(
        "audit", "requirement", "owner", "checklist_row"
    ).prefetch_related(
        Prefetch(
            "evidence_versions",
            queryset=EvidenceVersion.objects.select_related("evidence").order_by("pk"),
        )
    )


def report_rows() -> QuerySet[AuditReport]:
    return AuditReport.objects.select_related("audit", "author", "approved_by")


def access_rows() -> QuerySet[AuditorAccess]:
    return AuditorAccess.objects.select_related("audit", "user")


def declaration_rows() -> QuerySet[ImpartialityDeclaration]:
    return ImpartialityDeclaration.objects.select_related("audit", "auditor", "confirmed_by")


def programme_list(*, user: Any) -> QuerySet[AuditProgramme]:
    return restrict(programme_rows(), user, VIEW)


def audit_list(*, user: Any) -> QuerySet[Audit]:
    return restrict(audit_rows(), user, VIEW)


@dataclass
class Month:
    """One month of a programme's calendar: the audits whose fieldwork (or, unplanned, audit
    period) starts in it."""

    start: date
    audits: list[Audit] = field(default_factory=list)


def programme_calendar(programmes: list[AuditProgramme], user: Any) -> dict[int, list[Month]]:
    """For each programme: its months (from its period) with the audits the user sees, one
    query for all programmes."""
    audits = (
        restrict(Audit.objects.select_related("owner"), user, VIEW)
        .filter(programme__code__in={p.code for p in programmes})
        .select_related("programme")
        .order_by("fieldwork_start", "period_start", "pk")
    )
    by_code: dict[str, list[Audit]] = {}
    for audit in audits:
        by_code.setdefault(audit.programme.code, []).append(audit)
    calendars: dict[int, list[Month]] = {}
    for programme in programmes:
        months: OrderedDict[tuple[int, int], Month] = OrderedDict()
        day = programme.period_start.replace(day=1)
        while day <= programme.period_end and len(months) < 36:
            months[(day.year, day.month)] = Month(day)
            day = day.replace(year=day.year + (day.month == 12), month=day.month % 12 + 1)
        for audit in by_code.get(programme.code, []):
            when = audit.fieldwork_start or audit.period_start
            key = (when.year, when.month)
            if key not in months:
                months[key] = Month(when.replace(day=1))
            months[key].audits.append(audit)
        calendars[programme.pk] = sorted(months.values(), key=lambda m: m.start)
    return calendars


def programme_series(programmes: QuerySet[AuditProgramme]) -> list[AuditProgramme]:
    """The version of each programme a reader sees first: the approved one, else the newest."""
    chosen: dict[str, AuditProgramme] = {}
    for version in programmes.order_by("code", "-number"):
        known = chosen.get(version.code)
        if known is None or (
            version.status == ApprovalStatus.APPROVED and known.status != ApprovalStatus.APPROVED
        ):
            chosen[version.code] = version
    return sorted(chosen.values(), key=lambda p: (p.period_start, p.code), reverse=True)


def next_audit(user: Any) -> Audit | None:
    """The next planned audit (fieldwork starting today or later) the user sees."""
    today = timezone.localdate()
    rows = restrict(Audit.objects.all(), user, VIEW).filter(
        status=AuditStatus.PLANNED, fieldwork_start__gte=today
    )
    return rows.order_by("fieldwork_start", "pk").first()


# --- The live records of a checklist row ------------------------------------------------------
@dataclass
class EvidenceInPeriod:
    evidence: Evidence
    version: EvidenceVersion | None


@dataclass
class RowRecords:
    """What a checklist row is about, as far as the reader sees it."""

    clause_assessment: ClauseAssessment | None = None
    soa_row: ApplicabilityStatement | None = None
    controls: list[Control] = field(default_factory=list)
    evidence: list[EvidenceInPeriod] = field(default_factory=list)


def row_records(audit: Audit, rows: list[ChecklistRow], user: Any) -> dict[int, RowRecords]:
    """The live records of each of ``rows`` (by row id): the clause assessment, the SoA row of
    the version in effect at the end of the audit period, the implementing controls and the
    evidence effective in the audit period, each as far as ``user`` sees it, in a number of
    queries that does not grow with the rows."""
    requirement_ids = [row.requirement_id for row in rows]
    assessments = {
        a.requirement_id: a
        for a in restrict(
            ClauseAssessment.objects.filter(requirement_id__in=requirement_ids), user, VIEW
        )
    }
    version = soa_in_effect(audit.period_end)
    soa_rows: dict[int, ApplicabilityStatement] = {}
    if version is not None:
        soa_rows = {
            r.requirement_id: r
            for r in restrict(
                ApplicabilityStatement.objects.filter(
                    soa=version, requirement_id__in=requirement_ids
                ).select_related("soa"),
                user,
                VIEW,
            )
        }
    controls = restrict(
        Control.objects.filter(requirements__in=requirement_ids).distinct(), user, VIEW
    ).prefetch_related("requirements")
    by_requirement: dict[int, list[Control]] = {}
    for control in controls.order_by("code"):
        for requirement in control.requirements.all():
            if requirement.pk in requirement_ids:
                by_requirement.setdefault(requirement.pk, []).append(control)
    evidence = restrict(
        Evidence.objects.filter(
            Q(controls__requirements__in=requirement_ids)
            | Q(applicability_statements__requirement__in=requirement_ids)
            | Q(clause_assessments__requirement__in=requirement_ids)
        ).distinct(),
        user,
        VIEW,
    ).prefetch_related("controls__requirements", "applicability_statements", "clause_assessments")
    items = list(evidence.order_by("title", "pk"))
    in_period = _versions_in_period([item.pk for item in items], audit)
    evidence_by_requirement: dict[int, list[EvidenceInPeriod]] = {}
    for item in items:
        linked = {r.pk for c in item.controls.all() for r in c.requirements.all()}
        linked |= {s.requirement_id for s in item.applicability_statements.all()}
        linked |= {a.requirement_id for a in item.clause_assessments.all()}
        shown = EvidenceInPeriod(item, in_period.get(item.pk))
        for requirement_id in linked & set(requirement_ids):
            evidence_by_requirement.setdefault(requirement_id, []).append(shown)
    return {
        row.pk: RowRecords(
            clause_assessment=assessments.get(row.requirement_id),
            soa_row=soa_rows.get(row.requirement_id),
            controls=by_requirement.get(row.requirement_id, []),
            evidence=evidence_by_requirement.get(row.requirement_id, []),
        )
        for row in rows
    }


def _versions_in_period(evidence_ids: list[int], audit: Audit) -> dict[int, EvidenceVersion]:
    """For each evidence id, the version an audit of ``audit``'s period cites (the rule of
    ``controls.selectors.evidence.evidence_version_in_period``: the newest version not
    rejected whose described period overlaps the audit period), in one query."""
    from audit.services.audits import versions_in_period

    rows = versions_in_period(
        EvidenceVersion.objects.filter(evidence_id__in=evidence_ids),
        audit.period_start,
        audit.period_end,
    ).order_by("evidence_id", "-number")
    chosen: dict[int, EvidenceVersion] = {}
    for version in rows:
        chosen.setdefault(version.evidence_id, version)
    return chosen


def citable_versions(audit: Audit, user: Any) -> QuerySet[EvidenceVersion]:
    """The evidence versions a finding of ``audit`` may cite that ``user`` sees: of evidence
    in the audit's scope, effective in its audit period."""
    from audit.services.audits import evidence_in_scope, versions_in_period

    rows = EvidenceVersion.objects.filter(evidence__in=evidence_in_scope(audit).values("pk"))
    rows = versions_in_period(rows, audit.period_start, audit.period_end)
    return restrict(rows.select_related("evidence"), user, VIEW).order_by(
        "evidence__title", "-number"
    )
