"""Every write of the impact app: assessments and their entries, the review workflow,
versions, reflection into risks, and reassessment when an AI system changes.

Keyword-only, typed, atomic, the actor passed in, a change record in the same transaction.
Levels are derived from the assessment's matrix (``risk.levels``), never taken from callers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from aims import urns
from aims.changelog import change_record, logged, logged_update, snapshot
from aims.choices import Action, ApprovalStatus, NotificationKind
from aims.models import AISystem, Requirement
from aims.scope import CHANGE, permitted, restrict
from aims.services.accounts import Actor, in_recipient_language, notification_create
from aims.services.approval import (
    approval_approve,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
)
from impact.choices import HUMAN_JUDGMENT_CRITERIA
from impact.models import ImpactAssessment, ImpactEntry
from impact.models.assessment import ASSESSMENT_FIELDS
from risk.levels import check_position, level_of
from risk.models import Risk, RiskMatrix
from risk.services.register import risk_create
from risk.services.treatment import ANNEX_A_CONTROLS

DEFAULT_MATRIX_CODE = "3x3"  # severity × likelihood, low / medium / high (seed 000)

ENTRY_FIELDS = (
    "party_type",
    "party_description",
    "impact_area",
    "nature",
    "description",
    "severity",
    "likelihood",
    "reversibility",
    "existing_mitigations",
    "planned_mitigations",
    "risks",
)
COMPUTED = ("level", "level_rank")
# Impact areas that have a risk category of the same concern: a risk made from an entry gets it.
AREA_TO_CATEGORY = {
    "safety": "safety",
    "privacy": "privacy",
    "fairness-and-discrimination": "fairness-and-bias",
    "security": "security",
    "environment": "environmental",
    "human-rights": "societal",
    "democracy-and-public-discourse": "societal",
    "autonomy-and-manipulation": "misuse",
}


def _refuse_computed_and_unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    errors: dict[str, list[str]] = {}
    for name in data:
        if name in COMPUTED:
            errors[name] = [_("The level is derived from the matrix and cannot be set.")]
        elif name not in allowed:
            errors[name] = [_("This field cannot be set.")]
    if errors:
        raise ValidationError(errors)


def _check_positions(
    matrix: RiskMatrix, data: dict[str, Any], current: Any, errors: dict[str, list[str]]
) -> None:
    for field, axis in (("severity", "impact"), ("likelihood", "likelihood")):
        value = data.get(field, getattr(current, field, None))
        problems = check_position(matrix, field, value, axis)
        if problems:
            errors[field] = problems


def _apply_assessment(
    actor: Actor, assessment: ImpactAssessment, data: dict[str, Any]
) -> dict[str, Any]:
    _refuse_computed_and_unknown(data, ASSESSMENT_FIELDS)
    errors: dict[str, list[str]] = {}
    system = data.get("ai_system", getattr(assessment, "ai_system", None))
    if "ai_system" in data:
        if assessment.pk and data["ai_system"].pk != assessment.ai_system_id:
            errors["ai_system"] = [_("An assessment stays with its AI system.")]
        elif actor is not None and not permitted(actor, CHANGE, data["ai_system"]):
            # Ids come from the rows the user sees (forms, API fields): no hidden system named.
            errors["ai_system"] = [
                _("You may not link records to AI system %(id)s.") % {"id": data["ai_system"].pk}
            ]
        elif data["ai_system"].retired_at is not None:
            errors["ai_system"] = [_("“%(name)s” is retired.") % {"name": data["ai_system"]}]
    matrix = data.get("matrix", getattr(assessment, "matrix", None))
    if (
        "matrix" in data
        and not data["matrix"].is_current
        and (not assessment.pk or data["matrix"].pk != assessment.matrix_id)
    ):
        errors["matrix"] = [_("Choose the current version of a matrix.")]
    if matrix is not None:
        _check_positions(matrix, data, assessment, errors)
    criteria = data.get("human_judgment")
    if criteria is not None:
        if not isinstance(criteria, dict) or set(criteria) - set(HUMAN_JUDGMENT_CRITERIA):
            errors["human_judgment"] = [
                _("Give notes by criterion: %(codes)s.")
                % {"codes": ", ".join(HUMAN_JUDGMENT_CRITERIA)}
            ]
        else:
            data["human_judgment"] = {
                k: str(v).strip() for k, v in criteria.items() if str(v).strip()
            }
    risks = data.get("linked_risks")
    if risks is not None and system is not None:
        _check_risks(actor, system, risks, "linked_risks", errors)
    controls = data.get("annex_controls")
    if controls is not None:
        ids = {c.pk for c in controls}
        annex = Requirement.objects.filter(pk__in=ids, **ANNEX_A_CONTROLS)
        if ids - set(annex.values_list("pk", flat=True)):
            errors["annex_controls"] = [_("Choose ISO/IEC 42001 Annex A controls.")]
    if errors:
        raise ValidationError(errors)
    later = {}
    for name, value in data.items():
        if name in ("linked_risks", "annex_controls"):
            later[name] = value
        else:
            setattr(assessment, name, value)
    assessment.scope = sorted(set(assessment.scope or []))
    assessment.affected_parties = sorted(set(assessment.affected_parties or []))
    assessment.level, assessment.level_rank = level_of(
        assessment.matrix, assessment.likelihood, assessment.severity
    )
    assessment.full_clean()
    return later


def _check_risks(
    actor: Actor, system: AISystem, risks: list[Risk], field: str, errors: dict[str, list[str]]
) -> None:
    """Risks linked to an assessment must concern its AI system and be visible to the actor."""
    ids = {risk.pk for risk in risks}
    visible = restrict(Risk.objects.all(), actor) if actor is not None else Risk.objects.all()
    ok = set(visible.filter(pk__in=ids, ai_systems=system).values_list("pk", flat=True))
    if ids - ok:
        errors[field] = [
            _("These risks do not concern this AI system: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in sorted(ids - ok))}
        ]


def _default_matrix() -> RiskMatrix | None:
    """The matrix the officer chose for impact assessments (``is_impact_default``), else the
    current 3×3 one, else the default of risks."""
    return (
        RiskMatrix.objects.filter(is_impact_default=True).first()
        or RiskMatrix.objects.filter(code=DEFAULT_MATRIX_CODE, is_current=True).first()
        or RiskMatrix.objects.filter(is_default=True).first()
    )


@transaction.atomic
def impact_assessment_create(*, actor: Actor, **data: Any) -> ImpactAssessment:
    """Start the impact assessment of an AI system (a draft). Someone who works only on
    granted systems may assess only those."""
    user = actor if actor is not None and actor.is_authenticated else None
    data.setdefault("matrix", _default_matrix())
    data.setdefault("owner", user)
    data.setdefault("responsible", user)
    data.setdefault("assessed_on", timezone.localdate())
    if data.get("ai_system") is None:
        raise ValidationError({"ai_system": [_("Choose the AI system assessed.")]})
    data.setdefault("system_version", data["ai_system"].version)
    assessment = ImpactAssessment(author=user)  # type: ignore[misc]
    later = _apply_assessment(actor, assessment, data)
    assessment.save()
    for name, value in later.items():
        getattr(assessment, name).set(value)
    change_record(actor=actor, action=Action.CREATE, obj=assessment)
    return assessment


@transaction.atomic
def impact_assessment_update(
    *, actor: Actor, assessment: ImpactAssessment, **data: Any
) -> ImpactAssessment:
    """Change a draft. An approved assessment is frozen and changes nothing (start a new
    version); one in review changes once it is returned."""
    assessment = ImpactAssessment.objects.select_for_update().get(pk=assessment.pk)
    approval_editable(assessment)
    with logged(assessment, actor=actor):
        later = _apply_assessment(actor, assessment, data)
        assessment.save()
        for name, value in later.items():
            getattr(assessment, name).set(value)
    return assessment


def impact_assessment_submit(*, actor: Actor, assessment: ImpactAssessment) -> ImpactAssessment:
    """Send a draft for review (it needs at least one consequence); it is locked until
    approved or returned."""
    return approval_submit(actor=actor, version=assessment)


def impact_assessment_approve(*, actor: Actor, assessment: ImpactAssessment) -> ImpactAssessment:
    """Approve an assessment in review (not by its author). The version it replaces becomes
    superseded; a pending reassessment is settled; the next review date follows the interval."""
    return approval_approve(actor=actor, version=assessment)


def impact_assessment_return(
    *, actor: Actor, assessment: ImpactAssessment, comment: str
) -> ImpactAssessment:
    """Send an assessment in review back to draft with the reviewer's comment."""
    return approval_return(actor=actor, version=assessment, comment=comment)


