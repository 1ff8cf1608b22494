"""Every read of the internal audit (9.2): programmes, audits, checklist rows with the live
records they are about, findings, reports and external auditors' access. Querysets come
restricted to what the user may see (``aims.scope.restrict``) with what their pages read,
in a number of queries that does not grow with the rows."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from aims.choices import ApprovalStatus
from aims.counts import count_of
from aims.models import AISystem, ClauseAssessment
from aims.pagination import KeysetPage, paginate_keyset
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
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlRequirement,
    Evidence,
    EvidenceVersion,
)
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
        .annotate(findings_count=count_of(Finding.objects.all(), "audit"))
    )


def audit_details() -> QuerySet[Audit]:
    return audit_rows().prefetch_related("requirements__framework")


def checklist_rows() -> QuerySet[ChecklistRow]:
    return ChecklistRow.objects.select_related(
        "audit", "requirement", "requirement__framework", "auditor"
    ).annotate(findings_count=count_of(Finding.objects.all(), "checklist_row"))


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
class RowSummary:
    """What a checklist row is about, as far as the reader sees it, counted: the workspace
    lists every row of an audit, and one Annex A requirement may have hundreds of controls
    and thousands of pieces of evidence; the row's own page lists them."""

    clause_assessment: ClauseAssessment | None = None
    soa_row: ApplicabilityStatement | None = None
    controls: int = 0
    evidence: int = 0
    evidence_in_period: int = 0


def _assessments_and_soa_rows(
    audit: Audit, requirement_ids: list[int], user: Any
) -> tuple[dict[int, ClauseAssessment], dict[int, ApplicabilityStatement]]:
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
    return assessments, soa_rows


def _evidence_links(requirement_ids: list[int], *, with_requirement: bool = True) -> Any:
    """(requirement id, evidence id), or the evidence id alone, of every piece of evidence
    linked to one of ``requirement_ids``: through a control satisfying it, one of its SoA
    rows or its clause assessment (each once)."""
    paths = (
        (
            ControlRequirement.objects.filter(
                requirement_id__in=requirement_ids, control__evidence__isnull=False
            ),
            "requirement_id",
            "control__evidence",
        ),
        (
            Evidence.applicability_statements.through.objects.filter(
                applicabilitystatement__requirement_id__in=requirement_ids
            ),
            "applicabilitystatement__requirement_id",
            "evidence_id",
        ),
        (
            Evidence.clause_assessments.through.objects.filter(
                clauseassessment__requirement_id__in=requirement_ids
            ),
            "clauseassessment__requirement_id",
            "evidence_id",
        ),
    )
    first, *rest = (
        (
            rows.values_list(requirement, evidence)
            if with_requirement
            else rows.values_list(evidence)
        ).order_by()
        for rows, requirement, evidence in paths
    )
    return first.union(*rest)


def row_summaries(audit: Audit, rows: list[ChecklistRow], user: Any) -> dict[int, RowSummary]:
    """The summary of each of ``rows`` (by row id): the clause assessment, the SoA row of the
    version in effect at the end of the audit period, how many controls satisfying the
    requirement and how much evidence linked to it the user sees, and how much of that
    evidence has a version effective in the audit period; counted in SQL, in a number of
    queries that grows neither with the rows nor with the records behind them."""
    requirement_ids = [row.requirement_id for row in rows]
    if not requirement_ids:
        return {}
    assessments, soa_rows = _assessments_and_soa_rows(audit, requirement_ids, user)
    controls = dict(
        ControlRequirement.objects.filter(
            requirement_id__in=requirement_ids,
            control__in=restrict(Control.objects.all(), user, VIEW).values("pk"),
        )
        .values("requirement_id")
        .annotate(n=Count("control_id", distinct=True))
        .values_list("requirement_id", "n")
    )
    evidence = _evidence_counts(audit, requirement_ids, user)
    summaries = {}
    for row in rows:
        total, in_period = evidence.get(row.requirement_id, (0, 0))
        summaries[row.pk] = RowSummary(
            clause_assessment=assessments.get(row.requirement_id),
            soa_row=soa_rows.get(row.requirement_id),
            controls=controls.get(row.requirement_id, 0),
            evidence=total,
            evidence_in_period=in_period,
        )
    return summaries


def _evidence_counts(
    audit: Audit, requirement_ids: list[int], user: Any
) -> dict[int, tuple[int, int]]:
    """requirement id → (evidence the user sees linked to it, of which with a version
    effective in the audit period), one statement composed of the querysets that state each
    rule once (links, visibility, the period)."""
    from audit.services.audits import versions_in_period

    links_sql, links_params = _evidence_links(requirement_ids).query.sql_with_params()
    # The period's rule, compiled with the link's evidence as its outer reference.
    dated_sql, dated_params = (
        versions_in_period(
            EvidenceVersion.objects.filter(evidence_id=RawSQL("link.evidence_id", ())),
            audit.period_start,
            audit.period_end,
        )
        .values("pk")
        .order_by()
        .query.sql_with_params()
    )
    visible = restrict(Evidence.objects.all(), user, VIEW)
    seen_sql, seen_params = "", []
    if visible.query.where:  # a reader who sees only part of the evidence
        sql, params = visible.values("pk").order_by().query.sql_with_params()
        seen_sql, seen_params = f"WHERE link.evidence_id IN ({sql})", list(params)
    statement = (
        f"SELECT link.requirement_id, count(*), count(*) FILTER (WHERE EXISTS ({dated_sql})) "
        f"FROM ({links_sql}) AS link (requirement_id, evidence_id) {seen_sql} "
        f"GROUP BY link.requirement_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*dated_params, *links_params, *seen_params])
        return {requirement: (total, in_period) for requirement, total, in_period in cursor}


@dataclass
class RowRecords:
    """The records of one checklist row the reader sees: the summary, every control
    satisfying the requirement, and a page of the evidence linked to it with the version of
    each effective in the audit period."""

    summary: RowSummary
    controls: list[Control]
    evidence: KeysetPage


def row_records(
    row: ChecklistRow, user: Any, cursor: str | None = None, page: Any = None
) -> RowRecords:
    """The records of ``row`` for its page: the evidence a page of ``EVIDENCE_PAGE`` at a time
    (at ``cursor``, or page number ``page``; the first page when neither is valid), in a fixed
    number of queries."""
    audit = row.audit
    summary = row_summaries(audit, [row], user)[row.pk]
    controls = list(
        restrict(
            Control.objects.filter(requirement_links__requirement_id=row.requirement_id),
            user,
            VIEW,
        )
        .distinct()
        .order_by("code", "pk")
    )
    linked = _evidence_links([row.requirement_id], with_requirement=False)
    evidence = restrict(Evidence.objects.filter(pk__in=linked), user, VIEW).order_by("title", "pk")
    counted = summary.evidence  # counted already, with the same rules
    try:
        shown = paginate_keyset(
            evidence, cursor=cursor, page=page, per_page=EVIDENCE_PAGE, count=counted
        )
    except ValidationError:
        shown = paginate_keyset(evidence, per_page=EVIDENCE_PAGE, count=counted)
    items = list(shown.object_list)
    in_period = _versions_in_period([item.pk for item in items], audit)
    # The page shows each piece of evidence with its version effective in the period.
    shown.object_list = [EvidenceInPeriod(item, in_period.get(item.pk)) for item in items]
    return RowRecords(summary=summary, controls=controls, evidence=shown)


EVIDENCE_PAGE = 50


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
