"""Management reviews and their decisions and actions, made through
``audit.services.review``. A review's attendees include top management (an executive made for
it unless ``attendees`` is given), so it can be signed off."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.utils import timezone

from aims.choices import Role
from audit.models import ManagementReview, ReviewAction
from audit.services import review as services
from tests.factories.accounts import UserFactory
from tests.factories.base import ServiceFactory

REVIEW_STATES = ("draft", "in_review", "approved")


def make_executive() -> Any:
    """Top management, who wrote nothing (may sign off)."""
    return UserFactory(roles=[Role.TOP_MANAGEMENT])


class ManagementReviewFactory(ServiceFactory):
    """A management review in ``state``: draft (the default), in_review (submitted by the
    actor) or approved (also signed off by ``signer``, the first top-management attendee
    unless given)."""

    class Meta:
        model = ManagementReview

    code = factory.Sequence(lambda n: f"MR-{n}")
    title = factory.Sequence(lambda n: f"Management review {n}")
    held_on = factory.LazyFunction(timezone.localdate)
    state = "draft"
    signer = None
    attendees = None

    @classmethod
    def create_through_service(
        cls,
        *,
        actor: Any,
        state: str,
        signer: Any,
        attendees: Any,
        code: str,
        title: str,
        held_on: date,
        **fields: Any,
    ) -> ManagementReview:
        if state not in REVIEW_STATES:
            raise ValueError(f"state is one of {REVIEW_STATES}, not {state!r}")
        if attendees is None:
            attendees = [signer or make_executive()]
        review = services.management_review_create(
            actor=actor, code=code, title=title, held_on=held_on, attendees=attendees, **fields
        )
        if state in ("in_review", "approved"):
            review = services.management_review_submit(actor=actor, review=review)
        if state == "approved":
            review = services.management_review_sign_off(
                actor=signer or attendees[0], review=review
            )
        return review


class ReviewActionFactory(ServiceFactory):
    """A decision and its action on ``review`` (a new draft review unless given)."""

    class Meta:
        model = ReviewAction

    review = factory.SubFactory(ManagementReviewFactory)
    decision = "Revise the risk assessment procedure."
    title = factory.Sequence(lambda n: f"Action {n}")

    @classmethod
    def create_through_service(cls, *, actor: Any, review: Any, **fields: Any) -> Any:
        return services.review_action_create(actor=actor, review=review, **fields)
