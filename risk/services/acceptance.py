"""Writes of risk acceptance: who may accept a residual level, accepting it until a date,
and ending acceptances (replaced, reassessed, closed, expired)."""

from __future__ import annotations

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, NotificationKind, Role
from aims.models import ChangeRecord
from aims.roles import Capability, has_capability, user_roles
from aims.services.accounts import Actor, in_recipient_language, notification_create
from risk.choices import AcceptanceEnd, RiskStatus
from risk.models import Risk, RiskAcceptance


def _end_acceptance(actor: Actor, risk: Risk, reason: str) -> RiskAcceptance | None:
    active = risk.acceptances.filter(ended_at__isnull=True).select_for_update().first()
    if active is None:
        return None
    with logged(active, actor=actor, always=True):
        active.ended_at, active.end_reason = timezone.now(), reason
        active.save(update_fields=["ended_at", "end_reason"])
    return active


def acceptance_rule(risk: Risk) -> tuple[bool, str | None]:
    """Whether the risk's residual level is within its matrix's criteria, and the role that
    must accept it when it is not (None when within: an approver who is not the owner)."""
    criteria = getattr(risk.matrix, "criteria", None)
    within = criteria is not None and criteria.within(risk.residual_level)
    if within:
        return True, None
    return (
        False,
        criteria.above_criteria_role if criteria else Role.TOP_MANAGEMENT,
    )


#: The fields whose change is a new assessment of the risk (snapshot keys of the change log).
ASSESSMENT_FIELDS = (
    "matrix_id",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
)


def owners_since_assessment(risk: Risk) -> set[int]:
    """Who owned ``risk`` or changed its owner since its last assessment (its registration,
    or the latest change of its matrix or positions), the owner then included.

    Read from the change log rather than from a field of the risk: every service writes the
    risk's before and after there in the same transaction as the change, nothing can rewrite
    it, it holds the history of risks registered before this rule existed, and its index on
    (record type, record id, newest first) reads only this risk's records, newest first, back
    to the assessment. A field kept beside the owner would have to be maintained by every write
    path, and would know nothing of what happened before it was added.
    """
    people: set[int] = {risk.owner_id} if risk.owner_id is not None else set()
    records = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Risk), object_id=str(risk.pk)
    ).order_by("-id")
    for actor_id, action, before, after in records.values_list(
        "actor_id", "action", "before", "after"
    ).iterator(chunk_size=50):
        after = after or {}
        if after.get("owner_id") is not None:
            people.add(after["owner_id"])
        if before and before.get("owner_id") != after.get("owner_id"):
            people.update(p for p in (before.get("owner_id"), actor_id) if p is not None)
        assessed = before is not None and any(
            before.get(name) != after.get(name) for name in ASSESSMENT_FIELDS
        )
        if action == Action.CREATE or assessed:
            break
    return people


def acceptance_bar(actor: Actor, risk: Risk) -> str | None:
    """Why ``actor`` may not accept ``risk`` whatever their role (None when nothing bars
    them): they own it, or they owned it or changed its owner since its last assessment, so
    that handing the risk to someone else for a moment does not make its owner its acceptor."""
    person = getattr(actor, "pk", None)
    if actor is None or person is None:
        return None
    if risk.owner_id == person:
        return _("Nobody accepts a risk they own; ask an approver.")
    if person in owners_since_assessment(risk):
        return _(
            "You owned this risk or changed its owner since its last assessment, so "
            "someone else accepts it."
        )
    return None


def can_accept(actor: Actor, risk: Risk) -> bool:
    within, role = acceptance_rule(risk)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if risk.status == RiskStatus.CLOSED:
        return False
    if within:
        allowed = has_capability(actor, Capability.APPROVE)
    else:
        allowed = role in user_roles(actor) and has_capability(
            actor, Capability.ACCEPT_RISK_ABOVE_CRITERIA
        )
    return allowed and acceptance_bar(actor, risk) is None


