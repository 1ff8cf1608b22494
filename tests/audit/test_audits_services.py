"""The internal audit's services: programmes through the approval workflow, audits and their
impartiality, the checklist, findings (a nonconformity opened for an NC) and reports."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from aims.choices import ApprovalStatus
from aims.models import ChangeRecord
from audit.choices import AuditStatus, ChecklistResult
from audit.models import Audit, AuditReport, ChecklistRow, Finding, Nonconformity
from audit.services import audits as services
from controls.models import EvidenceVersion
from tests.factories import AISystemFactory, EvidenceFactory, RequirementFactory, RiskFactory
from tests.factories.audit import (
    AuditFactory,
    AuditProgrammeFactory,
    AuditReportFactory,
    FindingFactory,
    make_internal_auditor,
    make_officer,
)
from tests.factories.soa import make_control

pytestmark = pytest.mark.django_db


def _changes(obj) -> int:
    kind = ContentType.objects.get_for_model(obj)
    return ChangeRecord.objects.filter(content_type=kind, object_id=str(obj.pk)).count()


# --- Programmes -------------------------------------------------------------------------------
def test_a_programme_is_drafted_by_an_auditor_and_approved_by_the_officer():
    auditor = make_internal_auditor()
    programme = AuditProgrammeFactory(actor=auditor, state="in_review")
    approved = services.audit_programme_approve(actor=make_officer(), programme=programme)
    assert approved.status == ApprovalStatus.APPROVED
    assert _changes(approved) == 3  # create, submit, approve


def test_an_auditor_cannot_approve_a_programme():
    programme = AuditProgrammeFactory(actor=make_internal_auditor(), state="in_review")
    with pytest.raises(ValidationError, match="cannot approve"):
        services.audit_programme_approve(actor=make_internal_auditor(), programme=programme)
    programme.refresh_from_db()
    assert programme.status == ApprovalStatus.IN_REVIEW


def test_an_approved_programme_is_frozen_and_a_new_version_carries_it_forward():
    auditor = make_internal_auditor()
    programme = AuditProgrammeFactory(actor=auditor, state="approved")
    with pytest.raises(ValidationError, match="frozen"):
        services.audit_programme_update(actor=auditor, programme=programme, title="Changed")
    new = services.audit_programme_new_version(actor=auditor, programme=programme)
    assert (new.number, new.code, new.status) == (2, programme.code, ApprovalStatus.DRAFT)


# --- Audits and impartiality ------------------------------------------------------------------
def test_an_audit_records_its_scope_and_a_change_record():
    system = AISystemFactory()
    requirement = RequirementFactory()
    audit = AuditFactory(ai_systems=[system], requirements=[requirement])
    assert list(audit.ai_systems.all()) == [system]
    assert list(audit.requirements.all()) == [requirement]
    assert audit.status == AuditStatus.PLANNED
    assert _changes(audit) == 1


def test_the_lead_must_be_an_internal_auditor():
    with pytest.raises(ValidationError) as error:
        AuditFactory(lead=make_officer())
    assert "owner" in error.value.message_dict
    assert not Audit.objects.exists()


def test_an_auditor_who_owns_a_record_in_scope_is_declared_and_fieldwork_waits_for_the_lead():
    lead = make_internal_auditor("lead")
    member = make_internal_auditor("member")
    system = AISystemFactory()
    RiskFactory(ai_systems=[system], owner=member, title="Bias in screening")
    audit = AuditFactory(lead=lead, team=[member], ai_systems=[system])
    declaration = audit.impartiality.get()
    assert declaration.auditor == member
    assert "Bias in screening" in declaration.conflict
    with pytest.raises(ValidationError, match="Fieldwork cannot start"):
        services.audit_start(actor=lead, audit=audit)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNED
    assert not audit.checklist.exists()


def test_only_the_lead_confirms_impartiality_and_only_with_a_reason():
    lead = make_internal_auditor("lead")
    member = make_internal_auditor("member")
    system = AISystemFactory()
    RiskFactory(ai_systems=[system], owner=member)
    audit = AuditFactory(lead=lead, team=[member], ai_systems=[system])
    declaration = audit.impartiality.get()
    with pytest.raises(ValidationError, match="lead auditor"):
        services.impartiality_confirm(actor=member, declaration=declaration, reason="Fine")
    with pytest.raises(ValidationError) as error:
        services.impartiality_confirm(actor=lead, declaration=declaration, reason="  ")
    assert "reason" in error.value.message_dict
    declaration.refresh_from_db()
    assert declaration.confirmed_by is None
    services.impartiality_confirm(
        actor=lead, declaration=declaration, reason="Member audits only other systems' rows."
    )
    started = services.audit_start(actor=lead, audit=audit)
    assert started.status == AuditStatus.IN_PROGRESS


def test_an_auditor_who_changed_a_control_in_scope_is_declared():
    member = make_internal_auditor("member")
    requirement = RequirementFactory()
    control = make_control("CTL-9", requirements=[requirement])
    from aims.changelog import change_record

    change_record(actor=member, action="update", obj=control)
    audit = AuditFactory(team=[member], requirements=[requirement])
    assert "CTL-9" in audit.impartiality.get(auditor=member).conflict


# --- Checklist --------------------------------------------------------------------------------
def test_the_checklist_is_generated_once_per_requirement_in_scope():
    requirements = [RequirementFactory(), RequirementFactory()]
    audit = AuditFactory(requirements=requirements, state="in_progress")
    assert audit.checklist.count() == 2
    assert services.audit_checklist_generate(actor=audit.owner, audit=audit) == 0
    assert audit.checklist.count() == 2


def test_a_checklist_row_is_recorded_during_fieldwork_only():
    audit = AuditFactory()
    services.audit_checklist_generate(actor=audit.owner, audit=audit)
    row = audit.checklist.get()
    with pytest.raises(ValidationError, match="Fieldwork has not started"):
        services.checklist_row_update(actor=audit.owner, row=row, result="conforming")
    services.audit_start(actor=audit.owner, audit=audit)
    row = services.checklist_row_update(
        actor=audit.owner, row=row, result=ChecklistResult.CONFORMING, sample="3 records"
    )
    assert (row.result, row.auditor) == (ChecklistResult.CONFORMING, audit.owner)
    assert _changes(row) == 2


# --- Findings ---------------------------------------------------------------------------------
def _evidence_for(requirement, **fields):
    control = make_control(f"C-{requirement.pk}", requirements=[requirement])
    evidence = EvidenceFactory(ai_systems=[], **fields)
    evidence.controls.add(control)
    return evidence


def test_a_finding_cites_evidence_linked_to_the_scope_and_effective_in_the_period():
    requirement = RequirementFactory()
    audit = AuditFactory(requirements=[requirement], state="in_progress")
    evidence = _evidence_for(requirement, effective_from=datetime.date(2026, 3, 1))
    finding = FindingFactory(audit=audit, evidence_versions=[evidence.current_version])
    assert list(finding.evidence_versions.all()) == [evidence.current_version]
    assert finding.checklist_row == audit.checklist.get()


def test_a_finding_citing_evidence_outside_the_scope_is_refused():
    requirement = RequirementFactory()
    audit = AuditFactory(requirements=[requirement], state="in_progress")
    outside = EvidenceFactory(ai_systems=[AISystemFactory()])
    with pytest.raises(ValidationError) as error:
        FindingFactory(audit=audit, evidence_versions=[outside.current_version])
    assert "outside the audit's scope" in str(error.value.message_dict["evidence_versions"])
    assert not Finding.objects.exists()


def test_a_finding_citing_evidence_not_effective_in_the_period_is_refused():
    requirement = RequirementFactory()
    audit = AuditFactory(
        requirements=[requirement],
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 6, 30),
        state="in_progress",
    )
    evidence = _evidence_for(requirement, effective_from=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        FindingFactory(audit=audit, evidence_versions=[evidence.current_version])
    assert "not effective in the audit period" in str(error.value)
    assert not Finding.objects.exists()


def test_a_finding_on_a_requirement_outside_the_scope_is_refused():
    audit = AuditFactory(state="in_progress")
    with pytest.raises(ValidationError) as error:
        FindingFactory(audit=audit, requirement=RequirementFactory())
    assert "requirement" in error.value.message_dict


def test_a_minor_nonconformity_opens_a_nonconformity_with_a_change_record():
    system = AISystemFactory()
    audit = AuditFactory(ai_systems=[system], state="in_progress")
    finding = FindingFactory(audit=audit, kind="minor_nonconformity", title="No review record")
    nc = Nonconformity.objects.get(finding=finding)
    assert (nc.severity, nc.source, nc.title) == ("minor", "audit_finding", "No review record")
    assert list(nc.ai_systems.all()) == [system]
    assert _changes(nc) >= 1  # written in the same transaction as the finding


def test_an_observation_opens_no_nonconformity():
    FindingFactory(kind="observation")
    assert not Nonconformity.objects.exists()


def test_no_finding_before_fieldwork():
    audit = AuditFactory()
    with pytest.raises(ValidationError, match="Fieldwork has not started"):
        FindingFactory(audit=audit)


# --- Reports ----------------------------------------------------------------------------------
def test_issuing_a_report_snapshots_the_audit_and_approval_reports_it():
    requirement = RequirementFactory()
    audit = AuditFactory(requirements=[requirement], state="in_progress")
    FindingFactory(audit=audit, kind="opportunity", title="Automate the evidence")
    report = services.audit_report_issue(actor=audit.owner, audit=audit, conclusions="Conforms.")
    assert report.status == ApprovalStatus.IN_REVIEW
    item = report.content["requirements"][0]
    assert item["ref_id"] == requirement.ref_id
    assert item["findings"][0]["title"] == "Automate the evidence"
    assert report.content["conclusions"] == "Conforms."
    with pytest.raises(ValidationError, match="Nobody approves their own work"):
        services.audit_report_approve(actor=audit.owner, report=report)
    services.audit_report_approve(actor=make_internal_auditor(), report=report)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.REPORTED


def test_an_issued_report_is_frozen():
    report = AuditReportFactory(state="approved")
    with pytest.raises(ValidationError, match="frozen"):
        services.audit_report_update(actor=report.audit.owner, report=report, summary="New")
    report.refresh_from_db()
    assert report.summary == ""


def test_a_correction_needs_a_reason():
    report = AuditReportFactory(state="approved")
    audit = report.audit
    with pytest.raises(ValidationError) as error:
        services.audit_report_issue(actor=audit.owner, audit=audit)
    assert "revision_reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.audit_report_new_version(actor=audit.owner, report=report, revision_reason="")
    assert AuditReport.objects.count() == 1
    corrected = services.audit_report_issue(
        actor=audit.owner, audit=audit, revision_reason="Typo in the sample."
    )
    assert (corrected.number, corrected.revision_reason) == (2, "Typo in the sample.")


def test_a_reported_audit_refuses_findings_and_checklist_changes():
    audit = AuditFactory(state="reported")
    row = ChecklistRow.objects.get(audit=audit)
    with pytest.raises(ValidationError, match="reported"):
        services.checklist_row_update(actor=audit.owner, row=row, notes="late")
    with pytest.raises(ValidationError, match="reported"):
        FindingFactory(audit=audit)
    closed = services.audit_close(actor=audit.owner, audit=audit)
    assert closed.status == AuditStatus.CLOSED


def test_evidence_versions_in_the_period_follow_the_evidence_rule():
    requirement = RequirementFactory()
    evidence = _evidence_for(requirement, effective_from=datetime.date(2026, 2, 1))
    rows = services.versions_in_period(
        EvidenceVersion.objects.filter(evidence=evidence),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    assert list(rows) == [evidence.current_version]


def test_the_workspace_picks_the_version_the_evidence_helper_picks():
    from audit.selectors.audits import _versions_in_period
    from controls.selectors.evidence import evidence_version_in_period
    from controls.services.evidence import evidence_version_add

    requirement = RequirementFactory()
    evidence = _evidence_for(requirement, effective_from=datetime.date(2026, 2, 1))
    evidence_version_add(
        actor=None,
        evidence=evidence,
        url="https://example.com/2",
        effective_from=datetime.date(2026, 8, 1),
    )
    audit = AuditFactory(
        requirements=[requirement],
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
    )
    expected = evidence_version_in_period(evidence, audit.period_start, audit.period_end)
    assert expected is not None and expected.number == 1
    assert _versions_in_period([evidence.pk], audit)[evidence.pk] == expected
