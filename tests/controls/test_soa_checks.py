"""The four live consistency checks: each fires on a constructed case, names the row and the
records involved, blocks submission and approval, and lets it through once waived with a
reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aims.choices import ApprovalStatus
from controls.services import soa as services
from tests.factories import AISystemFactory, RiskFactory, TreatmentActionFactory
from tests.factories.documents import make_approver
from tests.factories.impact import ImpactAssessmentFactory
from tests.factories.soa import SoaFactory, annex, decide_all, make_control, make_evidence


@pytest.fixture
def soa(db, officer):
    """A draft with its 38 rows, all excluded with a justification: no check fails."""
    version = SoaFactory(library=True, actor=officer)
    decide_all(version, actor=officer)
    assert services.soa_checks(version) == []
    return version


def row_of(version, ref_id):
    return version.rows.get(requirement=annex(ref_id))


def failing(version, code):
    return [c for c in services.soa_checks(version) if c.code == code]


def test_excluded_but_a_risk_treatment_relies_on_it(soa, officer):
    risk = RiskFactory(title="Accuracy drifts", ai_systems=[AISystemFactory()])
    TreatmentActionFactory(risk=risk, controls=[annex("A.6.2.4")])
    [check] = failing(soa, "excluded_but_relied_on")
    assert check.ref_id == "A.6.2.4" and not check.waived
    assert [r.kind for r in check.records] == ["risk"]
    assert "Accuracy drifts" in check.records[0].label
    assert check.records[0].url == risk.get_absolute_url()


def test_excluded_but_relied_on_through_an_organisation_control(soa, officer):
    control = make_control("CTL-910", requirements=[annex("A.7.2")])
    action = TreatmentActionFactory()
    action.implementing_controls.set([control])
    [check] = failing(soa, "excluded_but_relied_on")
    assert check.ref_id == "A.7.2" and check.records[0].kind == "risk"


def test_excluded_but_an_impact_assessment_relies_on_it(soa, officer):
    assessment = ImpactAssessmentFactory()
    assessment.annex_controls.set([annex("A.5.2")])
    [check] = failing(soa, "excluded_but_relied_on")
    assert check.ref_id == "A.5.2"
    assert check.records[0].kind == "impact_assessment"
    assert check.records[0].url == assessment.get_absolute_url()


def test_applicable_with_no_implementing_control(soa, officer):
    services.soa_row_update(
        actor=officer,
        row=row_of(soa, "A.2.2"),
        applicable=True,
        justification_type="good_practice",
        justification="Every AIMS has a policy.",
    )
    [check] = failing(soa, "no_implementing_control")
    assert check.ref_id == "A.2.2"
    make_control("CTL-911", status="retired")  # a retired control implements nothing
    services.soa_row_update(
        actor=officer, row=row_of(soa, "A.2.2"), controls=[make_control("CTL-912")]
    )
    assert failing(soa, "no_implementing_control") == []


def test_implemented_with_no_evidence_valid_today(soa, officer):
    today = timezone.localdate()
    control = make_control("CTL-913")
    expired = make_evidence("Old audit", valid_until=today - timedelta(days=1), controls=[control])
    services.soa_row_update(
        actor=officer,
        row=row_of(soa, "A.6.2.6"),
        applicable=True,
        justification_type="good_practice",
        justification="Operation is monitored.",
        implementation_status="implemented",
        controls=[control],
    )
    [check] = failing(soa, "no_valid_evidence")
    assert check.ref_id == "A.6.2.6"
    assert check.records[0].kind == "evidence" and "Old audit" in check.records[0].label
    assert check.records[0].url == services.record_url(expired)
    # Evidence valid today on the row itself (or on a control) settles it.
    fresh = make_evidence("Monitoring log", valid_until=today)
    services.soa_row_update(actor=officer, row=row_of(soa, "A.6.2.6"), evidence=[fresh])
    assert failing(soa, "no_valid_evidence") == []


def test_rejected_or_future_evidence_is_not_valid_today(soa, officer):
    today = timezone.localdate()
    rejected = make_evidence("Rejected report", review_status="rejected")
    future = make_evidence("Next year", effective_from=today + timedelta(days=5))
    services.soa_row_update(
        actor=officer,
        row=row_of(soa, "A.6.2.6"),
        applicable=True,
        justification_type="good_practice",
        justification="x",
        implementation_status="implemented",
        controls=[make_control("CTL-914")],
        evidence=[rejected, future],
    )
    [check] = failing(soa, "no_valid_evidence")
    assert len(check.records) == 2


def test_risk_treatment_justification_with_no_linked_risk(soa, officer):
    services.soa_row_update(
        actor=officer,
        row=row_of(soa, "A.6.2.4"),
        applicable=True,
        justification_type="risk_treatment",
        justification="Treats the accuracy risk.",
        controls=[make_control("CTL-915")],
    )
    [check] = failing(soa, "risk_justification_without_risk")
    assert check.ref_id == "A.6.2.4"
    TreatmentActionFactory(controls=[annex("A.6.2.4")])
    assert failing(soa, "risk_justification_without_risk") == []


def test_a_failing_check_blocks_submission_until_waived(soa, officer):
    services.soa_row_update(
        actor=officer,
        row=row_of(soa, "A.2.2"),
        applicable=True,
        justification_type="good_practice",
        justification="Policy.",
    )
    with pytest.raises(ValidationError, match="consistency check"):
        services.soa_submit(actor=officer, soa=soa)
    soa.refresh_from_db()
    assert soa.status == ApprovalStatus.DRAFT
    services.soa_check_waive(
        actor=officer,
        soa=soa,
        requirement=annex("A.2.2"),
        check_code="no_implementing_control",
        reason="The approved policy is itself the measure.",
    )
    [check] = services.soa_checks(soa)
    assert check.waived and check.reason == "The approved policy is itself the measure."
    services.soa_submit(actor=officer, soa=soa)
    approved = services.soa_approve(actor=make_approver(), soa=soa)
    assert approved.status == ApprovalStatus.APPROVED
    assert approved.frozen_checks[0]["waived"] is True


@pytest.mark.parametrize(
    "case", ["relied_on", "no_control", "no_evidence", "no_risk"], ids=lambda c: c
)
def test_each_check_arising_in_review_blocks_approval_until_waived(soa, officer, case):
    """Checks are live: one that starts to fail while the version is in review (a risk now
    relies on an excluded control, evidence expired, a control retired, a risk closed) blocks
    the approval; a waiver (after a return to draft) lets it through."""
    today = timezone.localdate()
    row = row_of(soa, "A.6.2.4")
    control = make_control("CTL-920")
    evidence = make_evidence("Report", valid_until=today + timedelta(days=10))
    if case != "relied_on":
        action = TreatmentActionFactory(controls=[annex("A.6.2.4")])
        services.soa_row_update(
            actor=officer,
            row=row,
            applicable=True,
            justification_type="risk_treatment",
            justification="Treats the accuracy risk.",
            implementation_status="implemented",
            controls=[control],
            evidence=[evidence],
        )
    assert services.soa_checks(soa) == []
    soa = services.soa_submit(actor=officer, soa=soa)
    code = {
        "relied_on": "excluded_but_relied_on",
        "no_control": "no_implementing_control",
        "no_evidence": "no_valid_evidence",
        "no_risk": "risk_justification_without_risk",
    }[case]
    if case == "relied_on":
        TreatmentActionFactory(controls=[annex("A.6.2.4")])
    elif case == "no_control":
        type(control).objects.filter(pk=control.pk).update(status="retired")
    elif case == "no_evidence":
        type(evidence).objects.filter(pk=evidence.pk).update(valid_until=today - timedelta(days=1))
    else:
        type(action).objects.filter(pk=action.pk).update(status="cancelled")
    assert [c.code for c in services.soa_checks(soa)] == [code]
    approver = make_approver()
    with pytest.raises(ValidationError, match="consistency check"):
        services.soa_approve(actor=approver, soa=soa)
    soa.refresh_from_db()
    assert soa.status == ApprovalStatus.IN_REVIEW and soa.frozen_checks == []
    soa = services.soa_return(actor=approver, soa=soa, comment="Resolve the check.")
    services.soa_check_waive(
        actor=officer, soa=soa, requirement=annex("A.6.2.4"), check_code=code, reason="Accepted."
    )
    soa = services.soa_submit(actor=officer, soa=soa)
    approved = services.soa_approve(actor=approver, soa=soa)
    assert approved.status == ApprovalStatus.APPROVED
    assert [(c["code"], c["waived"], c["reason"]) for c in approved.frozen_checks] == [
        (code, True, "Accepted.")
    ]


def test_an_approved_version_names_relying_records_only_to_who_may_see_them(soa, officer, operator):
    """A frozen row keeps the label of each record relying on it when it was approved; a
    reader who may not see that record today is not told of it."""
    from controls.selectors.soa import soa_row_snapshots

    hidden = RiskFactory(title="Hidden drift", ai_systems=[AISystemFactory()])
    TreatmentActionFactory(risk=hidden, controls=[annex("A.6.2.4")])
    shown = RiskFactory(title="Shared drift", ai_systems=[AISystemFactory(granted_to=[operator])])
    TreatmentActionFactory(risk=shown, controls=[annex("A.6.2.4")])
    [check] = failing(soa, "excluded_but_relied_on")
    services.soa_check_waive(
        actor=officer,
        soa=soa,
        requirement=annex("A.6.2.4"),
        check_code=check.code,
        reason="Accepted for this version.",
    )
    approved = services.soa_approve(
        actor=make_approver(), soa=services.soa_submit(actor=officer, soa=soa)
    )

    def names(user):
        rows = soa_row_snapshots(approved, user)
        row = next(r for r in rows if r["requirement"]["ref_id"] == "A.6.2.4")
        labels = {r["label"] for r in row["relied_on_by"]}
        [frozen] = [c for c in services.soa_checks(approved, user) if c.ref_id == "A.6.2.4"]
        assert {r.label for r in frozen.records} == labels
        return labels

    everything = names(officer)
    assert any("Hidden drift" in label for label in everything)
    assert any("Shared drift" in label for label in everything)
    visible = names(operator)
    assert any("Shared drift" in label for label in visible)
    assert not any("Hidden drift" in label for label in visible)
