"""What each section of an evidence pack holds, by clause of ISO/IEC 42001.

Registers go in as JSON Lines (one record a line, in the shape the change log records them:
``aims.changelog.snapshot``), read as the requester sees them and narrowed to the pack's AI
systems: the records that existed at the period end (created by then), each as it stood then
(its last change record by then; ``_state`` says so, or ``current`` for a record the log holds
nothing of by then). The SoA version in effect at the period end, the approved audit reports
and the signed-off management reviews go in as the PDFs (and XLSX) their own report kinds
render; the risk and control registers also as the XLSX of theirs (as they stand when the pack
is built). The approved versions (policy, SoA, impact assessments, reports, reviews) are the
frozen ones in force in the period.
"""

from __future__ import annotations

import json
import mimetypes
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from aims.changelog import snapshot
from aims.choices import ApprovalStatus, DocumentKind
from aims.models import ReportJob
from aims.registry import registry
from aims.scope import SystemsOrOrganisation, ThroughSystems, restrict, scope_of
from audit.choices import PackSection
from audit.pack.writer import PackWriter

JSONL = "application/x-ndjson"
FROZEN = (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED)

#: The folder of each section in the pack.
FOLDERS = {
    PackSection.CONTEXT: "4-context",
    PackSection.LEADERSHIP: "5-leadership",
    PackSection.PLANNING: "6-planning",
    PackSection.SUPPORT: "7-support",
    PackSection.OPERATION: "8-operation",
    PackSection.EVALUATION: "9-evaluation",
    PackSection.IMPROVEMENT: "10-improvement",
    PackSection.EVIDENCE: "evidence",
    PackSection.CHANGE_LOG: "change-log",
}


