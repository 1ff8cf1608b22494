"""Every write of the internal audit (9.2): programmes (the core approval workflow, approved
by the officer), audits (scope, team, dates, status), impartiality declarations, checklist
rows, findings (a major or minor nonconformity opens a ``Nonconformity``) and audit reports
(the core approval workflow, issued by another internal auditor, frozen).

Keyword-only, typed, atomic, the actor passed in, a change record in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, logged_update
from aims.choices import Action, ApprovalStatus
from aims.models import AISystem, ClauseAssessment, Requirement
from aims.models.changelog import ChangeRecord
from aims.roles import Capability, has_capability
from aims.services.accounts import Actor
from aims.services.approval import (
    CONTENT_ACTIONS,
    approval_approve,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
)
from audit.choices import (
    NONCONFORMITY_KINDS,
    AuditStatus,
    ChecklistResult,
    FindingKind,
    NonconformitySource,
    Severity,
)
from audit.models import (
    Audit,
    AuditorAccess,
    AuditProgramme,
    AuditReport,
    ChecklistRow,
    Finding,
    ImpartialityDeclaration,
)
from controls.choices import EvidenceReview
from controls.models import ApplicabilityStatement, Control, Evidence, EvidenceVersion

PROGRAMME_FIELDS = (
    "code",
    "title",
    "period_start",
    "period_end",
    "objectives",
    "criteria",
    "frequency",
    "methods",
    "responsibilities",
    "previous_results",
    "owner",
)
AUDIT_FIELDS = (
    "title",
    "owner",
    "scope_description",
    "criteria",
    "method",
    "period_start",
    "period_end",
    "fieldwork_start",
    "fieldwork_end",
    "conclusions",
    "review_interval_days",
)
AUDIT_LINKS = ("team", "ai_systems", "requirements")
ROW_FIELDS = ("notes", "sample", "result", "auditor")
FINDING_FIELDS = ("kind", "title", "description", "evidence_notes", "checklist_row", "owner")
REPORT_FIELDS = ("summary", "conclusions", "revision_reason")


def _person(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _refuse_unknown(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})


def _require_auditor(user: Any, field: str, label: str) -> None:
    if user is not None and not has_capability(user, Capability.MANAGE_AUDITS):
        raise ValidationError({field: [_("%(who)s must be an internal auditor.") % {"who": label}]})


# --- Programmes -------------------------------------------------------------------------------
@transaction.atomic
def audit_programme_create(*, actor: Actor, code: str, title: str, **data: Any) -> AuditProgramme:
    """Draft version 1 of a programme (an internal auditor drafts it, the officer approves)."""
    _refuse_unknown(data, PROGRAMME_FIELDS)
    if AuditProgramme.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A programme with this code exists already.")]})
    programme = AuditProgramme(
        code=code, title=title, author=_person(actor), owner=data.pop("owner", _person(actor))
    )
    for name, value in data.items():
        setattr(programme, name, value)
    programme.full_clean()
    programme.save()
    change_record(actor=actor, action=Action.CREATE, obj=programme)
    return programme


@transaction.atomic
def audit_programme_update(
    *, actor: Actor, programme: AuditProgramme, **data: Any
) -> AuditProgramme:
    """Change a draft programme (an approved one is frozen: start a new version)."""
    _refuse_unknown(data, PROGRAMME_FIELDS)
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    approval_editable(programme)
    if "code" in data and data["code"] != programme.code:
        raise ValidationError({"code": [_("The versions of a programme share its code.")]})
    with logged(programme, actor=actor):
        for name, value in data.items():
            setattr(programme, name, value)
        programme.full_clean()
        programme.save()
    return programme


def audit_programme_submit(*, actor: Actor, programme: AuditProgramme) -> AuditProgramme:
    return approval_submit(actor=actor, version=programme)


def audit_programme_approve(*, actor: Actor, programme: AuditProgramme) -> AuditProgramme:
    """The officer approves the programme (not its author)."""
    return approval_approve(actor=actor, version=programme)


def audit_programme_return(
    *, actor: Actor, programme: AuditProgramme, comment: str
) -> AuditProgramme:
    return approval_return(actor=actor, version=programme, comment=comment)


def audit_programme_new_version(*, actor: Actor, programme: AuditProgramme) -> AuditProgramme:
    return approval_new_version(actor=actor, version=programme)


# --- Audits -----------------------------------------------------------------------------------
def _check_audit(audit: Audit, team: list[Any] | None) -> None:
    errors: dict[str, list[str]] = {}
    if audit.owner_id is None:
        errors["owner"] = [_("Name the lead auditor.")]
    elif not has_capability(audit.owner, Capability.MANAGE_AUDITS):
        errors["owner"] = [_("The lead auditor must be an internal auditor.")]
    if team is not None:
        outsiders = [str(u) for u in team if not has_capability(u, Capability.MANAGE_AUDITS)]
        if outsiders:
            errors["team"] = [
                _("Only internal auditors join the audit team: %(names)s.")
                % {"names": ", ".join(outsiders)}
            ]
    if errors:
        raise ValidationError(errors)


def _set_links(audit: Audit, links: dict[str, Any]) -> None:
    for name in AUDIT_LINKS:
        if links.get(name) is not None:
            getattr(audit, name).set(list(links[name]))


@transaction.atomic
def audit_create(*, actor: Actor, programme: AuditProgramme, title: str, **data: Any) -> Audit:
    """Plan an audit within a programme: its scope (the AI systems sampled, the requirements
    in scope), criteria, method, audit period, fieldwork dates, the lead auditor (``owner``,
    the actor by default) and team. Records the team's impartiality declarations."""
    _refuse_unknown(data, (*AUDIT_FIELDS, *AUDIT_LINKS))
    links = {name: data.pop(name, None) for name in AUDIT_LINKS}
    audit = Audit(programme=programme, title=title, owner=data.pop("owner", _person(actor)))
    for name, value in data.items():
        setattr(audit, name, value)
    team = list(links["team"]) if links["team"] is not None else None
    _check_audit(audit, team)
    audit.full_clean()
    audit.save()
    _set_links(audit, links)
    change_record(actor=actor, action=Action.CREATE, obj=audit)
    audit_impartiality_refresh(actor=actor, audit=audit)
    return audit


