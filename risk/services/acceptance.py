"""Writes of risk acceptance: who may accept a residual level, accepting it until a date,
requesting acceptance of a risk above the criteria from those who may give it (it reaches
their inbox), and ending acceptances (replaced, reassessed, closed, expired)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, F, Func, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, NotificationKind, Role
from aims.models import ChangeRecord
from aims.roles import Capability, has_capability, user_roles
from aims.scope import CHANGE, VIEW, permitted, restrict
from aims.services.accounts import Actor, in_recipient_language, notification_create, notify_people
from risk.choices import AcceptanceEnd, RequestOutcome, RiskStatus
from risk.models import AcceptanceRequest, Risk, RiskAcceptance


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
    request = close_acceptance_request(actor, risk, RequestOutcome.ACCEPTED)
    _notify_acceptance(
        actor,
        risk,
        [risk.owner, request.requested_by if request else None],
        subject=gettext_noop("Risk accepted: %(risk)s"),
        body=gettext_noop(
            "%(actor)s accepted the residual risk of %(risk)s until %(date)s:\n%(rationale)s"
        ),
        key=f"risk-accepted:{acceptance.pk}",
        date=expires_on.isoformat(),
        rationale=acceptance.rationale,
    )
    return acceptance


# --- Requests for acceptance above the criteria --------------------------------------------
def open_acceptance_request(risk: Risk) -> AcceptanceRequest | None:
    return risk.acceptance_requests.filter(closed_at__isnull=True).first()


def close_acceptance_request(actor: Actor, risk: Risk, outcome: str) -> AcceptanceRequest | None:
    """Close the risk's open request for acceptance, if any (in the caller's transaction)."""
    request = (
        AcceptanceRequest.objects.select_for_update(of=("self",))
        .filter(risk=risk, closed_at__isnull=True)
        .select_related("requested_by")
        .first()
    )
    if request is None:
        return None
    with logged(request, actor=actor, always=True):
        request.closed_at, request.outcome = timezone.now(), outcome
        request.save(update_fields=["closed_at", "outcome"])
    return request


def acceptors(risk: Risk) -> list[Any]:
    """Everyone who may accept ``risk`` now: active holders of the role its criteria name
    for a level above them, who may see it and are not barred by ``acceptance_bar``."""
    _within, role = acceptance_rule(risk)
    if role is None:
        return []
    candidates = get_user_model().objects.filter(is_active=True, groups__name=role)
    return [
        user
        for user in candidates.distinct().order_by("pk")
        if can_accept(user, risk) and permitted(user, VIEW, risk)
    ]


@transaction.atomic
def risk_acceptance_request(*, actor: Actor, risk: Risk, note: str = "") -> AcceptanceRequest:
    """Ask top management to accept a risk whose residual level is above the risk criteria:
    the risk enters the inbox of everyone who may accept it, and they are notified. Only
    someone who may change the risk asks; a risk within the criteria, closed, accepted or
    already waiting is refused with the reason, and nothing changes."""
    risk = (
        Risk.objects.select_for_update(of=("self",))
        .select_related("matrix__criteria", "owner")
        .get(pk=risk.pk)
    )
    within, _role = acceptance_rule(risk)
    waiting = open_acceptance_request(risk)
    problem = None
    if actor is not None and not permitted(actor, CHANGE, risk):
        problem = _("You may not change this risk.")
    elif risk.status == RiskStatus.CLOSED:
        problem = _("A closed risk cannot be accepted.")
    elif risk.status == RiskStatus.ACCEPTED:
        problem = _("This risk is accepted already.")
    elif within:
        problem = _(
            "The residual level is within the risk criteria: a governance officer or top "
            "management accepts it directly, without a request."
        )
    elif waiting is not None:
        problem = _("Acceptance of this risk was requested already, on %(date)s.") % {
            "date": timezone.localtime(waiting.requested_at).date().isoformat()
        }
    if problem is not None:
        raise ValidationError({"risk": [problem]})
    request = AcceptanceRequest(
        risk=risk,
        requested_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        note=(note or "").strip(),
        residual_level=risk.residual_level,
    )
    request.full_clean()
    request.save()
    change_record(actor=actor, action=Action.CREATE, obj=request)
    _notify_acceptance(
        actor,
        risk,
        acceptors(risk),
        subject=gettext_noop("Risk acceptance requested: %(risk)s"),
        body=gettext_noop(
            "%(actor)s asks you to accept the residual risk of %(risk)s (level “%(level)s”, "
            "above the risk criteria).\n%(note)s"
        ),
        key=f"risk-acceptance-request:{request.pk}",
        level=risk.matrix.level_label(risk.residual_level),
        note=request.note,
    )
    return request


def _notify_acceptance(
    actor: Actor,
    risk: Risk,
    people: list[Any],
    *,
    subject: str,
    body: str,
    key: str,
    **values: Any,
) -> None:
    """Tell ``people`` (once each, never the actor) about a step of the risk's acceptance."""
    notify_people(
        people,
        actor=actor,
        subject=subject,
        body=body,
        url=risk.get_absolute_url(),
        key=key,
        risk=str(risk),
        **values,
    )


