"""Management review (9.3): the inputs assembled as of the review date, the workflow where
top management signs off, the freezing at sign-off (stored inputs and a byte-identical pack
after the risks change), and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from aims.choices import Action, ApprovalStatus, ReportStatus
from aims.models.changelog import ChangeRecord
from aims.services.reports import report_job_create, report_job_render
from audit.choices import ActionStatus, ReviewInput
from audit.models import ManagementReview, Nonconformity, ReviewAction
from audit.review_inputs import SECTIONS, assemble_inputs
from audit.services import review as services
from risk.services.register import risk_update
from tests.factories import (
    ContextIssueFactory,
    InterestedPartyFactory,
    ObjectiveResultFactory,
    RiskFactory,
)
from tests.factories.review import ManagementReviewFactory, ReviewActionFactory, make_executive

pytestmark = pytest.mark.django_db


def make_nc(reference: str, **fields):
    """A nonconformity raised directly (made on the model: its services are another part's)."""
    return Nonconformity.objects.create(
        reference=reference,
        title=fields.pop("title", f"Nonconformity {reference}"),
        description="The procedure was not followed.",
        severity=fields.pop("severity", "minor"),
        raised_on=fields.pop("raised_on", timezone.localdate()),
        **fields,
    )


def section(inputs, code):
    return next(s for s in inputs["sections"] if s["code"] == code)


def labels(found):
    return [item["label"] for item in found["items"]]


def test_every_input_has_its_section_in_order(officer):
    review = ManagementReviewFactory(actor=officer)
    inputs = assemble_inputs(review)
    assert [s["code"] for s in inputs["sections"]] == list(ReviewInput.values)
    assert inputs["held_on"] == review.held_on.isoformat()
    # Without a period start and without a previous review: twelve months back.
    assert inputs["period_start"] == (review.held_on - timedelta(days=365)).isoformat()


def test_a_nonconformity_of_the_period_is_listed_and_a_later_one_is_not(officer):
    held_on = timezone.localdate() - timedelta(days=1)
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        make_nc(
            "NC-IN", title="Impact assessment not reviewed", raised_on=held_on - timedelta(days=2)
        )
    make_nc("NC-LATER", title="Raised after the review")  # created today, after held_on
    review = ManagementReviewFactory(actor=officer, held_on=held_on)
    found = section(assemble_inputs(review), ReviewInput.NONCONFORMITIES)
    assert labels(found) == ["NC-IN Impact assessment not reviewed"]
    figures = {f["label"]: f["value"] for f in found["figures"]}
    assert figures["Raised in the period"] == 1
    assert figures["Open on the review date"] == 1
    assert found["trend"] == [{"month": f"{held_on - timedelta(days=2):%Y-%m}", "count": 1}]


def test_context_changes_come_from_the_change_log_of_the_period(officer):
    held_on = timezone.localdate()
    with time_machine.travel(timezone.now() - timedelta(days=500)):
        old = ContextIssueFactory(actor=officer, title="Old issue")
    ContextIssueFactory(actor=officer, title="New regulation")
    review = ManagementReviewFactory(actor=officer, held_on=held_on)
    found = section(assemble_inputs(review), ReviewInput.EXTERNAL_INTERNAL_ISSUES)
    assert any("New regulation" in label for label in labels(found))
    assert not any(old.title in label for label in labels(found))
    assert found["history"] is True


def test_period_starts_at_the_previous_signed_review(officer):
    first = ManagementReviewFactory(
        actor=officer, state="approved", held_on=timezone.localdate() - timedelta(days=90)
    )
    second = ManagementReviewFactory(actor=officer)
    assert assemble_inputs(second)["period_start"] == first.held_on.isoformat()


def test_previous_reviews_actions_are_an_input(officer):
    earlier = ManagementReviewFactory(
        actor=officer, held_on=timezone.localdate() - timedelta(days=30)
    )
    ReviewActionFactory(actor=officer, review=earlier, title="Train every developer")
    executive = earlier.attendees.get()
    earlier = services.management_review_submit(actor=officer, review=earlier)
    services.management_review_sign_off(actor=executive, review=earlier)
    review = ManagementReviewFactory(actor=officer)
    found = section(assemble_inputs(review), ReviewInput.PREVIOUS_ACTIONS)
    assert labels(found) == [f"{earlier.code}: Train every developer"]


def test_sign_off_freezes_the_inputs_and_a_risk_change_leaves_them(officer):
    risk = RiskFactory(actor=officer, title="Biased screening", ai_systems=[])
    review = ManagementReviewFactory(actor=officer, state="in_review")
    executive = review.attendees.get()
    review = services.management_review_sign_off(actor=executive, review=review)
    review.refresh_from_db()
    assert review.status == ApprovalStatus.APPROVED
    assert review.approved_by == executive
    stored = review.inputs
    assert section(stored, ReviewInput.RISKS)["figures"][0]["value"] == 1
    risk_update(actor=officer, risk=risk, residual_likelihood=5, residual_impact=5)
    RiskFactory(actor=officer, ai_systems=[])
    review.refresh_from_db()
    assert review.inputs == stored
    assert assemble_inputs(review) != stored  # the live data did change


def _pack(user, review):
    job = report_job_create(
        actor=user,
        kind="management_review",
        format="pdf",
        language="ja",
        parameters={"review": review.pk},
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


def test_a_signed_reviews_pack_is_byte_for_byte_the_same_after_the_risks_change(officer):
    risk = RiskFactory(actor=officer, title="リスク", ai_systems=[])
    review = ManagementReviewFactory(actor=officer, state="in_review", title="年度レビュー")
    ReviewAction.objects.count()
    services.management_review_sign_off(actor=review.attendees.get(), review=review)
    review.refresh_from_db()
    first = _pack(officer, review)
    assert first.startswith(b"%PDF")
    risk_update(actor=officer, risk=risk, residual_likelihood=5, residual_impact=5)
    RiskFactory(actor=officer, ai_systems=[])
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        second = _pack(officer, review)
    assert second == first


def test_refused_sign_off_by_the_officer_who_has_no_right(officer):
    review = ManagementReviewFactory(actor=officer, state="in_review")
    with pytest.raises(ValidationError):
        services.management_review_sign_off(actor=officer, review=review)
    review.refresh_from_db()
    assert review.status == ApprovalStatus.IN_REVIEW and review.inputs == {}


def test_refused_sign_off_by_the_author(executive):
    review = ManagementReviewFactory(actor=executive, attendees=[executive], state="in_review")
    with pytest.raises(ValidationError, match="own work"):
        services.management_review_sign_off(actor=executive, review=review)
    review.refresh_from_db()
    assert review.status == ApprovalStatus.IN_REVIEW


def test_refused_without_top_management_among_the_attendees(officer):
    review = ManagementReviewFactory(actor=officer, attendees=[officer])
    with pytest.raises(ValidationError, match="Top management"):
        services.management_review_submit(actor=officer, review=review)
    review.refresh_from_db()
    assert review.status == ApprovalStatus.DRAFT


def test_refused_sign_off_when_top_management_left_the_attendees(officer):
    """The attendees of a review in review cannot change; a review submitted with top
    management whose executive was deactivated since is refused at sign-off."""
    review = ManagementReviewFactory(actor=officer, state="in_review")
    absent = review.attendees.get()
    absent.is_active = False
    absent.save()
    signer = make_executive()
    with pytest.raises(ValidationError, match="Top management"):
        services.management_review_sign_off(actor=signer, review=review)
    review.refresh_from_db()
    assert review.status == ApprovalStatus.IN_REVIEW


def test_editing_a_signed_review_is_refused(officer):
    review = ManagementReviewFactory(actor=officer, state="approved")
    before = ChangeRecord.objects.count()
    with pytest.raises(ValidationError, match="frozen"):
        services.management_review_update(actor=officer, review=review, title="Changed")
    with pytest.raises(ValidationError, match="frozen"):
        services.management_review_annotate(
            actor=officer, review=review, section=ReviewInput.RISKS, text="late note"
        )
    with pytest.raises(ValidationError, match="frozen"):
        services.review_action_create(actor=officer, review=review, decision="d", title="t")
    review.refresh_from_db()
    assert review.title != "Changed" and review.annotations == {}
    assert ChangeRecord.objects.count() == before


def test_a_signed_reviews_action_is_tracked_but_its_decision_stays(officer):
    review = ManagementReviewFactory(actor=officer, state="draft")
    action = ReviewActionFactory(actor=officer, review=review, decision="Keep it")
    review = services.management_review_submit(actor=officer, review=review)
    services.management_review_sign_off(actor=review.attendees.get(), review=review)
    with pytest.raises(ValidationError):
        services.review_action_update(actor=officer, action=action, decision="Rewritten")
    done = services.review_action_complete(actor=officer, action=action)
    assert done.status == ActionStatus.DONE and done.completed_on == timezone.localdate()
    done.refresh_from_db()
    assert done.decision == "Keep it"
    with pytest.raises(ValidationError, match="done"):
        services.review_action_complete(actor=officer, action=done)


def test_every_write_leaves_a_change_record(officer):
    review = ManagementReviewFactory(actor=officer)
    services.management_review_update(actor=officer, review=review, minutes="Discussed")
    services.management_review_annotate(
        actor=officer, review=review, section=ReviewInput.AUDITS, text="Two audits"
    )
    action = services.review_action_create(
        actor=officer, review=review, decision="Decide", title="Act"
    )
    actions = list(
        ChangeRecord.objects.filter(actor=officer).order_by("id").values_list("action", flat=True)
    )
    assert actions == [Action.CREATE, Action.UPDATE, Action.UPDATE, Action.CREATE]
    review.refresh_from_db()
    assert review.annotations == {ReviewInput.AUDITS: "Two audits"}
    assert action.review_id == review.pk


def test_bad_input_is_refused_with_nothing_changed(officer):
    review = ManagementReviewFactory(actor=officer, code="MR-X")
    with pytest.raises(ValidationError) as error:
        services.management_review_create(
            actor=officer, code="MR-X", title="t", held_on=timezone.localdate()
        )
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.management_review_update(
            actor=officer, review=review, period_start=review.held_on + timedelta(days=1)
        )
    assert "period_start" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.management_review_annotate(actor=officer, review=review, section="nope", text="x")
    assert "section" in error.value.message_dict
    review.refresh_from_db()
    assert review.period_start is None and review.annotations == {}
    assert ManagementReview.objects.count() == 1


def test_a_correction_carries_the_content_forward(officer):
    review = ManagementReviewFactory(actor=officer)
    ReviewActionFactory(actor=officer, review=review, title="Carry me")
    services.management_review_annotate(
        actor=officer, review=review, section=ReviewInput.SOA, text="SoA note"
    )
    review = services.management_review_submit(actor=officer, review=review)
    signed = services.management_review_sign_off(actor=review.attendees.get(), review=review)
    new = services.management_review_new_version(actor=officer, review=signed)
    assert new.number == 2 and new.status == ApprovalStatus.DRAFT and new.inputs == {}
    assert new.annotations == {ReviewInput.SOA: "SoA note"}
    assert list(new.actions.values_list("title", flat=True)) == ["Carry me"]
    assert set(new.attendees.all()) == set(signed.attendees.all())


@pytest.mark.parametrize("code", list(ReviewInput.values))
def test_each_section_runs_a_constant_number_of_queries(
    officer, code, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.review_inputs import review_period

    def records(start: int, count: int) -> None:
        for n in range(start, start + count):
            make_nc(f"NC-{n}")
            ContextIssueFactory(actor=officer)
            InterestedPartyFactory(actor=officer)
            RiskFactory(actor=officer, ai_systems=[])
            ObjectiveResultFactory(actor=officer, measured_on=timezone.localdate())
            ReviewActionFactory(actor=officer, review=earlier)
            make_audit_with_findings(officer, timezone.localdate() - timedelta(days=n + 1))

    earlier = ManagementReviewFactory(
        actor=officer, held_on=timezone.localdate() - timedelta(days=1)
    )
    records(0, 1)
    earlier = services.management_review_submit(actor=officer, review=earlier)
    services.management_review_sign_off(actor=earlier.attendees.get(), review=earlier)
    review = ManagementReviewFactory(actor=officer)
    period = review_period(review)
    with CaptureQueriesContext(connection) as few:
        SECTIONS[code](review, period)
    assert few.captured_queries
    ManagementReview.objects.filter(pk=earlier.pk).update(status=ApprovalStatus.DRAFT)
    records(1, 30)
    ManagementReview.objects.filter(pk=earlier.pk).update(status=ApprovalStatus.APPROVED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        SECTIONS[code](review, period)


def test_a_drafts_pack_renders_live_in_english_and_bad_parameters_are_refused(officer):
    import shutil
    import subprocess

    review = ManagementReviewFactory(actor=officer, title="Annual review")
    ReviewActionFactory(actor=officer, review=review, title="Write the model cards")
    job = report_job_create(
        actor=officer,
        kind="management_review",
        format="pdf",
        language="en",
        parameters={"review": review.pk},
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        assert "Risks and their treatment" in text and "Write the model cards" in text
        assert "Not signed off yet." in text
    for parameters in ({}, {"review": "abc"}, {"review": review.pk, "other": 1}):
        with pytest.raises(ValidationError):
            report_job_create(
                actor=officer,
                kind="management_review",
                format="pdf",
                language="en",
                parameters=parameters,
            )


def make_audit_with_findings(officer, fieldwork_start):
    """An audit with a minor nonconformity, an observation and an opportunity (made on the
    models: the audits' services are another part's)."""
    from audit.models import Audit, AuditProgramme, Finding
    from tests.factories import RequirementFactory

    programme = AuditProgramme.objects.create(
        code=f"FY-{fieldwork_start:%Y%m%d}",
        title="Programme",
        period_start=fieldwork_start - timedelta(days=30),
        period_end=fieldwork_start + timedelta(days=300),
    )
    audit = Audit.objects.create(
        programme=programme,
        title=f"Audit of {fieldwork_start}",
        owner=officer,
        period_start=fieldwork_start - timedelta(days=90),
        period_end=fieldwork_start,
        fieldwork_start=fieldwork_start,
        fieldwork_end=fieldwork_start,
    )
    requirement = RequirementFactory()
    for kind in ("minor_nonconformity", "observation", "opportunity"):
        Finding.objects.create(
            audit=audit, requirement=requirement, kind=kind, title=f"{kind} found", description="-"
        )
    return audit


def test_audit_results_and_improvement_opportunities_of_the_period(officer):
    today = timezone.localdate()
    make_audit_with_findings(officer, today - timedelta(days=10))
    make_audit_with_findings(officer, today - timedelta(days=700))  # an earlier period
    review = ManagementReviewFactory(actor=officer)
    inputs = assemble_inputs(review)
    audits = section(inputs, ReviewInput.AUDITS)
    assert labels(audits) == [f"Audit of {today - timedelta(days=10)}"]
    figures = {f["label"]: f["value"] for f in audits["figures"]}
    assert figures["Audits"] == 1 and figures["Minor nonconformity"] == 1
    improvement = section(inputs, ReviewInput.IMPROVEMENT)
    # Findings are dated by when they were recorded: both audits' were recorded today.
    assert sorted(labels(improvement)) == sorted(["observation found", "opportunity found"] * 2)