@transaction.atomic
def audit_update(*, actor: Actor, audit: Audit, **data: Any) -> Audit:
    """Change an audit that is not reported yet; its impartiality declarations follow the new
    team and scope."""
    _refuse_unknown(data, (*AUDIT_FIELDS, *AUDIT_LINKS))
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    if audit.status in (AuditStatus.REPORTED, AuditStatus.CLOSED):
        raise ValidationError(
            _("This audit is reported: a correction is a new revision of its report.")
        )
    links = {name: data.pop(name, None) for name in AUDIT_LINKS}
    with logged(audit, actor=actor):
        for name, value in data.items():
            setattr(audit, name, value)
        team = list(links["team"]) if links["team"] is not None else None
        _check_audit(audit, team)
        audit.full_clean()
        audit.save()
        _set_links(audit, links)
    audit_impartiality_refresh(actor=actor, audit=audit)
    return audit


@transaction.atomic
def audit_start(*, actor: Actor, audit: Audit) -> Audit:
    """Planned → in progress (fieldwork starts). Refused while the lead auditor has not
    confirmed, with a reason, each auditor who owns or changed a record in scope."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    if audit.status != AuditStatus.PLANNED:
        raise ValidationError(_("Only a planned audit can start."))
    audit_impartiality_refresh(actor=actor, audit=audit)
    open_ = list(audit.impartiality.filter(confirmed_by__isnull=True).select_related("auditor"))
    if open_:
        raise ValidationError(
            _(
                "Fieldwork cannot start: the lead auditor must first confirm, with a reason, "
                "that these auditors may audit records of their own: %(names)s."
            )
            % {"names": ", ".join(str(d.auditor) for d in open_)}
        )
    logged_update(audit, actor=actor, status=AuditStatus.IN_PROGRESS)
    audit_checklist_generate(actor=actor, audit=audit)
    return audit


@transaction.atomic
def audit_close(*, actor: Actor, audit: Audit) -> Audit:
    """Reported → closed."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    if audit.status != AuditStatus.REPORTED:
        raise ValidationError(_("Only a reported audit can be closed."))
    logged_update(audit, actor=actor, status=AuditStatus.CLOSED)
    return audit


