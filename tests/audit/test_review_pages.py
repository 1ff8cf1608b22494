"""Management review pages: the list (constant queries), a review with its input sections
and notes, the officer preparing and annotating a review and recording a decision, top
management signing it off from the page, the frozen inputs once signed, refusals shown as
messages with nothing changed, the dashboard figure, clause evidence and the inbox."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.choices import ApprovalStatus
from audit.choices import ReviewInput
from audit.models import ManagementReview
from tests.audit.test_review_services import make_nc
from tests.factories.review import ManagementReviewFactory, ReviewActionFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_list_runs_a_constant_number_of_queries(officer, client_for, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(officer)
    ManagementReviewFactory(actor=officer)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("management_reviews"), **EN).status_code == 200
    for _ in range(30):
        ManagementReviewFactory(actor=officer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("management_reviews"), **EN)
    assert response.content.decode().count('data-testid="review-row"') == 31


def test_the_officer_prepares_annotates_and_submits(officer, executive, client_for):
    make_nc("NC-PAGE", title="Logs not kept")
    client = client_for(officer)
    response = client.post(
        reverse("management_review_create"),
        {
            "code": "MR-P",
            "title": "Annual review",
            "held_on": timezone.localdate().isoformat(),
            "attendees": [executive.pk],
        },
        **EN,
    )
    review = ManagementReview.objects.get(code="MR-P")
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    client.post(
        reverse("management_review_annotate", args=[review.pk]),
        {"section": ReviewInput.NONCONFORMITIES, "text": "One NC open."},
    )
    client.post(
        reverse("review_action_create", args=[review.pk]),
        {"decision": "Keep logs", "title": "Turn on logging", "status": "planned"},
    )
    page = client.get(review.get_absolute_url(), **EN).content.decode()
    assert 'data-testid="input-nonconformities"' in page
    assert "NC-PAGE Logs not kept" in page
    assert "One NC open." in page
    assert "Turn on logging" in page
    assert "Submit for sign-off" in page
    client.post(reverse("management_review_submit", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == ApprovalStatus.IN_REVIEW


def test_top_management_signs_off_and_the_page_shows_the_frozen_inputs(
    officer, executive, client_for
):
    review = ManagementReviewFactory(actor=officer, attendees=[executive], state="in_review")
    page = client_for(executive).get(review.get_absolute_url(), **EN).content.decode()
    assert 'data-testid="sign-off"' in page
    officer_page = client_for(officer).get(review.get_absolute_url(), **EN).content.decode()
    assert 'data-testid="sign-off"' not in officer_page
    response = client_for(executive).post(reverse("management_review_sign_off", args=[review.pk]))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ApprovalStatus.APPROVED and review.inputs
    make_nc("NC-AFTER", title="Raised after the sign-off")
    page = client_for(officer).get(review.get_absolute_url(), **EN).content.decode()
    assert 'data-testid="review-frozen"' in page
    assert "NC-AFTER" not in page


def test_refusals_are_messages_and_change_nothing(officer, client_for):
    review = ManagementReviewFactory(actor=officer, attendees=[officer])
    response = client_for(officer).post(
        reverse("management_review_submit", args=[review.pk]), follow=True, **EN
    )
    assert "Top management must be among the attendees" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ApprovalStatus.DRAFT
    signed = ManagementReviewFactory(actor=officer, state="approved")
    response = client_for(officer).post(
        reverse("management_review_edit", args=[signed.pk]),
        {
            "code": signed.code,
            "title": "Changed",
            "held_on": signed.held_on.isoformat(),
            "attendees": [p.pk for p in signed.attendees.all()],
        },
        **EN,
    )
    assert response.status_code == 400 and "frozen" in response.content.decode()
    signed.refresh_from_db()
    assert signed.title != "Changed"
    response = client_for(officer).post(
        reverse("management_review_create"),
        {"code": "", "title": "", "held_on": "no", "attendees": []},
        **EN,
    )
    assert response.status_code == 400
    assert ManagementReview.objects.count() == 2


def test_the_officer_cannot_sign_off(officer, client_for):
    review = ManagementReviewFactory(actor=officer, state="in_review")
    response = client_for(officer).post(reverse("management_review_sign_off", args=[review.pk]))
    assert response.status_code in (403, 404)
    review.refresh_from_db()
    assert review.status == ApprovalStatus.IN_REVIEW


def test_tracking_an_action_of_a_signed_review(officer, client_for):
    review = ManagementReviewFactory(actor=officer)
    action = ReviewActionFactory(actor=officer, review=review)
    from audit.services.review import management_review_sign_off, management_review_submit

    review = management_review_submit(actor=officer, review=review)
    management_review_sign_off(actor=review.attendees.get(), review=review)
    response = client_for(officer).post(reverse("review_action_complete", args=[action.pk]))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"


def test_dashboard_evidence_and_inbox(officer, executive, client_for):
    from aims.choices import InboxKind
    from aims.inbox import inbox_counts
    from audit.plug.review import _evidence, _figures
    from audit.services.review import management_review_sign_off

    class Request:
        user = officer

    figures = _figures(Request())
    assert figures[0].count == 0 and figures[0].tone == "warn"
    assert _evidence(officer).suggested_status == "not_started"
    review = ManagementReviewFactory(actor=officer, attendees=[executive])
    ReviewActionFactory(actor=officer, review=review, owner=officer)
    from audit.services.review import management_review_submit

    review = management_review_submit(actor=officer, review=review)
    assert inbox_counts(executive)[InboxKind.APPROVAL] == 1
    assert inbox_counts(officer)[InboxKind.ACTION] == 0  # not signed yet
    management_review_sign_off(actor=executive, review=review)
    assert inbox_counts(executive)[InboxKind.APPROVAL] == 0
    assert inbox_counts(officer)[InboxKind.ACTION] == 1
    assert _figures(Request())[0].count == 1
    assert _evidence(officer).suggested_status == "conformant"
