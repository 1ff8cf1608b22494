"""The demo management review: the fiscal year's review prepared by the officer, signed off by
the executive (top management), annotated, with three decisions (one done) and its inputs
frozen at sign-off; loading twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from audit.choices import ReviewInput
from audit.models import ManagementReview


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def test_the_demo_review_is_signed_off_with_its_inputs_frozen(demo):
    review = ManagementReview.objects.get()
    assert review.status == "approved"
    assert review.author.username == "officer" and review.approved_by.username == "executive"
    assert [s["code"] for s in review.inputs["sections"]] == list(ReviewInput.values)
    assert review.annotations[ReviewInput.RISKS]
    assert sorted(review.actions.values_list("status", flat=True)) == [
        "done",
        "in_progress",
        "planned",
    ]
    assert len(review.inputs["record"]["actions"]) == 3
    # The demo SoA (approved, with a draft carrying it forward) is among the inputs.
    soa = next(s for s in review.inputs["sections"] if s["code"] == ReviewInput.SOA)
    assert soa["figures"][0]["value"] == 1
    assert [item["url"].startswith("/soa/") for item in soa["items"]] == [True, True]
    client = Client()
    client.force_login(demo["viewer"])
    html = client.get(review.get_absolute_url()).content.decode()
    assert "マネジメントレビュー" in html and 'data-testid="review-frozen"' in html
    call_command("load_demo", stdout=io.StringIO())
    assert ManagementReview.objects.count() == 1