def _text(side: str, name: str) -> KeyTextTransform:
    return KeyTextTransform(name, side)


def _differs(name: str) -> Q:
    """``before[name] != after[name]`` as the change log holds them (a missing key and a JSON
    null are both None, as ``dict.get`` reads them)."""
    before, after = f"b_{name}", f"a_{name}"
    return (
        Q(**{f"{before}__isnull": True, f"{after}__isnull": False})
        | Q(**{f"{before}__isnull": False, f"{after}__isnull": True})
        | Q(**{f"{before}__isnull": False, f"{after}__isnull": False}) & ~Q(**{before: F(after)})
    )


def _risk_records(risk_pk: Any) -> QuerySet[ChangeRecord]:
    names = ("owner_id", *ASSESSMENT_FIELDS)
    return (
        ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(Risk),
            object_id=Cast(risk_pk, CharField()),
        )
        .annotate(**{f"b_{name}": _text("before", name) for name in names})
        .annotate(**{f"a_{name}": _text("after", name) for name in names})
    )


def acceptable_by(queryset: QuerySet[Risk], user: Any) -> QuerySet[Risk]:
    """The risks of ``queryset`` above the criteria that ``user`` may accept, as one query:
    ``can_accept`` for many risks, ``owners_since_assessment`` read in SQL from the same
    change records (the latest assessment record and everything after it)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if not has_capability(user, Capability.ACCEPT_RISK_ABOVE_CRITERIA):
        return queryset.none()
    uid = str(user.pk)
    assessed = Q(action=Action.CREATE) | Q(before__isnull=False) & _any_assessment_change()
    last_assessment = (
        _risk_records(OuterRef(OuterRef("pk"))).filter(assessed).order_by("-id").values("id")[:1]
    )
    involved = (
        _risk_records(OuterRef("pk"))
        .filter(id__gte=Coalesce(Subquery(last_assessment), 0))
        .filter(
            Q(a_owner_id=uid)
            | Q(before__isnull=False)
            & ~Q(before={})
            & _differs("owner_id")
            & (Q(b_owner_id=uid) | Q(actor_id=user.pk))
        )
    )
    return (
        restrict(queryset, user, VIEW)
        .exclude(status=RiskStatus.CLOSED)
        .filter(matrix__criteria__above_criteria_role__in=user_roles(user))
        .annotate(
            level_json=Func(F("residual_level"), function="to_jsonb", output_field=JSONField())
        )
        .exclude(matrix__criteria__acceptable_levels__contains=F("level_json"))
        .exclude(owner_id=user.pk)
        .exclude(Exists(involved))
    )


def _any_assessment_change() -> Q:
    condition = Q()
    for name in ASSESSMENT_FIELDS:
        condition |= _differs(name)
    return condition


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