@transaction.atomic
def risk_accept(*, actor: Actor, risk: Risk, rationale: str, expires_on: date) -> RiskAcceptance:
    """Accept the risk's residual level until ``expires_on``. Within the criteria a governance
    officer or top management accepts; above them only the role the criteria name (top
    management). Nobody accepts a risk they own, owned or handed to someone else since its last
    assessment (``acceptance_bar``)."""
    risk = (
        Risk.objects.select_for_update(of=("self",))
        .select_related("matrix__criteria")
        .get(pk=risk.pk)
    )
    errors: dict[str, list[str]] = {}
    if not (rationale or "").strip():
        errors["rationale"] = [_("Say why the risk is accepted.")]
    if expires_on is None or expires_on <= timezone.localdate():
        errors["expires_on"] = [_("Give a date in the future until which the acceptance holds.")]
    if risk.status == RiskStatus.CLOSED:
        errors["risk"] = [_("A closed risk cannot be accepted.")]
    elif (bar := acceptance_bar(actor, risk)) is not None:
        errors["risk"] = [bar]
    elif not can_accept(actor, risk):
        within, role = acceptance_rule(risk)
        if within:
            errors["risk"] = [_("Only a governance officer or top management accepts risks.")]
        else:
            label = risk.matrix.level_label(risk.residual_level)
            errors["risk"] = [
                _(
                    "The residual level “%(level)s” is above the risk criteria: "
                    "only top management may accept it."
                )
                % {"level": label}
            ]
    if errors:
        raise ValidationError(errors)
    _end_acceptance(actor, risk, AcceptanceEnd.REPLACED)
    within, _role = acceptance_rule(risk)
    acceptance = RiskAcceptance(
        risk=risk,
        accepted_by=actor,  # type: ignore[misc]  # checked by can_accept
        rationale=rationale.strip(),
        expires_on=expires_on,
        residual_level=risk.residual_level,
        within_criteria=within,
    )
    acceptance.full_clean()
    acceptance.save()
    before = snapshot(risk)
    risk.status = RiskStatus.ACCEPTED
    risk.save(update_fields=["status", "updated_at"])
    change_record(
        actor=actor,
        action=Action.ACCEPT,
        obj=risk,
        before=before,
        after={**snapshot(risk), "acceptance": snapshot(acceptance)},
    )
    return acceptance


@transaction.atomic
def risk_acceptances_expire(*, today: date | None = None) -> int:
    """End every acceptance whose date has passed and reopen its risk; tell the owner and the
    person who accepted. Returns how many ended. Running it again ends nothing more."""
    today = today or timezone.localdate()
    expired = (
        RiskAcceptance.objects.select_for_update(of=("self",))
        .filter(ended_at__isnull=True, expires_on__lt=today)
        .select_related("risk", "accepted_by", "risk__owner")
    )
    count = 0
    for acceptance in expired:
        risk = acceptance.risk
        _end_acceptance(None, risk, AcceptanceEnd.EXPIRED)
        if risk.status == RiskStatus.ACCEPTED:
            with logged(risk, actor=None, always=True):
                risk.status = RiskStatus.OPEN
                risk.save(update_fields=["status", "updated_at"])
        for person in {p for p in (risk.owner, acceptance.accepted_by) if p is not None}:
            notification_create(
                recipient=person,
                kind=NotificationKind.REVIEW_DUE,
                subject=in_recipient_language(
                    gettext_noop("Risk acceptance expired: %(risk)s"), risk=str(risk)
                ),
                body=in_recipient_language(
                    gettext_noop(
                        "The acceptance of %(risk)s ended on %(date)s; the risk is "
                        "open again and needs a new decision."
                    ),
                    risk=str(risk),
                    date=acceptance.expires_on.isoformat(),
                ),
                url=risk.get_absolute_url(),
                dedupe_key=f"risk-acceptance-expired:{acceptance.pk}",
            )
        count += 1
    return count