def impact_assessment_new_version(
    *, actor: Actor, assessment: ImpactAssessment
) -> ImpactAssessment:
    """Start the next version of an approved assessment: a draft that carries its content,
    entries and risk links forward. The approved version stays in force until the new one is
    approved."""
    return approval_new_version(actor=actor, version=assessment)


# --- Entries -------------------------------------------------------------------------------------
def _apply_entry(actor: Actor, entry: ImpactEntry, data: dict[str, Any]) -> list[Risk] | None:
    _refuse_computed_and_unknown(data, ENTRY_FIELDS)
    assessment = entry.assessment
    errors: dict[str, list[str]] = {}
    party = data.get("party_type")
    if party is not None and party.framework.urn != urns.AFFECTED_PARTIES:
        errors["party_type"] = [_("Choose an affected-party type.")]
    area = data.get("impact_area")
    if area is not None and area.framework.urn != urns.IMPACT_AREAS:
        errors["impact_area"] = [_("Choose an impact area.")]
    _check_positions(assessment.matrix, data, entry, errors)
    risks = data.get("risks")
    if risks is not None:
        _check_risks(actor, assessment.ai_system, risks, "risks", errors)
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        if name != "risks":
            setattr(entry, name, value)
    entry.level, entry.level_rank = level_of(assessment.matrix, entry.likelihood, entry.severity)
    entry.full_clean()
    return risks


