"""Writes of the risk register: registering and changing risks, their links to AI systems
and library items, and the levels derived from the matrix."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims import urns
from aims.changelog import change_record, logged
from aims.choices import Action
from aims.models import Requirement
from aims.services.accounts import Actor
from aims.services.reach import systems_to_link
from risk.choices import AcceptanceEnd, RequestOutcome, RiskStatus
from risk.levels import check_position, level_of
from risk.models import Risk, RiskMatrix
from risk.services.acceptance import _end_acceptance, close_acceptance_request

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
    systems = systems_to_link(actor=actor, record=risk, given=data.get("ai_systems"), errors=errors)
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


@transaction.atomic
def risk_update(*, actor: Actor, risk: Risk, **data: Any) -> Risk:
    """Change a risk. A changed residual level ends its acceptance (the decision was about the
    old level) and reopens it; closing it ends the acceptance too. Handing an accepted risk to
    the person who accepted it ends the acceptance as well and reopens the risk: nobody stays
    the acceptor of a risk they own."""
    with logged(risk, actor=actor):
        was_accepted, old_level = risk.status == RiskStatus.ACCEPTED, risk.residual_level
        later = _apply(actor, risk, data)
        still_accepted = was_accepted and risk.status == RiskStatus.ACCEPTED
        if still_accepted and risk.residual_level != old_level:
            _end_acceptance(actor, risk, AcceptanceEnd.REASSESSED)
            risk.status = RiskStatus.OPEN
        elif (
            still_accepted
            and risk.acceptances.filter(
                ended_at__isnull=True, accepted_by_id=risk.owner_id
            ).exists()
        ):
            _end_acceptance(actor, risk, AcceptanceEnd.OWNER_IS_ACCEPTOR)
            risk.status = RiskStatus.OPEN
        elif was_accepted and risk.status == RiskStatus.CLOSED:
            _end_acceptance(actor, risk, AcceptanceEnd.CLOSED)
        # A request for acceptance was about the old residual level, or an open risk.
        if risk.status == RiskStatus.CLOSED:
            close_acceptance_request(actor, risk, RequestOutcome.CLOSED)
        elif risk.residual_level != old_level:
            close_acceptance_request(actor, risk, RequestOutcome.REASSESSED)
        risk.save()
        for name, value in later.items():
            getattr(risk, name).set(value)
    return risk
