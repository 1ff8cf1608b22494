"""``management-reviews/`` and ``review-actions/``: prepare a review, annotate its inputs and
record decisions through the API; submit; top management signs off (the officer and the
author are refused); the inputs (live for a draft, frozen once signed, listing a
nonconformity of the period); bad input refused with nothing changed; constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.choices import ApprovalStatus
from aims.models import ChangeRecord
from audit.choices import ReviewInput
from audit.models import ManagementReview, ReviewAction
from tests.audit.test_review_services import make_nc
from tests.factories.review import ManagementReviewFactory, ReviewActionFactory

pytestmark = pytest.mark.django_db


def test_the_loop_through_the_api(officer, executive, api_client_for):
    make_nc("NC-API-1", title="Model card missing")
    client = api_client_for(officer)
    created = client.post(
        reverse("api:management-review-list"),
        {
            "code": "MR-API",
            "title": "FY review",
            "held_on": timezone.localdate().isoformat(),
            "attendees": [executive.pk, officer.pk],
            "annotations": {ReviewInput.NONCONFORMITIES: "Discussed NC-API-1."},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["annotations"] == {"nonconformities": "Discussed NC-API-1."}
    action = client.post(
        reverse("api:review-action-list"),
        {"review": pk, "decision": "Fix the model cards", "title": "Write model cards"},
        format="json",
    )
    assert action.status_code == 201, action.json()
    inputs = client.get(reverse("api:management-review-inputs", args=[pk])).json()
    assert inputs["frozen"] is False
    ncs = next(s for s in inputs["sections"] if s["code"] == "nonconformities")
    assert ncs["items"][0]["label"] == "NC-API-1 Model card missing"
    submitted = client.post(reverse("api:management-review-submit", args=[pk]))
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    refused = client.post(reverse("api:management-review-sign-off", args=[pk]))
    assert refused.status_code == 403  # the officer has no sign-off right
    signed = api_client_for(executive).post(reverse("api:management-review-sign-off", args=[pk]))
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "approved" and signed.json()["approved_by"] == executive.pk
    frozen = client.get(reverse("api:management-review-inputs", args=[pk])).json()
    assert frozen["frozen"] is True
    assert frozen["sections"] == ManagementReview.objects.get(pk=pk).inputs["sections"]
    # A signed review is not edited; its action is tracked.
    refused = client.patch(
        reverse("api:management-review-detail", args=[pk]), {"title": "x"}, format="json"
    )
    assert refused.status_code == 400
    tracked = client.patch(
        reverse("api:review-action-detail", args=[action.json()["id"]]),
        {"status": "done"},
        format="json",
    )
    assert tracked.status_code == 200 and tracked.json()["completed_on"]
    correction = client.post(reverse("api:management-review-new-version", args=[pk]))
    assert correction.status_code == 201 and correction.json()["number"] == 2


def test_the_author_cannot_sign_off_and_a_return_needs_a_comment(executive, api_client_for):
    review = ManagementReviewFactory(actor=executive, attendees=[executive], state="in_review")
    client = api_client_for(executive)
    refused = client.post(
        reverse("api:management-review-sign-off", args=[review.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400 and "own work" in str(refused.json())
    refused = client.post(reverse("api:management-review-return", args=[review.pk]), {})
    assert refused.status_code == 400 and "comment" in refused.json()["error"]["fields"]
    review.refresh_from_db()
    assert review.status == ApprovalStatus.IN_REVIEW


def test_return_by_top_management(officer, executive, api_client_for):
    review = ManagementReviewFactory(actor=officer, attendees=[executive], state="in_review")
    returned = api_client_for(executive).post(
        reverse("api:management-review-return", args=[review.pk]),
        {"comment": "Add the audit results."},
        format="json",
    )
    assert returned.status_code == 200 and returned.json()["status"] == "draft"
    assert returned.json()["review_comment"] == "Add the audit results."


def test_bad_input_changes_nothing(officer, api_client_for):
    client = api_client_for(officer)
    before = ChangeRecord.objects.count()
    response = client.post(
        reverse("api:management-review-list"),
        {"code": "MR-1", "title": "t", "held_on": "not a date", "attendees": []},
        format="json",
    )
    assert response.status_code == 400 and "held_on" in response.json()["error"]["fields"]
    review = ManagementReviewFactory(actor=officer)
    before = ChangeRecord.objects.count()
    response = client.patch(
        reverse("api:management-review-detail", args=[review.pk]),
        {"annotations": {"unknown": "x"}},
        format="json",
    )
    assert response.status_code == 400 and "section" in response.json()["error"]["fields"]
    response = client.patch(
        reverse("api:management-review-detail", args=[review.pk]),
        {"period_start": (review.held_on + timedelta(days=2)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "period_start" in response.json()["error"]["fields"]
    response = client.post(
        reverse("api:review-action-list"),
        {"review": review.pk, "decision": "", "title": ""},
        format="json",
    )
    assert response.status_code == 400
    assert ChangeRecord.objects.count() == before
    assert ReviewAction.objects.count() == 0


@pytest.mark.parametrize("resource", ["management-review", "review-action"])
def test_lists_run_a_constant_number_of_queries(
    officer, api_client_for, django_assert_max_num_queries, resource
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(officer)
    url = reverse(f"api:{resource}-list")
    ReviewActionFactory(actor=officer)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(30):
        ReviewActionFactory(actor=officer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.json()["results"]) == 31