@transaction.atomic
def impact_entry_create(*, actor: Actor, assessment: ImpactAssessment, **data: Any) -> ImpactEntry:
    approval_editable(assessment)
    entry = ImpactEntry(assessment=assessment, owner=getattr(assessment, "owner", None))
    risks = _apply_entry(actor, entry, data)
    entry.save()
    if risks is not None:
        entry.risks.set(risks)
    change_record(actor=actor, action=Action.CREATE, obj=entry)
    return entry


@transaction.atomic
def impact_entry_update(*, actor: Actor, entry: ImpactEntry, **data: Any) -> ImpactEntry:
    approval_editable(entry.assessment)
    with logged(entry, actor=actor):
        risks = _apply_entry(actor, entry, data)
        entry.save()
        if risks is not None:
            entry.risks.set(risks)
    return entry


@transaction.atomic
def impact_entry_delete(*, actor: Actor, entry: ImpactEntry) -> None:
    approval_editable(entry.assessment)
    before = snapshot(entry)
    pk = entry.pk
    change_record(
        actor=actor, action=Action.DELETE, obj=entry, before=before, after=None, object_id=pk
    )
    entry.delete()


def _risk_description(entry: ImpactEntry) -> str:
    """The description of a risk made from a consequence. It is stored, so it is written in
    the organisation's language, not in the language of whoever clicked."""
    assessment = entry.assessment
    with translation.override(settings.LANGUAGE_CODE):
        party = entry.party_type.name
        if entry.party_description:
            party = f"{party} — {entry.party_description}"
        lines = [
            entry.description,
            _("Affected party: %(party)s") % {"party": party},
            _("Impact area: %(area)s") % {"area": entry.impact_area.name},
            _("Existing mitigations: %(mitigations)s") % {"mitigations": entry.existing_mitigations}
            if entry.existing_mitigations
            else "",
            _("From impact assessment: %(assessment)s") % {"assessment": assessment},
        ]
    return "\n".join(line for line in lines if line)


def impact_entry_risk_initial(entry: ImpactEntry) -> dict[str, Any]:
    """A risk prefilled from one consequence (on the assessment's matrix): its title,
    description, AI system, positions, category, owner (the assessment's) and treatment plan
    (the planned mitigations). The risk form starts from it; the one-step API uses it as is."""
    assessment = entry.assessment
    area = entry.impact_area
    category = Requirement.objects.filter(
        framework__urn=urns.AI_RISK_CATEGORIES,
        ref_id=AREA_TO_CATEGORY.get(area.ref_id, ""),
    ).first()
    title = f"{assessment.ai_system.name}: {entry.description}"[:300]
    description = _risk_description(entry)
    return {
        "title": title,
        "description": description,
        "ai_systems": [assessment.ai_system],
        "matrix": assessment.matrix,
        "inherent_likelihood": entry.likelihood,
        "inherent_impact": entry.severity,
        "residual_likelihood": entry.likelihood,
        "residual_impact": entry.severity,
        "categories": [category] if category else [],
        "treatment_plan": entry.planned_mitigations,
        "owner": assessment.owner,
    }