# --- Impartiality -----------------------------------------------------------------------------
def records_in_scope(audit: Audit) -> list[tuple[Any, QuerySet[Any]]]:
    """The records an audit looks at, as (label, queryset): the AI systems sampled, their
    risks, impact assessments, controls and evidence, and for the requirements in scope their
    clause assessments, SoA rows, implementing controls and evidence."""
    from impact.models import ImpactAssessment
    from risk.models import Risk

    systems = list(audit.ai_systems.values_list("pk", flat=True))
    requirements = list(audit.requirements.values_list("pk", flat=True))
    controls = Control.objects.filter(
        Q(ai_systems__in=systems) | Q(requirements__in=requirements)
    ).distinct()
    rows = ApplicabilityStatement.objects.filter(requirement__in=requirements)
    assessments = ClauseAssessment.objects.filter(requirement__in=requirements)
    evidence = Evidence.objects.filter(
        Q(ai_systems__in=systems)
        | Q(controls__in=controls.values("pk"))
        | Q(applicability_statements__in=rows.values("pk"))
        | Q(clause_assessments__in=assessments.values("pk"))
    ).distinct()
    return [
        (_("AI system"), AISystem.objects.filter(pk__in=systems)),
        (_("Risk"), Risk.objects.filter(ai_systems__in=systems).distinct()),
        (_("Impact assessment"), ImpactAssessment.objects.filter(ai_system__in=systems)),
        (_("Control"), controls),
        (_("Evidence"), evidence),
        (_("Clause assessment"), assessments),
        (_("SoA row"), rows.select_related("requirement")),
    ]


def _own_work(audit: Audit, people: list[int]) -> dict[int, list[str]]:
    """For each of ``people``: the records in scope they own or changed, one line each."""
    found: dict[int, list[str]] = {pk: [] for pk in people}
    for label, rows in records_in_scope(audit):
        model: type[Model] = rows.model
        ids = list(rows.values_list("pk", flat=True)[:5000])
        if not ids:
            continue
        names = {r.pk: str(r) for r in model._default_manager.filter(pk__in=ids)}
        hits: dict[int, dict[int, str]] = {}
        if any(f.name == "owner" for f in model._meta.fields):
            for pk, owner in model._default_manager.filter(
                pk__in=ids, owner_id__in=people
            ).values_list("pk", "owner_id"):
                hits.setdefault(owner, {})[pk] = _("owns")
        kind = ContentType.objects.get_for_model(model, for_concrete_model=False)
        changes = ChangeRecord.objects.filter(
            content_type=kind,
            object_id__in=[str(pk) for pk in ids],
            actor_id__in=people,
            action__in=CONTENT_ACTIONS,
        ).values_list("actor_id", "object_id")
        for actor_id, object_id in changes.distinct():
            hits.setdefault(actor_id, {}).setdefault(int(object_id), _("changed"))
        for person, records in hits.items():
            for pk, how in sorted(records.items()):
                found[person].append(f"{label}: {names.get(pk, pk)} ({how})")
    return found


@transaction.atomic
def audit_impartiality_refresh(*, actor: Actor, audit: Audit) -> list[ImpartialityDeclaration]:
    """Record a declaration for each auditor of the team (and the lead) who owns or changed a
    record in the audit's scope, saying what it is; returns the unconfirmed ones (the page
    warns about them). A declaration whose records changed is confirmed again."""
    people: list[int] = sorted(
        {*audit.team.values_list("pk", flat=True), *([audit.owner_id] if audit.owner_id else [])}
    )
    own = _own_work(audit, people) if people else {}
    for person, lines in own.items():
        if not lines:
            continue
        conflict = "\n".join(lines)[:10000]
        known = ImpartialityDeclaration.objects.filter(audit=audit, auditor_id=person).first()
        if known is None:
            declaration = ImpartialityDeclaration.objects.create(
                audit=audit, auditor_id=person, conflict=conflict
            )
            change_record(actor=actor, action=Action.CREATE, obj=declaration)
        elif known.conflict != conflict and known.confirmed_by_id is None:
            logged_update(known, actor=actor, conflict=conflict)
    return list(audit.impartiality.filter(confirmed_by__isnull=True).select_related("auditor"))


