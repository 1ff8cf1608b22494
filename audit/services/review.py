"""Every write of a management review (9.3): the review itself (prepared by the officer), the
notes on its inputs, its decisions and actions (9.3.3), and the core approval workflow where
the approval is top management's sign-off (``ManagementReview.APPROVAL_CAPABILITY``): submit,
sign off, return, start a correction as a new version.

Sign-off freezes the review: the 9.3.2 inputs assembled as of ``held_on``
(``audit.review_inputs``) are stored on it, in the organisation's language, and never read
again. A signed review is never changed; its actions stay tracked (status, completion).
Keyword-only, typed, atomic, the actor passed in, a change record in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, logged_update, snapshot
from aims.choices import Action, ApprovalStatus
from aims.roles import has_capability
from aims.services.accounts import Actor
from aims.services.approval import (
    approval_approve,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
)
from audit.choices import ActionStatus, ReviewInput
from audit.models import ManagementReview, ReviewAction

#: What the officer writes on a review (``management_review_update`` takes these).
REVIEW_FIELDS = (
    "code",
    "title",
    "held_on",
    "period_start",
    "attendees",
    "other_attendees",
    "minutes",
    "conclusions",
    "owner",
)
#: What a decision and its action hold.
ACTION_FIELDS = ("decision", "title", "owner", "due_on", "status", "completed_on")
#: What may still change on the action of a signed review: it is tracked to its end.
TRACKED_FIELDS = ("owner", "due_on", "status", "completed_on")
CLOSED_ACTIONS = (ActionStatus.DONE, ActionStatus.CANCELLED)


def _person(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _locked(review: ManagementReview) -> ManagementReview:
    return ManagementReview.objects.select_for_update().get(pk=review.pk)


def top_management_present(review: ManagementReview) -> bool:
    """Whether an attendee of ``review`` is top management (holds the sign-off right)."""
    return any(
        has_capability(person, ManagementReview.APPROVAL_CAPABILITY)
        for person in review.attendees.filter(is_active=True)
    )


def _refuse_without_top_management(review: ManagementReview) -> None:
    if not top_management_present(review):
        raise ValidationError(
            {
                "attendees": [
                    _(
                        "Top management must be among the attendees: a management review is "
                        "top management's review of the AIMS (9.3)."
                    )
                ]
            }
        )


def _apply(review: ManagementReview, data: dict[str, Any]) -> list[Any] | None:
    unknown = set(data) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    attendees = data.pop("attendees", None)
    for name, value in data.items():
        if value is None and name in ("other_attendees", "minutes", "conclusions"):
            value = ""
        setattr(review, name, value)
    review.code = (review.code or "").strip()
    review.title = (review.title or "").strip()
    errors: dict[str, list[str]] = {}
    if (
        review.period_start is not None
        and review.held_on is not None
        and review.period_start > review.held_on
    ):
        errors["period_start"] = [_("The period starts on or before the review date.")]
    if attendees is not None:
        User = get_user_model()
        people = list(attendees)
        inactive = [p for p in people if not isinstance(p, User) or not p.is_active]
        if inactive:
            errors["attendees"] = [_("Choose active people as attendees.")]
    if errors:
        raise ValidationError(errors)
    review.full_clean(validate_constraints=False)
    return None if attendees is None else list(attendees)


@transaction.atomic
def management_review_create(
    *, actor: Actor, code: str, title: str, held_on: date, **data: Any
) -> ManagementReview:
    """A new management review (version 1, a draft), prepared by ``actor``."""
    if ManagementReview.objects.filter(code=(code or "").strip()).exists():
        raise ValidationError({"code": [_("A management review with this code exists already.")]})
    review = ManagementReview(author=_person(actor), owner=_person(actor))
    attendees = _apply(review, {"code": code, "title": title, "held_on": held_on, **data})
    review.save()
    if attendees is not None:
        review.attendees.set(attendees)
    change_record(actor=actor, action=Action.CREATE, obj=review)
    return review


@transaction.atomic
def management_review_update(
    *, actor: Actor, review: ManagementReview, **data: Any
) -> ManagementReview:
    """Change a draft review: its code, title, date, period, attendees, minutes, conclusions."""
    review = _locked(review)
    approval_editable(review)
    if "code" in data and (data["code"] or "").strip() != review.code:
        if review.number > 1:
            raise ValidationError({"code": [_("A correction keeps the code of its review.")]})
        if ManagementReview.objects.filter(code=(data["code"] or "").strip()).exists():
            raise ValidationError(
                {"code": [_("A management review with this code exists already.")]}
            )
    with logged(review, actor=actor):
        attendees = _apply(review, dict(data))
        review.save()
        if attendees is not None:
            review.attendees.set(attendees)
    return review


@transaction.atomic
def management_review_annotate(
    *, actor: Actor, review: ManagementReview, section: str, text: str
) -> ManagementReview:
    """Write the note on one input section of a draft review (empty text removes it)."""
    review = _locked(review)
    approval_editable(review)
    if section not in ReviewInput.values:
        raise ValidationError({"section": [_("Choose one of the review's input sections.")]})
    text = (text or "").strip()
    if len(text) > 20000:
        raise ValidationError({"text": [_("Keep a note under 20,000 characters.")]})
    annotations = dict(review.annotations or {})
    if text:
        annotations[section] = text
    else:
        annotations.pop(section, None)
    with logged(review, actor=actor):
        review.annotations = annotations
        review.save()
    return review


# --- Decisions and actions (9.3.3) -----------------------------------------------------------
def _apply_action(action: ReviewAction, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(
            {
                name: [
                    _("This field cannot be set.")
                    if name not in ACTION_FIELDS
                    else _("The review is signed off: only the action's tracking can change.")
                ]
                for name in sorted(unknown)
            }
        )
    for name, value in data.items():
        if value is None and name == "decision":
            value = ""
        setattr(action, name, value)
    action.decision = (action.decision or "").strip()
    action.title = (action.title or "").strip()
    if action.status == ActionStatus.DONE and action.completed_on is None:
        action.completed_on = timezone.localdate()
    if action.status != ActionStatus.DONE and "status" in data:
        action.completed_on = None
    if action.owner is not None and not action.owner.is_active:
        raise ValidationError({"owner": [_("Choose an active person as the owner.")]})
    action.full_clean(exclude=["review"])


@transaction.atomic
def review_action_create(
    *, actor: Actor, review: ManagementReview, decision: str, title: str, **data: Any
) -> ReviewAction:
    """Record a decision of a draft review and the action it calls for."""
    review = _locked(review)
    approval_editable(review)
    action = ReviewAction(review=review)
    _apply_action(action, {"decision": decision, "title": title, **data}, ACTION_FIELDS)
    action.save()
    change_record(actor=actor, action=Action.CREATE, obj=action)
    return action


@transaction.atomic
def review_action_update(*, actor: Actor, action: ReviewAction, **data: Any) -> ReviewAction:
    """Change a decision and its action. On a signed review only the tracking changes: the
    owner, the due date, the status and the completion date."""
    action = ReviewAction.objects.select_for_update().select_related("review").get(pk=action.pk)
    review = action.review
    allowed: tuple[str, ...]
    if review.is_frozen:
        allowed = TRACKED_FIELDS
    else:
        approval_editable(review)
        allowed = ACTION_FIELDS
    with logged(action, actor=actor):
        _apply_action(action, dict(data), allowed)
        action.save()
    return action


@transaction.atomic
def review_action_complete(
    *, actor: Actor, action: ReviewAction, completed_on: date | None = None
) -> ReviewAction:
    """Mark an action done (today unless ``completed_on``)."""
    locked = ReviewAction.objects.select_for_update().get(pk=action.pk)
    if locked.status in CLOSED_ACTIONS:
        raise ValidationError(_("This action is done or cancelled already."))
    day = completed_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"completed_on": [_("An action cannot be completed in the future.")]})
    return review_action_update(
        actor=actor, action=locked, status=ActionStatus.DONE, completed_on=day
    )


@transaction.atomic
def review_action_delete(*, actor: Actor, action: ReviewAction) -> None:
    """Remove a decision and its action from a draft review."""
    action = ReviewAction.objects.select_for_update().select_related("review").get(pk=action.pk)
    approval_editable(action.review)
    before = snapshot(action)
    change_record(
        actor=actor,
        action=Action.DELETE,
        obj=action,
        before=before,
        after=None,
        object_id=action.pk,
    )
    action.delete()


# --- The workflow ------------------------------------------------------------------------------
def management_review_submit(*, actor: Actor, review: ManagementReview) -> ManagementReview:
    """Send a draft to top management for sign-off (top management among the attendees)."""
    _refuse_without_top_management(review)
    return approval_submit(actor=actor, version=review)


def review_record(review: ManagementReview) -> dict[str, Any]:
    """The attendees and the decisions and actions of ``review`` as plain data (frozen with
    the inputs at sign-off, so the signed pack shows them as they were signed)."""
    from aims.people import person_name

    return {
        "attendees": sorted(person_name(p) for p in review.attendees.all()),
        "actions": [
            {
                "id": action.pk,
                "decision": action.decision,
                "title": action.title,
                "owner": person_name(action.owner),
                "due_on": action.due_on.isoformat() if action.due_on else "",
                "status": action.status,
                "status_label": str(action.get_status_display()),
                "completed_on": action.completed_on.isoformat() if action.completed_on else "",
            }
            for action in review.actions.select_related("owner").order_by("due_on", "id")
        ],
    }


def freeze_inputs(review: ManagementReview) -> dict[str, Any]:
    """The inputs as of ``held_on``, assembled in the organisation's language and stored on
    the review: from now on they are read from there."""
    from audit.review_inputs import assemble_inputs

    with translation.override(settings.LANGUAGE_CODE):
        inputs = assemble_inputs(review)
        inputs["record"] = review_record(review)
    ManagementReview.objects.filter(pk=review.pk).update(inputs=inputs)
    review.inputs = inputs
    return inputs


@transaction.atomic
def management_review_sign_off(*, actor: Actor, review: ManagementReview) -> ManagementReview:
    """Top management signs off the review in review (not its author, nor anyone who changed
    it; top management among the attendees): it is frozen with its inputs as of
    ``held_on``."""
    review = _locked(review)
    if review.status == ApprovalStatus.IN_REVIEW and has_capability(
        actor, ManagementReview.APPROVAL_CAPABILITY
    ):
        _refuse_without_top_management(review)
    review = approval_approve(actor=actor, version=review)
    freeze_inputs(review)
    return review


def management_review_return(
    *, actor: Actor, review: ManagementReview, comment: str
) -> ManagementReview:
    """Top management sends the review back to its author as a draft, saying why."""
    return approval_return(actor=actor, version=review, comment=comment)


@transaction.atomic
def management_review_new_version(*, actor: Actor, review: ManagementReview) -> ManagementReview:
    """Start a correction of a signed review: a draft carrying its content forward (attendees,
    notes, decisions and actions); its inputs are assembled again until it is signed off."""

    def prepare(draft: ManagementReview) -> None:
        draft.inputs = {}

    new = approval_new_version(actor=actor, version=review, prepare=prepare)
    old = ManagementReview.objects.get(pk=review.pk)
    new.attendees.set(list(old.attendees.all()))
    for action in old.actions.order_by("id"):
        copy = ReviewAction(
            review=new,
            decision=action.decision,
            title=action.title,
            owner=action.owner,
            due_on=action.due_on,
            status=action.status,
            completed_on=action.completed_on,
        )
        copy.save()
        change_record(actor=actor, action=Action.CREATE, obj=copy)
    logged_update(new, actor=actor)  # the attendees carried forward, on the record
    return new