@transaction.atomic
def impact_entry_create_risk(*, actor: Actor, entry: ImpactEntry, **data: Any) -> Risk:
    """Reflect one consequence into the 6.1.2 risk assessment: register a risk of the AI
    system and link it to the consequence. ``data`` is the risk as the person completed the
    prefilled form (``impact_entry_risk_initial``); without it, the prefill is registered
    as is. Allowed while the assessment is a draft or in review (reflection is part of doing
    it); the risk concerns the assessment's AI system."""
    assessment = entry.assessment
    if assessment.status in (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED):
        raise ValidationError(
            _(
                "Reflect consequences into risks before the assessment is "
                "approved; start a new version to add more."
            )
        )
    if not data:  # one step (the API): the prefill, owned by whoever registers it
        data = impact_entry_risk_initial(entry)
        data.pop("owner")
    systems = data.get("ai_systems") or []
    if assessment.ai_system_id not in {system.pk for system in systems}:
        raise ValidationError(
            {
                "ai_systems": [
                    _("A risk made from a consequence concerns the assessed AI system “%(name)s”.")
                    % {"name": assessment.ai_system.name}
                ]
            }
        )
    risk = risk_create(actor=actor, **data)
    with logged(entry, actor=actor, always=True):
        entry.risks.add(risk)
    return risk


def reflected_risk_ids(assessment: ImpactAssessment) -> list[int]:
    """The risks the assessment is reflected in: linked to it, or to any of its entries."""
    ids = {risk.pk for risk in assessment.linked_risks.all()}
    for entry in assessment.entries.all():
        ids.update(risk.pk for risk in entry.risks.all())
    return sorted(ids)


# --- Reassessment --------------------------------------------------------------------------------
def flag_reassessment(
    *, system: AISystem, changes: dict[str, tuple[Any, Any]], actor: Actor
) -> int:
    """An AI system's version, intended use or life-cycle stage changed: its approved
    assessments are flagged "reassessment due" and their owners told, once per flag (6.3,
    A.6.2.6). Returns how many were newly flagged. Runs in the caller's transaction."""
    labels = {
        "version": gettext_lazy("version"),
        "purpose": gettext_lazy("intended use"),
        "lifecycle_stage": gettext_lazy("life cycle stage"),
    }
    # Rendered in each reader's language: the change record, the flag and the notifications.
    what = lazy(lambda: ", ".join(str(labels.get(name, name)) for name in changes), str)()
    flagged = 0
    for assessment in ImpactAssessment.objects.select_for_update().filter(
        ai_system=system, status=ApprovalStatus.APPROVED
    ):
        with translation.override(settings.LANGUAGE_CODE):  # stored: the organisation's language
            reason = _("Changed: %(what)s (%(date)s).") % {
                "what": what,
                "date": timezone.localdate().isoformat(),
            }
        if assessment.reassessment_due:
            reasons = f"{assessment.reassessment_reason}\n{reason}".strip()
            logged_update(assessment, actor=actor, reassessment_reason=reasons)
            continue
        logged_update(assessment, actor=actor, reassessment_due=True, reassessment_reason=reason)
        flagged += 1
        recipients = {p for p in (assessment.owner, assessment.responsible) if p is not None}
        for person in recipients:
            notification_create(
                recipient=person,
                kind=NotificationKind.REVIEW_DUE,
                subject=in_recipient_language(
                    gettext_noop("Reassessment due: %(assessment)s"), assessment=str(assessment)
                ),
                body=in_recipient_language(
                    gettext_noop(
                        "The AI system “%(system)s” changed (%(what)s). Its impact "
                        "assessment needs to be redone: start a new version."
                    ),
                    system=system.name,
                    what=what,
                ),
                url=assessment.get_absolute_url(),
                dedupe_key=f"impact-reassessment:{assessment.pk}:{assessment.number}",
            )
    return flagged


@transaction.atomic
def impact_entry_link_risks(*, actor: Actor, entry: ImpactEntry, risks: list[Risk]) -> ImpactEntry:
    """Link existing risks of the same AI system to a consequence (or unlink them)."""
    assessment = entry.assessment
    if assessment.status in (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED):
        raise ValidationError(
            _(
                "Reflect consequences into risks before the assessment is "
                "approved; start a new version to add more."
            )
        )
    errors: dict[str, list[str]] = {}
    _check_risks(actor, assessment.ai_system, risks, "risks", errors)
    if errors:
        raise ValidationError(errors)
    with logged(entry, actor=actor):
        entry.risks.set(risks)
    return entry