@dataclass
class Build:
    """What one build reads with: the requester, the period and the AI systems."""

    user: Any
    period_from: date
    period_to: date
    #: The ids of the pack's AI systems; None: every system the requester sees.
    system_ids: list[int] | None
    language: str
    writer: PackWriter
    #: Evidence files the storage no longer holds (listed in the manifest as missing).
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def end(self) -> datetime:
        """The last instant of the period, in the organisation's time zone."""
        return timezone.make_aware(datetime.combine(self.period_to, time.max))

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.period_from, time.min))

    def rows(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """``queryset`` as the requester sees it, narrowed to the pack's AI systems (records
        of the organisation as a whole stay)."""
        rows = restrict(queryset, self.user)
        scope = scope_of(queryset.model)
        if self.system_ids is None or not isinstance(scope, ThroughSystems | SystemsOrOrganisation):
            return rows
        through = ThroughSystems(scope.path)
        chosen = through.condition(queryset.model, self.system_ids)
        if isinstance(scope, SystemsOrOrganisation):
            return rows.filter(chosen | ~through.condition(queryset.model, None))
        return rows.filter(chosen)


# --- ways of writing one item -------------------------------------------------------------------
def source_of(obj: Model, version: Any = None) -> dict[str, Any]:
    found = {"type": obj._meta.label_lower, "id": obj.pk}
    if version is not None:
        found["version"] = version
    return found


def approval_of(obj: Any) -> dict[str, Any] | None:
    approved_at = getattr(obj, "approved_at", None)
    if approved_at is None:
        return None
    by = getattr(obj, "approved_by", None)
    return {"by": by.get_username() if by is not None else None, "at": approved_at.isoformat()}


def _as_at(model: type[Model], objects: list[Any], end: datetime) -> Iterator[dict[str, Any]]:
    """Each of ``objects`` as it stood at ``end``: the state its last change record up to
    then holds (every governed change writes one; the last whole snapshot of the record);
    today's state, marked so, for a record the log holds nothing of by then (data loaded
    without the services)."""
    from django.contrib.contenttypes.models import ContentType

    from aims.models import ChangeRecord

    kind = ContentType.objects.get_for_model(model)
    states = dict(
        ChangeRecord.objects.filter(
            content_type=kind,
            object_id__in=[str(obj.pk) for obj in objects],
            timestamp__lte=end,
            # A whole snapshot (a workflow step or a grant may record only what it changed).
            after__has_key=model._meta.pk.attname,
        )
        .order_by("object_id", "-id")
        .distinct("object_id")
        .values_list("object_id", "after")
    )
    for obj in objects:
        state = states.get(str(obj.pk))
        if state is None:
            yield {**snapshot(obj), "_state": "current"}
        else:
            yield {**state, "_state": "as_at_period_end"}


def register(build: Build, path: str, queryset: QuerySet[Any], *, created: bool = True) -> None:
    """The rows of ``queryset`` the requester sees (created by the period end) as JSONL, each
    as it stood at the period end (``_as_at``: from the change log), not as it stands today."""
    rows = build.rows(queryset)
    if created and hasattr(queryset.model, "created_at"):
        rows = rows.filter(created_at__lte=build.end)
    model = queryset.model

    def lines() -> Iterator[str]:
        chunk: list[Any] = []
        for obj in rows.order_by("pk").iterator(chunk_size=500):
            chunk.append(obj)
            if len(chunk) == 500:
                yield from _lines(chunk)
                chunk = []
        yield from _lines(chunk)

    def _lines(objects: list[Any]) -> Iterator[str]:
        for state in _as_at(model, objects, build.end) if objects else []:
            yield json.dumps(state, ensure_ascii=False, sort_keys=True) + "\n"

    build.writer.add_lines(
        path, lines(), content_type=JSONL, source={"type": model._meta.label_lower}
    )


def report(build: Build, path: str, kind: str, fmt: str, raw: dict[str, Any], **meta: Any) -> None:
    """A file the report kind ``kind`` renders, as the requester would request it: rendered
    into a temporary file on disk, then copied into the pack."""
    found = registry.report_kind(kind)
    if found is None:
        return
    parameters = found.clean(build.user, raw)
    job = ReportJob(
        kind=kind,
        format=fmt,
        language=build.language,
        parameters=parameters,
        requested_by=build.user,
    )
    with tempfile.TemporaryFile() as scratch:
        found.render(job, scratch)
        scratch.seek(0)
        content_type = mimetypes.types_map.get(f".{fmt}", "application/octet-stream")
        build.writer.add(path, scratch, content_type=content_type, **meta)


def frozen_report(build: Build, path: str, kind: str, parameter: str, version: Any) -> None:
    """The file the report kind ``kind`` renders of an approved version (its format from
    ``path``), described in the manifest with the version and its approval."""
    meta = {"source": source_of(version, version.number), "approval": approval_of(version)}
    fmt = path.rsplit(".", 1)[-1]
    report(build, path, kind, fmt, {parameter: str(version.pk)}, **meta)


def stored_file(build: Build, path: str, field: Any, **meta: Any) -> None:
    """A stored file (evidence, a document version's file) copied in chunks."""
    content_type = meta.pop("content_type", "") or (
        mimetypes.guess_type(path)[0] or "application/octet-stream"
    )
    with field.open("rb") as source:
        build.writer.add(path, source, content_type=content_type, **meta)


def per_system_xlsx(build: Build, stem: str, kind: str) -> None:
    """The XLSX of a register's report kind: one of every system the requester sees, or one
    per chosen system (the registers filter by one AI system at a time)."""
    for system in [None] if build.system_ids is None else build.system_ids:
        suffix = "" if system is None else f"-ai-system-{system}"
        raw = {} if system is None else {"ai_system": str(system)}
        report(build, f"{stem}{suffix}.xlsx", kind, "xlsx", raw)


# --- the sections -------------------------------------------------------------------------------
def context(build: Build) -> None:
    from aims.models import AISystem, BusinessUnit, ContextIssue, InterestedParty, Organization

    folder = FOLDERS[PackSection.CONTEXT]
    # The organisation and its AIMS scope (4.3) as they stand: one record, however late it
    # was entered.
    organisation = Organization.objects.all()
    register(build, f"{folder}/organisation-and-scope.jsonl", organisation, created=False)
    register(build, f"{folder}/business-units.jsonl", BusinessUnit.objects.all())
    register(build, f"{folder}/context-issues.jsonl", ContextIssue.objects.all())
    register(build, f"{folder}/interested-parties.jsonl", InterestedParty.objects.all())
    systems = AISystem.objects.all()
    if build.system_ids is not None:
        systems = systems.filter(pk__in=build.system_ids)
    register(build, f"{folder}/ai-systems-in-scope.jsonl", systems)


def leadership(build: Build) -> None:
    """The AI policy's version in force at the period end (its text and its file)."""
    from aims.models import DocumentVersion

    folder = FOLDERS[PackSection.LEADERSHIP]
    versions = build.rows(
        DocumentVersion.objects.filter(
            document__kind=DocumentKind.AI_POLICY, status__in=FROZEN, approved_at__lte=build.end
        ).select_related("document", "approved_by")
    ).order_by("document_id", "-approved_at", "-pk")
    seen: set[int] = set()
    for version in versions:
        if version.document_id in seen:
            continue
        seen.add(version.document_id)
        base = f"{folder}/ai-policy/{version.document_id}/v{version.number}"
        meta = {"source": source_of(version, version.number), "approval": approval_of(version)}
        build.writer.add_json(f"{base}.json", snapshot(version), **meta)
        if version.file:
            stored_file(build, f"{base}/{_safe(version.file_name or 'file')}", version.file, **meta)


def planning(build: Build) -> None:
    from aims.models import Objective
    from controls.selectors.soa import soa_in_effect
    from impact.models import ImpactAssessment
    from risk.models import Risk, RiskAcceptance, RiskCriteria, RiskMatrix, TreatmentAction

    folder = FOLDERS[PackSection.PLANNING]
    register(build, f"{folder}/risk-matrices.jsonl", RiskMatrix.objects.all())
    register(build, f"{folder}/risk-criteria.jsonl", RiskCriteria.objects.all())
    per_system_xlsx(build, f"{folder}/risk-register", "risk_register")
    register(build, f"{folder}/risk-register-as-at-period-end.jsonl", Risk.objects.all())
    register(build, f"{folder}/risk-treatment-actions.jsonl", TreatmentAction.objects.all())
    register(build, f"{folder}/risk-acceptances.jsonl", RiskAcceptance.objects.all())
    soa = soa_in_effect(build.period_to, build.user)
    if soa is not None:
        for fmt in ("pdf", "xlsx"):
            frozen_report(build, f"{folder}/soa-v{soa.number}.{fmt}", "soa", "soa", soa)
    assessments = ImpactAssessment.objects.filter(status__in=FROZEN, approved_at__lte=build.end)
    register(build, f"{folder}/impact-assessments-approved.jsonl", assessments)
    register(build, f"{folder}/objectives.jsonl", Objective.objects.all())


def support(build: Build) -> None:
    from aims.models import ClauseAssessment, Document, DocumentVersion
    from aims.models.competence import CompetenceRecord, CompetenceRole

    folder = FOLDERS[PackSection.SUPPORT]
    # 7.2: the roles, the competence they require, and each person's assessed competence
    # (their training records are evidence, under evidence/).
    register(build, f"{folder}/competence-roles.jsonl", CompetenceRole.objects.all())
    register(build, f"{folder}/competence-records.jsonl", CompetenceRecord.objects.all())
    register(build, f"{folder}/documents.jsonl", Document.objects.all())
    versions = DocumentVersion.objects.filter(status__in=FROZEN, approved_at__lte=build.end)
    register(build, f"{folder}/document-versions-approved.jsonl", versions)
    register(build, f"{folder}/clause-assessments.jsonl", ClauseAssessment.objects.all())


def operation(build: Build) -> None:
    from aims.models import AISystem
    from controls.models import Control, ControlTest, Evidence

    folder = FOLDERS[PackSection.OPERATION]
    systems = build.rows(AISystem.objects.all())
    if build.system_ids is not None:
        systems = systems.filter(pk__in=build.system_ids)
    for system in systems.order_by("pk"):
        base = f"{folder}/ai-systems/{system.pk}"
        build.writer.add_json(f"{base}/ai-system.json", snapshot(system), source=source_of(system))
        evidence = Evidence.objects.filter(ai_systems=system)
        register(build, f"{base}/evidence.jsonl", evidence)
    per_system_xlsx(build, f"{folder}/control-register", "control_register")
    register(build, f"{folder}/controls.jsonl", Control.objects.all())
    register(build, f"{folder}/control-tests.jsonl", ControlTest.objects.all())


def evaluation(build: Build) -> None:
    from aims.models import ObjectiveResult
    from audit.models import Audit, AuditProgramme, AuditReport, Finding, ManagementReview

    folder = FOLDERS[PackSection.EVALUATION]
    register(build, f"{folder}/objective-results.jsonl", ObjectiveResult.objects.all())
    register(build, f"{folder}/audit-programmes.jsonl", AuditProgramme.objects.all())
    overlapping = Q(period_start__lte=build.period_to, period_end__gte=build.period_from)
    register(build, f"{folder}/audits.jsonl", Audit.objects.filter(overlapping))
    findings = Finding.objects.filter(
        audit__period_start__lte=build.period_to, audit__period_end__gte=build.period_from
    )
    register(build, f"{folder}/findings.jsonl", findings)
    reports = build.rows(
        AuditReport.objects.filter(
            status__in=FROZEN,
            approved_at__lte=build.end,
            audit__period_start__lte=build.period_to,
            audit__period_end__gte=build.period_from,
        ).select_related("approved_by")
    ).order_by("audit_id", "number")
    for item in reports:
        path = f"{folder}/audit-reports/audit-{item.audit_id}-v{item.number}.pdf"
        frozen_report(build, path, "audit_report", "report", item)
    reviews = build.rows(
        ManagementReview.objects.filter(
            status__in=FROZEN, held_on__gte=build.period_from, held_on__lte=build.period_to
        ).select_related("approved_by")
    ).order_by("held_on", "pk")
    for review in reviews:
        path = f"{folder}/management-reviews/{_safe(review.code)}-v{review.number}.pdf"
        frozen_report(build, path, "management_review", "review", review)


def improvement(build: Build) -> None:
    from audit.models import CorrectiveAction, Nonconformity

    folder = FOLDERS[PackSection.IMPROVEMENT]
    register(build, f"{folder}/nonconformities.jsonl", Nonconformity.objects.all())
    register(build, f"{folder}/corrective-actions.jsonl", CorrectiveAction.objects.all())


def _safe(name: str) -> str:
    """A file name safe in a ZIP on every system (no folders, no odd characters)."""
    kept = "".join(c if c.isalnum() or c in "-_.()" else "_" for c in name.strip())
    return kept.strip("._")[:120] or "file"


SECTIONS: dict[str, Callable[[Build], None]] = {
    PackSection.CONTEXT: context,
    PackSection.LEADERSHIP: leadership,
    PackSection.PLANNING: planning,
    PackSection.SUPPORT: support,
    PackSection.OPERATION: operation,
    PackSection.EVALUATION: evaluation,
    PackSection.IMPROVEMENT: improvement,
}
