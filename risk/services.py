"""Every write of the risk app: matrices and criteria, risks, treatment actions, acceptance.

Keyword-only, typed, atomic, the actor passed in, a change record in the same transaction.
Levels are never taken from callers: ``risk.levels`` derives them from the matrix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aims import urns
from aims.changelog import change_record, logged, logged_update, snapshot
from aims.choices import Action, NotificationKind, Role
from aims.models import AISystem, Requirement
from aims.roles import Capability, has_capability, user_roles
from aims.scope import CHANGE, permitted_ids, restrict
from aims.services.accounts import Actor, in_recipient_language, notification_create
from risk.choices import AcceptanceEnd, ActionStatus, RiskStatus
from risk.levels import check_position, level_of, validate_matrix_data
from risk.models import Risk, RiskAcceptance, RiskCriteria, RiskMatrix, TreatmentAction

# Which library items each link of a risk may point at.
ANNEX_C_RISK_SOURCES = {
    "framework__urn": urns.ISO_42001,
    "parent__ref_id": "C.3",
}
RISK_CATEGORIES = {"framework__urn": urns.AI_RISK_CATEGORIES}
METI_PRINCIPLES = {
    "framework__urn": urns.METI_GUIDELINES,
    "ref_id__regex": r"^C-[0-9]+$",
}
AISI_PERSPECTIVES = {
    "framework__urn": urns.AISI_PERSPECTIVES,
    "assessable": True,
}
ANNEX_A_CONTROLS = {
    "framework__urn": urns.ISO_42001,
    "ref_id__startswith": "A.",
    "assessable": True,
}
TEMPLATE_SOURCES = (urns.METI_RISK_EXAMPLES, urns.ISO_42001)
LIBRARY_LINKS: dict[str, dict[str, Any]] = {
    "risk_sources": ANNEX_C_RISK_SOURCES,
    "categories": RISK_CATEGORIES,
    "principles": METI_PRINCIPLES,
    "aisi_perspectives": AISI_PERSPECTIVES,
}

RISK_FIELDS = (
    "title",
    "description",
    "ai_systems",
    "risk_sources",
    "source_notes",
    "categories",
    "principles",
    "aisi_perspectives",
    "template",
    "matrix",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "treatment_option",
    "treatment_plan",
    "status",
    "closed_reason",
    "owner",
    "review_interval_days",
    "next_review_on",
)
COMPUTED_FIELDS = ("inherent_level", "inherent_rank", "residual_level", "residual_rank")
MATRIX_DATA = ("likelihood_levels", "impact_levels", "levels", "grid")
MATRIX_FIELDS = (
    "code",
    "name_en",
    "name_ja",
    "description_en",
    "description_ja",
    *MATRIX_DATA,
    "is_default",
)


# --- Matrices and criteria -----------------------------------------------------------------------
def matrix_in_use(matrix: RiskMatrix) -> bool:
    """Whether any record (a risk, and later an impact assessment) was assessed with the
    matrix. Every model with a foreign key to ``RiskMatrix`` counts, so new users of matrices
    need no change here."""
    users = [
        r
        for r in RiskMatrix._meta.related_objects
        if r.one_to_many and r.related_model is not RiskCriteria
    ]
    return any(
        r.related_model._default_manager.filter(**{r.field.name: matrix}).exists() for r in users
    )


def _make_default(matrix: RiskMatrix) -> None:
    RiskMatrix.objects.filter(is_default=True).exclude(pk=matrix.pk).update(is_default=False)


@transaction.atomic
def risk_matrix_create(
    *, actor: Actor, acceptable_levels: list[str] | None = None, **data: Any
) -> RiskMatrix:
    """Define a new matrix (version 1) with its criteria."""
    unknown = set(data) - set(MATRIX_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    validate_matrix_data(**{name: data.get(name) for name in MATRIX_DATA})
    if RiskMatrix.objects.filter(code=data.get("code")).exists():
        raise ValidationError({"code": [_("A matrix with this code exists already.")]})
    matrix = RiskMatrix(version=1, is_current=True, **data)
    matrix.full_clean()
    if matrix.is_default:
        _make_default(matrix)
    matrix.save()
    criteria = _criteria_for(matrix, acceptable_levels or [])
    change_record(actor=actor, action=Action.CREATE, obj=matrix)
    change_record(actor=actor, action=Action.CREATE, obj=criteria)
    return matrix


def _criteria_for(matrix: RiskMatrix, acceptable_levels: list[str], **extra: Any) -> RiskCriteria:
    codes = [level["code"] for level in matrix.levels]
    wrong = [code for code in acceptable_levels if code not in codes]
    if wrong:
        raise ValidationError(
            {
                "acceptable_levels": [
                    _("Not a level of this matrix: %(codes)s.") % {"codes": ", ".join(wrong)}
                ]
            }
        )
    criteria = RiskCriteria(matrix=matrix, acceptable_levels=acceptable_levels, **extra)
    criteria.full_clean()
    criteria.save()
    return criteria


@transaction.atomic
def risk_matrix_update(*, actor: Actor, matrix: RiskMatrix, **data: Any) -> RiskMatrix:
    """Change a matrix. A matrix that records were assessed with is never changed under them:
    the change makes a new version, which becomes the current one (and the default if the old
    was); the records keep the version they used. Returns the matrix now current."""
    unknown = set(data) - (set(MATRIX_FIELDS) - {"code"})
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    if not matrix.is_current:
        raise ValidationError(_("Only the current version of a matrix can be changed."))
    merged = {name: data.get(name, getattr(matrix, name)) for name in MATRIX_DATA}
    validate_matrix_data(**merged)
    if not matrix_in_use(matrix):
        # Inside the block, so that the criteria's record stays before the matrix's.
        with logged(matrix, actor=actor, always=True):
            for name, value in data.items():
                setattr(matrix, name, value)
            matrix.full_clean()
            if matrix.is_default:
                _make_default(matrix)
            matrix.save()
            _criteria_keep_levels(actor, matrix)
        return matrix
    old_criteria = matrix.criteria
    with logged(matrix, actor=actor, always=True):
        matrix.is_current = False
        was_default, matrix.is_default = matrix.is_default, False
        matrix.save(update_fields=["is_current", "is_default", "updated_at"])
    fields = {name: getattr(matrix, name) for name in MATRIX_FIELDS}
    fields.update(data)
    fields["is_default"] = data.get("is_default", was_default)
    successor = RiskMatrix(
        version=matrix.version + 1, is_current=True, owner=matrix.owner, **fields
    )
    successor.full_clean()
    if successor.is_default:
        _make_default(successor)
    successor.save()
    codes = {level["code"] for level in successor.levels}
    criteria = _criteria_for(
        successor,
        [c for c in old_criteria.acceptable_levels if c in codes],
        above_criteria_role=old_criteria.above_criteria_role,
        statement_en=old_criteria.statement_en,
        statement_ja=old_criteria.statement_ja,
    )
    change_record(actor=actor, action=Action.CREATE, obj=successor)
    change_record(actor=actor, action=Action.CREATE, obj=criteria)
    return successor


def _criteria_keep_levels(actor: Actor, matrix: RiskMatrix) -> None:
    """After the levels of an unused matrix change, drop criteria entries for levels gone."""
    criteria = matrix.criteria
    codes = {level["code"] for level in matrix.levels}
    kept = [code for code in criteria.acceptable_levels if code in codes]
    if kept != criteria.acceptable_levels:
        logged_update(criteria, actor=actor, acceptable_levels=kept)


@transaction.atomic
def risk_criteria_update(
    *,
    actor: Actor,
    criteria: RiskCriteria,
    acceptable_levels: list[str] | None = None,
    statement_en: str | None = None,
    statement_ja: str | None = None,
) -> RiskCriteria:
    """Change which levels are within the criteria and the appetite statement. Decisions
    already taken keep what they recorded (an acceptance records whether it was within)."""
    with logged(criteria, actor=actor):
        if acceptable_levels is not None:
            codes = [level["code"] for level in criteria.matrix.levels]
            wrong = [code for code in acceptable_levels if code not in codes]
            if wrong:
                raise ValidationError(
                    {
                        "acceptable_levels": [
                            _("Not a level of this matrix: %(codes)s.")
                            % {"codes": ", ".join(wrong)}
                        ]
                    }
                )
            criteria.acceptable_levels = [code for code in codes if code in acceptable_levels]
        if statement_en is not None:
            criteria.statement_en = statement_en
        if statement_ja is not None:
            criteria.statement_ja = statement_ja
        criteria.full_clean()
        criteria.save()
    return criteria


# --- Risks ---------------------------------------------------------------------------------------
def _check_library_links(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for name, allowed in LIBRARY_LINKS.items():
        items = data.get(name)
        if items is None:
            continue
        ids = {item.pk for item in items}
        valid = set(
            Requirement.objects.filter(pk__in=ids, withdrawn=False, **allowed).values_list(
                "pk", flat=True
            )
        )
        if ids - valid:
            errors[name] = [_("Choose items of the right library list.")]
    template = data.get("template")
    if template is not None and template.framework.urn not in TEMPLATE_SOURCES:
        errors["template"] = [_("Choose an entry of the risk catalogue.")]


def _systems_for(
    actor: Actor, risk: Risk, given: list[AISystem] | None, errors: dict[str, list[str]]
) -> list[AISystem] | None:
    """The AI systems the risk will point at. Someone who works only on granted systems may
    link only those, must name at least one, and leaves links to systems they cannot see as
    they are. Without an actor (a platform command or task) nothing is restricted."""
    if given is None:
        return None
    if actor is None:  # a command or task of the platform itself: no user to restrict
        return list(given)
    everything = has_capability(actor, Capability.CHANGE_ALL_RECORDS)
    editable = permitted_ids(actor, CHANGE, AISystem, [s.pk for s in given])
    existing = set(risk.ai_systems.values_list("pk", flat=True)) if risk.pk else set()
    for system in given:
        if system.pk not in editable:
            errors["ai_systems"] = [_("Unknown AI system: %(id)s.") % {"id": system.pk}]
            return None
        if system.retired_at is not None and system.pk not in existing:
            errors["ai_systems"] = [_("“%(name)s” is retired.") % {"name": system}]
            return None
    if everything:
        return list(given)
    if not given:
        errors["ai_systems"] = [_("Name at least one of your AI systems.")]
        return None
    visible = set(restrict(AISystem.objects.all(), actor).values_list("pk", flat=True))
    hidden = AISystem.objects.filter(pk__in=existing - visible)
    return list(given) + list(hidden)


def _apply(actor: Actor, risk: Risk, data: dict[str, Any]) -> dict[str, Any]:
    """Set the fields of ``risk`` from ``data``, derive its levels; return the many-to-many
    values to set after saving. Raises ``ValidationError`` naming every bad field."""
    computed = [name for name in COMPUTED_FIELDS if name in data]
    unknown = set(data) - set(RISK_FIELDS) - set(COMPUTED_FIELDS)
    errors: dict[str, list[str]] = {}
    for name in computed:
        errors[name] = [_("Levels are derived from the matrix and cannot be set.")]
    for name in unknown:
        errors[name] = [_("This field cannot be set.")]
    if errors:
        raise ValidationError(errors)
    matrix = data.get("matrix", getattr(risk, "matrix", None))
    unchanged = risk.pk is not None and matrix is not None and matrix.pk == risk.matrix_id
    if "matrix" in data and matrix is not None and not matrix.is_current and not unchanged:
        errors["matrix"] = [_("Choose the current version of a matrix.")]
    if data.get("status") == RiskStatus.ACCEPTED and risk.status != RiskStatus.ACCEPTED:
        errors["status"] = [_("A risk is accepted with the acceptance step.")]
    if risk.status == RiskStatus.ACCEPTED and data.get("status") not in (
        None,
        RiskStatus.ACCEPTED,
        RiskStatus.CLOSED,
    ):
        errors["status"] = [
            _(
                "An accepted risk reopens when its acceptance ends; close it or "
                "reassess its residual risk instead."
            )
        ]
    closing = data.get("status", risk.status) == RiskStatus.CLOSED
    if closing and not str(data.get("closed_reason", risk.closed_reason) or "").strip():
        errors["closed_reason"] = [_("Say why the risk is closed.")]
    _check_library_links(data, errors)
    systems = _systems_for(actor, risk, data.get("ai_systems"), errors)
    if matrix is not None:
        for field, axis in (
            ("inherent_likelihood", "likelihood"),
            ("inherent_impact", "impact"),
            ("residual_likelihood", "likelihood"),
            ("residual_impact", "impact"),
        ):
            value = data.get(field, getattr(risk, field, None))
            problems = check_position(matrix, field, value, axis)
            if problems:
                errors[field] = problems
    if errors:
        raise ValidationError(errors)
    m2m_names = {field.name for field in Risk._meta.many_to_many}
    for name, value in data.items():
        if name not in m2m_names:
            setattr(risk, name, value)
    risk.inherent_level, risk.inherent_rank = level_of(
        risk.matrix, risk.inherent_likelihood, risk.inherent_impact
    )
    risk.residual_level, risk.residual_rank = level_of(
        risk.matrix, risk.residual_likelihood, risk.residual_impact
    )
    if risk.status != RiskStatus.CLOSED:
        risk.closed_reason = ""
    risk.full_clean(exclude=list(m2m_names))
    later = {name: value for name, value in data.items() if name in m2m_names}
    if systems is not None:
        later["ai_systems"] = systems
    return later


@transaction.atomic
def risk_create(*, actor: Actor, **data: Any) -> Risk:
    """Register a risk. Without ``owner`` the actor owns it; without ``matrix`` the default
    matrix is used; without residual values the residual risk starts as the inherent one."""
    data.setdefault("owner", actor if actor is not None and actor.is_authenticated else None)
    if data.get("matrix") is None:
        data["matrix"] = RiskMatrix.objects.filter(is_default=True).first()
        if data["matrix"] is None:
            raise ValidationError({"matrix": [_("Choose a risk matrix.")]})
    data.setdefault("residual_likelihood", data.get("inherent_likelihood"))
    data.setdefault("residual_impact", data.get("inherent_impact"))
    data.setdefault("ai_systems", [])
    risk = Risk()
    later = _apply(actor, risk, data)
    risk.save()
    for name, value in later.items():
        getattr(risk, name).set(value)
    change_record(actor=actor, action=Action.CREATE, obj=risk)
    return risk


def _end_acceptance(actor: Actor, risk: Risk, reason: str) -> RiskAcceptance | None:
    active = risk.acceptances.filter(ended_at__isnull=True).select_for_update().first()
    if active is None:
        return None
    with logged(active, actor=actor, always=True):
        active.ended_at, active.end_reason = timezone.now(), reason
        active.save(update_fields=["ended_at", "end_reason"])
    return active


@transaction.atomic
def risk_update(*, actor: Actor, risk: Risk, **data: Any) -> Risk:
    """Change a risk. A changed residual level ends its acceptance (the decision was about the
    old level) and reopens it; closing it ends the acceptance too."""
    with logged(risk, actor=actor):
        was_accepted, old_level = risk.status == RiskStatus.ACCEPTED, risk.residual_level
        later = _apply(actor, risk, data)
        if was_accepted and risk.status == RiskStatus.ACCEPTED and risk.residual_level != old_level:
            _end_acceptance(actor, risk, AcceptanceEnd.REASSESSED)
            risk.status = RiskStatus.OPEN
        elif was_accepted and risk.status == RiskStatus.CLOSED:
            _end_acceptance(actor, risk, AcceptanceEnd.CLOSED)
        risk.save()
        for name, value in later.items():
            getattr(risk, name).set(value)
    return risk


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


def can_accept(actor: Actor, risk: Risk) -> bool:
    within, role = acceptance_rule(risk)
    if actor is None or risk.owner_id == getattr(actor, "pk", None):
        return False
    if risk.status == RiskStatus.CLOSED:
        return False
    if within:
        return has_capability(actor, Capability.APPROVE)
    return role in user_roles(actor) and has_capability(
        actor, Capability.ACCEPT_RISK_ABOVE_CRITERIA
    )


@transaction.atomic
def risk_accept(*, actor: Actor, risk: Risk, rationale: str, expires_on: date) -> RiskAcceptance:
    """Accept the risk's residual level until ``expires_on``. Within the criteria a governance
    officer or top management accepts; above them only the role the criteria name (top
    management). Nobody accepts a risk they own."""
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
    elif actor is not None and risk.owner_id == getattr(actor, "pk", None):
        errors["risk"] = [_("Nobody accepts a risk they own; ask an approver.")]
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


# --- Treatment actions ---------------------------------------------------------------------------
ACTION_FIELDS = ("title", "description", "owner", "due_on", "status", "completed_on", "controls")


def _apply_action(action: TreatmentAction, data: dict[str, Any]) -> list[Requirement] | None:
    unknown = set(data) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    controls = data.get("controls")
    if controls is not None:
        ids = {c.pk for c in controls}
        valid = set(
            Requirement.objects.filter(pk__in=ids, **ANNEX_A_CONTROLS).values_list("pk", flat=True)
        )
        if ids - valid:
            raise ValidationError({"controls": [_("Choose ISO/IEC 42001 Annex A controls.")]})
    for name, value in data.items():
        if name != "controls":
            setattr(action, name, value)
    if action.status == ActionStatus.DONE and action.completed_on is None:
        action.completed_on = timezone.localdate()
    if action.status != ActionStatus.DONE:
        action.completed_on = None
    action.full_clean()
    return list(controls) if controls is not None else None


def _risk_moves_into_treatment(actor: Actor, risk: Risk) -> None:
    if risk.status == RiskStatus.OPEN:
        with logged(risk, actor=actor, always=True):
            risk.status = RiskStatus.IN_TREATMENT
            risk.save(update_fields=["status", "updated_at"])


@transaction.atomic
def treatment_action_create(*, actor: Actor, risk: Risk, **data: Any) -> TreatmentAction:
    """Add a step to the risk's treatment plan; an open risk is then in treatment."""
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError(_("A closed risk takes no new treatment actions."))
    data.setdefault("owner", actor if actor is not None and actor.is_authenticated else None)
    action = TreatmentAction(risk=risk)
    controls = _apply_action(action, data)
    action.save()
    if controls is not None:
        action.controls.set(controls)
    change_record(actor=actor, action=Action.CREATE, obj=action)
    _risk_moves_into_treatment(actor, risk)
    return action


@transaction.atomic
def treatment_action_update(
    *, actor: Actor, action: TreatmentAction, **data: Any
) -> TreatmentAction:
    with logged(action, actor=actor):
        controls = _apply_action(action, data)
        action.save()
        if controls is not None:
            action.controls.set(controls)
    return action