@transaction.atomic
def impartiality_confirm(
    *, actor: Actor, declaration: ImpartialityDeclaration, reason: str
) -> ImpartialityDeclaration:
    """The lead auditor confirms, with a reason, that the auditor may still audit the audit
    (their own records in scope are recorded)."""
    declaration = ImpartialityDeclaration.objects.select_for_update().get(pk=declaration.pk)
    person = _person(actor)
    if person is None or declaration.audit.owner_id != person.pk:
        raise ValidationError(_("Only the audit's lead auditor confirms impartiality."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the auditor may still audit this.")]})
    logged_update(
        declaration,
        actor=actor,
        action=Action.APPROVE,
        confirmed_by=person,
        confirmed_at=timezone.now(),
        reason=reason.strip(),
    )
    return declaration


# --- External auditors' access ----------------------------------------------------------------
@transaction.atomic
def auditor_access_grant(
    *, actor: Actor, audit: Audit, user: Any, access_from: Any, access_until: Any
) -> AuditorAccess:
    """Name an external auditor on an audit with their access window (the officer or the
    audit's lead auditor)."""
    person = _person(actor)
    if person is not None and not (
        has_capability(person, Capability.CHANGE_ALL_RECORDS) or audit.owner_id == person.pk
    ):
        raise ValidationError(_("Only the officer or the lead auditor names external auditors."))
    from aims.choices import Role
    from aims.roles import user_roles

    if Role.EXTERNAL_AUDITOR not in user_roles(user):
        raise ValidationError({"user": [_("Choose a user with the external auditor role.")]})
    if AuditorAccess.objects.filter(audit=audit, user=user).exists():
        raise ValidationError({"user": [_("This auditor is named on the audit already.")]})
    if access_until <= access_from:
        raise ValidationError({"access_until": [_("The window must end after it starts.")]})
    access = AuditorAccess(
        audit=audit, user=user, access_from=access_from, access_until=access_until
    )
    access.full_clean()
    access.save()
    change_record(actor=actor, action=Action.CREATE, obj=access)
    return access


@transaction.atomic
def auditor_access_revoke(*, actor: Actor, access: AuditorAccess) -> None:
    person = _person(actor)
    if person is not None and not (
        has_capability(person, Capability.CHANGE_ALL_RECORDS) or access.audit.owner_id == person.pk
    ):
        raise ValidationError(_("Only the officer or the lead auditor names external auditors."))
    change_record(actor=actor, action=Action.DELETE, obj=access, after=None, object_id=access.pk)
    access.delete()


# --- Checklist --------------------------------------------------------------------------------
@transaction.atomic
def audit_checklist_generate(*, actor: Actor, audit: Audit) -> int:
    """A checklist row for each requirement in scope that has none (idempotent); returns how
    many were made."""
    held = set(audit.checklist.values_list("requirement_id", flat=True))
    requirements = audit.requirements.order_by("framework_id", "order", "pk")
    made = 0
    for order, requirement in enumerate(requirements, start=1):
        if requirement.pk in held:
            continue
        row = ChecklistRow.objects.create(audit=audit, requirement=requirement, order=order)
        change_record(actor=actor, action=Action.CREATE, obj=row)
        made += 1
    return made


def _fieldwork_open(audit: Audit) -> None:
    if audit.status == AuditStatus.PLANNED:
        raise ValidationError(
            _("Fieldwork has not started: start the audit (status in progress) first.")
        )
    if audit.status in (AuditStatus.REPORTED, AuditStatus.CLOSED):
        raise ValidationError(
            _("This audit is reported: its checklist and findings are frozen with the report.")
        )


@transaction.atomic
def checklist_row_update(*, actor: Actor, row: ChecklistRow, **data: Any) -> ChecklistRow:
    """The auditor's notes, the items sampled and the result of one row (during fieldwork)."""
    _refuse_unknown(data, ROW_FIELDS)
    row = ChecklistRow.objects.select_for_update().select_related("audit").get(pk=row.pk)
    _fieldwork_open(row.audit)
    if "auditor" in data:
        _require_auditor(data["auditor"], "auditor", _("The auditor"))
    elif row.auditor_id is None and _person(actor) is not None:
        data["auditor"] = _person(actor)
    if data.get("result") is not None and data["result"] not in ChecklistResult.values:
        raise ValidationError({"result": [_("Choose one of the results.")]})
    with logged(row, actor=actor):
        for name, value in data.items():
            setattr(row, name, value if value is not None or name == "auditor" else "")
        row.full_clean()
        row.save()
    return row


# --- Findings ---------------------------------------------------------------------------------
def evidence_in_scope(audit: Audit) -> QuerySet[Evidence]:
    """The evidence an audit may cite: linked to a requirement in scope (through the controls
    implementing it, its SoA rows or its clause assessment) or to an AI system sampled."""
    systems = audit.ai_systems.values("pk")
    requirements = audit.requirements.values("pk")
    return Evidence.objects.filter(
        Q(ai_systems__in=systems)
        | Q(controls__requirements__in=requirements)
        | Q(applicability_statements__requirement__in=requirements)
        | Q(clause_assessments__requirement__in=requirements)
    ).distinct()


def versions_in_period(queryset: QuerySet[EvidenceVersion], start: date, end: date) -> Any:
    """Versions (not rejected) whose described period overlaps ``start`` … ``end`` (the rule of
    ``controls.selectors.evidence.evidence_version_in_period``)."""
    ends = Q(effective_until__isnull=True, effective_from__gte=start) | Q(
        effective_until__gte=start
    )
    return queryset.exclude(review_status=EvidenceReview.REJECTED).filter(
        ends, effective_from__lte=end
    )


def _check_finding(
    audit: Audit, requirement: Requirement, kind: str, versions: list[EvidenceVersion] | None
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in FindingKind.values:
        errors["kind"] = [_("Choose one of the kinds of finding.")]
    if not audit.requirements.filter(pk=requirement.pk).exists():
        errors["requirement"] = [_("Choose a requirement in the audit's scope.")]
    if versions:
        ids = {v.pk for v in versions}
        in_scope = set(
            EvidenceVersion.objects.filter(
                pk__in=ids, evidence__in=evidence_in_scope(audit).values("pk")
            ).values_list("pk", flat=True)
        )
        in_period = set(
            versions_in_period(
                EvidenceVersion.objects.filter(pk__in=in_scope),
                audit.period_start,
                audit.period_end,
            ).values_list("pk", flat=True)
        )
        outside = [v for v in versions if v.pk not in in_scope]
        stale = [v for v in versions if v.pk in in_scope and v.pk not in in_period]
        messages = []
        if outside:
            messages.append(
                _(
                    "These evidence versions are outside the audit's scope (not linked to a "
                    "requirement in scope or to a sampled AI system): %(ids)s."
                )
                % {"ids": ", ".join(str(v.pk) for v in outside)}
            )
        if stale:
            messages.append(
                _(
                    "These evidence versions were not effective in the audit period "
                    "%(start)s – %(end)s: %(ids)s."
                )
                % {
                    "start": audit.period_start.isoformat(),
                    "end": audit.period_end.isoformat(),
                    "ids": ", ".join(str(v.pk) for v in stale),
                }
            )
        if messages:
            errors["evidence_versions"] = messages
    if errors:
        raise ValidationError(errors)


def _open_nonconformity(actor: Actor, finding: Finding) -> Any:
    """A major or minor nonconformity finding opens its nonconformity record (10.2)."""
    from audit.services.nonconformities import nonconformity_create

    severity = Severity.MAJOR if finding.kind == FindingKind.MAJOR_NONCONFORMITY else Severity.MINOR
    return nonconformity_create(
        actor=actor,
        source=NonconformitySource.AUDIT_FINDING,
        finding=finding,
        title=finding.title,
        description=finding.description,
        requirement=finding.requirement,
        severity=severity,
        ai_systems=list(finding.audit.ai_systems.all()),
        owner=None,
    )


@transaction.atomic
def finding_create(
    *,
    actor: Actor,
    audit: Audit,
    requirement: Requirement,
    kind: str,
    title: str,
    description: str,
    evidence_versions: Iterable[EvidenceVersion] = (),
    **data: Any,
) -> Finding:
    """Record a finding of an audit in fieldwork against a requirement in its scope, citing
    the evidence versions seen (each linked to the audit's scope and effective in its audit
    period). A major or minor nonconformity opens its nonconformity record."""
    _refuse_unknown(data, FINDING_FIELDS)
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    _fieldwork_open(audit)
    versions = list(evidence_versions)
    _check_finding(audit, requirement, kind, versions)
    row = data.get("checklist_row")
    if row is None:
        row = audit.checklist.filter(requirement=requirement).first()
    elif row.audit_id != audit.pk or row.requirement_id != requirement.pk:
        raise ValidationError({"checklist_row": [_("Choose this audit's row of the requirement.")]})
    finding = Finding(
        audit=audit,
        requirement=requirement,
        kind=kind,
        title=title,
        description=description,
        checklist_row=row,
        evidence_notes=data.get("evidence_notes", ""),
        owner=data.get("owner", _person(actor)),
    )
    finding.full_clean()
    finding.save()
    finding.evidence_versions.set(versions)
    change_record(actor=actor, action=Action.CREATE, obj=finding)
    if kind in NONCONFORMITY_KINDS:
        _open_nonconformity(actor, finding)
    return finding


@transaction.atomic
def finding_update(*, actor: Actor, finding: Finding, **data: Any) -> Finding:
    """Change a finding while its audit is in fieldwork (the same checks as on creation); a
    finding that becomes a nonconformity opens its record."""
    _refuse_unknown(data, (*FINDING_FIELDS, "requirement", "evidence_versions"))
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    audit = finding.audit
    _fieldwork_open(audit)
    versions = data.pop("evidence_versions", None)
    versions = list(versions) if versions is not None else None
    requirement = data.pop("requirement", finding.requirement)
    kind = data.get("kind", finding.kind)
    _check_finding(audit, requirement, kind, versions)
    if (
        finding.kind in NONCONFORMITY_KINDS
        and kind not in NONCONFORMITY_KINDS
        and _has_nonconformity(finding)
    ):
        raise ValidationError(
            {"kind": [_("This finding opened a nonconformity: it stays a nonconformity.")]}
        )
    with logged(finding, actor=actor):
        finding.requirement = requirement
        for name, value in data.items():
            setattr(finding, name, value)
        finding.full_clean()
        finding.save()
        if versions is not None:
            finding.evidence_versions.set(versions)
    if kind in NONCONFORMITY_KINDS and not _has_nonconformity(finding):
        _open_nonconformity(actor, finding)
    return finding


def _has_nonconformity(finding: Finding) -> bool:
    from audit.models import Nonconformity

    return Nonconformity.objects.filter(finding=finding).exists()


# --- Reports ----------------------------------------------------------------------------------
def _person_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def audit_snapshot(audit: Audit) -> dict[str, Any]:
    """The audit as its report states it: scope, criteria, team, method, sample, checklist
    results and findings by requirement (codes, names and texts, in the organisation's
    language), read now and frozen with the report revision."""
    audit = Audit.objects.select_related("programme", "owner").get(pk=audit.pk)
    with translation.override(settings.LANGUAGE_CODE):
        requirements = list(
            audit.requirements.select_related("framework").order_by("framework_id", "order", "pk")
        )
        rows = {
            r.requirement_id: r
            for r in audit.checklist.select_related("auditor").order_by("order", "pk")
        }
        findings = list(
            audit.findings.select_related("requirement")
            .prefetch_related("evidence_versions__evidence")
            .order_by("requirement__order", "pk")
        )
        by_requirement: dict[int, list[dict[str, Any]]] = {}
        for finding in findings:
            by_requirement.setdefault(finding.requirement_id, []).append(
                {
                    "id": finding.pk,
                    "kind": finding.kind,
                    "title": finding.title,
                    "description": finding.description,
                    "evidence": [
                        {
                            "id": v.pk,
                            "evidence": v.evidence.title,
                            "version": v.number,
                            "sha256": v.file_sha256,
                        }
                        for v in sorted(finding.evidence_versions.all(), key=lambda v: v.pk)
                    ],
                    "evidence_notes": finding.evidence_notes,
                }
            )
        return {
            "audit": {"id": audit.pk, "title": audit.title},
            "programme": {"code": audit.programme.code, "title": audit.programme.title},
            "scope": audit.scope_description,
            "ai_systems": [str(s) for s in audit.ai_systems.order_by("name", "pk")],
            "criteria": audit.criteria,
            "method": audit.method,
            "period": [audit.period_start.isoformat(), audit.period_end.isoformat()],
            "fieldwork": [
                audit.fieldwork_start.isoformat() if audit.fieldwork_start else "",
                audit.fieldwork_end.isoformat() if audit.fieldwork_end else "",
            ],
            "lead": _person_name(audit.owner),
            "team": [_person_name(u) for u in audit.team.order_by("username")],
            "requirements": [
                {
                    "id": r.pk,
                    "framework": r.framework.name,
                    "ref_id": r.ref_id,
                    "name": r.name,
                    "result": rows[r.pk].result if r.pk in rows else ChecklistResult.NOT_ASSESSED,
                    "notes": rows[r.pk].notes if r.pk in rows else "",
                    "sample": rows[r.pk].sample if r.pk in rows else "",
                    "findings": by_requirement.get(r.pk, []),
                }
                for r in requirements
            ],
            "findings_count": {
                kind: sum(1 for f in findings if f.kind == kind) for kind in FindingKind.values
            },
            "conclusions": audit.conclusions,
        }


@transaction.atomic
def audit_report_issue(
    *,
    actor: Actor,
    audit: Audit,
    summary: str = "",
    conclusions: str = "",
    revision_reason: str = "",
) -> AuditReport:
    """Draft the next report revision with the audit's snapshot and submit it for issue
    (another internal auditor approves). A revision after an issued report is a correction:
    it needs a reason."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    if audit.status == AuditStatus.PLANNED:
        raise ValidationError(_("The audit has not started: there is nothing to report yet."))
    if audit.status == AuditStatus.CLOSED:
        raise ValidationError(_("This audit is closed."))
    latest = audit.reports.select_for_update().order_by("-number").first()
    fields = {
        "summary": (summary or "").strip(),
        "conclusions": (conclusions or "").strip(),
        "revision_reason": (revision_reason or "").strip(),
    }
    if latest is not None and latest.status == ApprovalStatus.IN_REVIEW:
        raise ValidationError(_("A revision of this report is in review already."))
    issued = audit.reports.filter(
        status__in=(ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED)
    ).exists()
    if issued and not fields["revision_reason"]:
        raise ValidationError(
            {
                "revision_reason": [
                    _("The report is issued: a correction is a new revision with a reason.")
                ]
            }
        )
    content = audit_snapshot(audit)
    content["conclusions"] = fields["conclusions"] or content["conclusions"]
    if latest is None:
        report = AuditReport(audit=audit, author=_person(actor), content=content, **fields)
        report.full_clean()
        report.save()
        change_record(actor=actor, action=Action.CREATE, obj=report)
    elif latest.status == ApprovalStatus.APPROVED:

        def prepare(new: AuditReport) -> None:
            new.content = content
            for name, value in fields.items():
                setattr(new, name, value)

        report = approval_new_version(actor=actor, version=latest, prepare=prepare)
    else:  # a draft (returned): it takes the audit as it stands now
        report = latest
        with logged(report, actor=actor):
            report.content = content
            for name, value in fields.items():
                setattr(report, name, value)
            report.full_clean()
            report.save()
    return approval_submit(actor=actor, version=report)


@transaction.atomic
def audit_report_update(*, actor: Actor, report: AuditReport, **data: Any) -> AuditReport:
    """Change a draft revision's summary, conclusions or reason (an issued one is frozen)."""
    _refuse_unknown(data, REPORT_FIELDS)
    report = AuditReport.objects.select_for_update().get(pk=report.pk)
    approval_editable(report)
    with logged(report, actor=actor):
        for name, value in data.items():
            setattr(report, name, (value or "").strip())
        report.full_clean()
        report.save()
    return report


def audit_report_submit(*, actor: Actor, report: AuditReport) -> AuditReport:
    return approval_submit(actor=actor, version=report)


@transaction.atomic
def audit_report_approve(*, actor: Actor, report: AuditReport) -> AuditReport:
    """Issue the revision (another internal auditor approves it): it is frozen and the audit
    is reported."""
    report = approval_approve(actor=actor, version=report)
    audit = Audit.objects.select_for_update().get(pk=report.audit_id)
    if audit.status == AuditStatus.IN_PROGRESS:
        logged_update(audit, actor=actor, status=AuditStatus.REPORTED)
    return report


def audit_report_return(*, actor: Actor, report: AuditReport, comment: str) -> AuditReport:
    return approval_return(actor=actor, version=report, comment=comment)


def audit_report_new_version(
    *, actor: Actor, report: AuditReport, revision_reason: str = ""
) -> AuditReport:
    """A correction of an issued report: a new draft revision, with its reason."""
    if not (revision_reason or "").strip():
        raise ValidationError(
            {
                "revision_reason": [
                    _("The report is issued: a correction is a new revision with a reason.")
                ]
            }
        )

    def prepare(new: AuditReport) -> None:
        new.revision_reason = revision_reason.strip()
        new.content = audit_snapshot(new.audit)

    return approval_new_version(actor=actor, version=report, prepare=prepare)
