"""The one approval workflow's rules, one by one, on documents and impact assessments: each
step only from its state (a draft is never approved without review), who reviews, what
approving supersedes, the next version, what is frozen, and the comparison of versions."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from aims.choices import Action, ApprovalStatus
from aims.models import ChangeRecord, Document, DocumentVersion
from aims.models.approval import Approvable
from aims.services.approval import (
    CompareRow,
    approval_approve,
    approval_compare,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
    can_review,
    changed_content,
    compare_row,
    review_bar,
    shown,
)
from aims.services.documents import document_edit
from impact.models import ImpactAssessment
from impact.services import impact_assessment_approve
from tests.factories import DocumentFactory, ImpactAssessmentFactory


def version_of(document: Document) -> DocumentVersion:
    return document.versions.order_by("-number").first()


def records(version, action: str) -> int:
    return ChangeRecord.objects.filter(object_id=str(version.pk), action=action).count()


def refused(step, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        step(**kwargs)
    return " ".join(caught.value.messages)


@pytest.fixture
def draft(officer):
    return version_of(DocumentFactory(actor=officer))


@pytest.fixture
def in_review(officer):
    return version_of(DocumentFactory(actor=officer, state="in_review"))


def test_a_draft_document_is_never_approved_without_review(draft, executive):
    message = refused(approval_approve, actor=executive, version=draft)
    assert message == "Only a version in review can be approved."
    draft.refresh_from_db()
    assert draft.status == ApprovalStatus.DRAFT and draft.approved_by is None
    assert records(draft, Action.APPROVE) == 0


def test_a_draft_impact_assessment_is_never_approved_without_review(officer, executive):
    assessment = ImpactAssessmentFactory(actor=officer)
    message = refused(impact_assessment_approve, actor=executive, assessment=assessment)
    assert message == "Only a version in review can be approved."
    assert ImpactAssessment.objects.get(pk=assessment.pk).status == ApprovalStatus.DRAFT


def test_approved_and_superseded_versions_are_not_approved_again(officer, executive):
    document = DocumentFactory(actor=officer, state="approved", approver=executive)
    first = version_of(document)
    assert refused(approval_approve, actor=executive, version=first).startswith("Only a version")
    document_edit(actor=officer, document=document, content="Second")
    approval_submit(actor=officer, version=version_of(document))
    approval_approve(actor=executive, version=version_of(document))
    first.refresh_from_db()
    assert first.status == ApprovalStatus.SUPERSEDED
    assert refused(approval_approve, actor=executive, version=first).startswith("Only a version")


def test_approving_records_who_and_when_and_supersedes_the_version_in_force(officer, executive):
    document = DocumentFactory(actor=officer, state="approved", approver=executive)
    first = version_of(document)
    document_edit(actor=officer, document=document, content="Second")
    second = approval_submit(actor=officer, version=version_of(document))
    before = timezone.now()
    approved = approval_approve(actor=executive, version=second)
    assert approved.status == ApprovalStatus.APPROVED
    assert approved.approved_by == executive and approved.approved_at >= before
    first.refresh_from_db()
    assert first.status == ApprovalStatus.SUPERSEDED
    assert records(second, Action.APPROVE) == 1
    superseded = ChangeRecord.objects.filter(object_id=str(first.pk)).order_by("-id").first()
    assert superseded.after["status"] == ApprovalStatus.SUPERSEDED
    assert superseded.actor == executive
    assert list(DocumentVersion.objects.filter(document=document, status="approved")) == [second]


def test_the_author_never_approves_but_may_take_it_back(officer, in_review):
    assert refused(approval_approve, actor=officer, version=in_review) == (
        "Nobody approves their own work: another approver is needed."
    )
    returned = approval_return(actor=officer, version=in_review, comment="Not ready")
    assert returned.status == ApprovalStatus.DRAFT


def test_a_role_without_the_approval_right_neither_approves_nor_returns(operator, in_review):
    assert refused(approval_approve, actor=operator, version=in_review) == (
        "Your role cannot approve this document version."
    )
    assert refused(approval_return, actor=operator, version=in_review, comment="x") == (
        "Your role cannot review this document version."
    )
    in_review.refresh_from_db()
    assert in_review.status == ApprovalStatus.IN_REVIEW


def test_nobody_without_a_role_approves(in_review):
    assert "cannot approve" in refused(approval_approve, actor=None, version=in_review)


def test_can_review(officer, executive, operator, in_review, draft):
    assert can_review(executive, in_review)
    assert not can_review(officer, in_review)  # the author
    assert not can_review(operator, in_review)  # no approval right
    assert not can_review(executive, draft)  # not in review
    assert not can_review(None, in_review)


def test_returning_needs_a_reason_and_only_from_review(executive, in_review, draft):
    assert refused(approval_return, actor=executive, version=in_review, comment="  ") == (
        "Say what needs to change."
    )
    assert refused(approval_return, actor=executive, version=draft, comment="x") == (
        "Only a version in review can be returned."
    )
    returned = approval_return(actor=executive, version=in_review, comment="  Add owners  ")
    assert returned.status == ApprovalStatus.DRAFT
    assert returned.review_comment == "Add owners"
    assert records(in_review, Action.RETURN) == 1


def test_submitting_only_a_ready_draft(officer, executive, in_review):
    assert refused(approval_submit, actor=officer, version=in_review) == (
        "Only a draft can be submitted for review."
    )
    approval_return(actor=executive, version=in_review, comment="More")
    before = timezone.now()
    submitted = approval_submit(actor=officer, version=in_review)
    assert submitted.status == ApprovalStatus.IN_REVIEW
    assert submitted.submitted_at >= before and submitted.review_comment == ""
    assert records(in_review, Action.SUBMIT) == 2
    empty = version_of(DocumentFactory(actor=officer, content=""))
    assert "The draft is empty" in refused(approval_submit, actor=officer, version=empty)


def test_the_next_version_starts_only_from_the_latest_approved(officer, executive, draft):
    assert refused(approval_new_version, actor=officer, version=draft) == (
        "A new version starts from the approved version."
    )
    document = DocumentFactory(actor=officer, state="approved", approver=executive)
    first = version_of(document)
    new = approval_new_version(
        actor=executive, version=first, prepare=lambda v: setattr(v, "content", "Prepared")
    )
    assert (new.number, new.status, new.author, new.content) == (
        2,
        ApprovalStatus.DRAFT,
        executive,
        "Prepared",
    )
    assert new.approved_by is None and new.approved_at is None and new.submitted_at is None
    assert new.review_comment == ""
    assert records(new, Action.CREATE) == 1
    first.refresh_from_db()
    assert first.status == ApprovalStatus.APPROVED
    assert refused(approval_new_version, actor=officer, version=first) == (
        "A newer version exists already."
    )
    plain = approval_new_version(
        actor=officer,
        version=version_of(DocumentFactory(actor=officer, state="approved", approver=executive)),
    )
    assert plain.content == "What is done, by whom and when." and plain.number == 2


def test_frozen_and_in_review_versions_are_not_editable(officer, executive, in_review, draft):
    approval_editable(draft)
    assert "is in review" in refused(approval_editable, version=in_review)
    approved = approval_approve(actor=executive, version=in_review)
    assert "is approved and frozen" in refused(approval_editable, version=approved)
    approved.status = ApprovalStatus.SUPERSEDED
    assert refused(approval_editable, version=approved) == (
        "This version is superseded and frozen."
    )


def test_the_shape_of_a_version(officer, executive):
    document = DocumentFactory(actor=officer, state="approved", approver=executive)
    first = version_of(document)
    assert first.is_frozen
    assert DocumentVersion.series_column() == "document_id"
    assert first.series_key() == document.pk
    document_edit(actor=officer, document=document, content="Second")
    second = version_of(document)
    assert not second.is_frozen
    assert [v.number for v in second.versions()] == [1, 2]
    assert Approvable.approval_changes_on_approve(second) == {}
    assert Approvable.approval_check_submit(second) is None
    copy = Approvable.carry_forward(first)
    assert copy.pk is None and copy._state.adding and copy.content == first.content
    assert Approvable.carry_forward_relations(first, copy) is None


def test_the_database_keeps_the_invariants(officer, executive, in_review):
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=in_review.pk).update(
            status=ApprovalStatus.APPROVED, approved_by=officer, approved_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=in_review.pk).update(status=ApprovalStatus.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=in_review.pk).update(status="gone")
    approval_approve(actor=executive, version=in_review)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.create(
            document=in_review.document,
            number=2,
            status=ApprovalStatus.APPROVED,
            approved_by=executive,
            approved_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.create(document=in_review.document, number=1)


def test_shown_values_read_as_people_read_them(officer):
    document = DocumentFactory(actor=officer)
    assert shown(document, "kind") == str(document.get_kind_display())
    version = version_of(document)
    assert shown(version, "content") == "What is done, by whom and when."
    assert shown(version, "submitted_at") == ""

    class Thing:
        flag, other, items, pair = True, False, ["a", "b"], ("x", 1)

    assert [shown(Thing(), n) for n in ("flag", "other", "items", "pair")] == [
        "Yes",
        "No",
        "a, b",
        "x, 1",
    ]


def test_comparing_two_versions_row_by_row(officer, executive):
    document = DocumentFactory(actor=officer, state="approved", approver=executive)
    document_edit(actor=officer, document=document, content="Changed", change_summary="Why")
    left, right = document.versions.order_by("number")
    rows = approval_compare(left, right)
    assert [r.label for r in rows] == ["what changed", "content", "file name", "file SHA-256"]
    by_label = {r.label: r for r in rows}
    assert by_label["content"] == CompareRow(
        "content", "What is done, by whom and when.", "Changed", True
    )
    assert by_label["what changed"] == CompareRow("what changed", "", "Why", True)
    assert by_label["file name"].changed is False
    extra = approval_compare(
        left, right, extra=lambda a, b: [compare_row("n", str(a.number), str(b.number))]
    )
    assert extra[-1] == CompareRow("n", "1", "2", True)
    assert compare_row("x", "same", "same").changed is False


def test_the_platform_acting_without_a_person(officer, executive, draft):
    submitted = approval_submit(actor=None, version=draft)
    assert submitted.status == ApprovalStatus.IN_REVIEW
    assert (
        ChangeRecord.objects.filter(object_id=str(draft.pk), action=Action.SUBMIT).get().actor
        is None
    )
    approved = approval_approve(actor=executive, version=submitted)
    new = approval_new_version(actor=None, version=approved)
    assert new.author is None and new.status == ApprovalStatus.DRAFT


def test_the_workflow_constraints_are_the_migrated_ones(db):
    """The constraints every approvable model takes from ``approval_constraints`` are the
    ones its migrations created (a changed rule there needs a migration to hold)."""
    out = io.StringIO()
    call_command("makemigrations", "aims", "impact", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_next_version_is_checked_before_it_is_saved(officer, executive):
    document = DocumentFactory(actor=officer, state="approved", approver=executive)
    with pytest.raises(ValidationError) as caught:
        document_edit(actor=officer, document=document, content="New", change_summary="x" * 301)
    assert set(caught.value.message_dict) == {"change_summary"}
    assert document.versions.count() == 1


def test_nobody_signed_in_has_changed_or_is_barred_from_a_version(in_review, officer):
    """Without a person there is nothing to look up: no content changed, no bar (the role
    check refuses them); an unsaved version has no change records."""
    assert changed_content(AnonymousUser(), in_review) is False
    assert changed_content(None, in_review) is False
    assert review_bar(AnonymousUser(), in_review) is None
    unsaved = DocumentVersion(document=in_review.document)
    assert changed_content(officer, unsaved) is False
    assert changed_content(officer, in_review) is True
