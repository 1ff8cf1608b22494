"""Writes of treatment actions: the steps of a risk's treatment plan, the Annex A controls
they implement and the organisation's controls they rely on (``implementing_controls``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aims import urns
from aims.changelog import change_record, logged
from aims.choices import Action
from aims.models import Requirement
from aims.services.accounts import Actor
from risk.choices import ActionStatus, RiskStatus
from risk.models import Risk, TreatmentAction

# Which library items the controls of a treatment action may point at.
ANNEX_A_CONTROLS = {
    "framework__urn": urns.ISO_42001,
    "ref_id__startswith": "A.",
    "assessable": True,
}
ACTION_FIELDS = (
    "title",
    "description",
    "owner",
    "due_on",
    "status",
    "completed_on",
    "controls",
    "implementing_controls",
)


def _check_implementing_controls(
    actor: Actor, action: TreatmentAction, controls: list[Any] | None
) -> None:
    """The organisation's controls an action relies on: controls the actor may see (none for
    a platform command's actor: nothing is restricted), not retired unless already linked."""
    if controls is None:
        return
    from aims.scope import VIEW, permitted_ids
    from controls.choices import ControlStatus
    from controls.models import Control

    ids = {control.pk for control in controls}
    existing = (
        set(action.implementing_controls.values_list("pk", flat=True)) if action.pk else set()
    )
    if actor is not None:
        visible = permitted_ids(actor, VIEW, Control, ids)
        if ids - visible - existing:
            raise ValidationError(
                {"implementing_controls": [_("Choose controls of the organisation you may see.")]}
            )
    retired = {c.pk for c in controls if c.status == ControlStatus.RETIRED} - existing
    if retired:
        raise ValidationError({"implementing_controls": [_("A retired control cannot be linked.")]})


def _apply_action(
    action: TreatmentAction, data: dict[str, Any], actor: Actor = None
) -> list[Requirement] | None:
    unknown = set(data) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    _check_implementing_controls(actor, action, data.get("implementing_controls"))
    controls = data.get("controls")
    if controls is not None:
        ids = {c.pk for c in controls}
        valid = set(
            Requirement.objects.filter(pk__in=ids, **ANNEX_A_CONTROLS).values_list("pk", flat=True)
        )
        if ids - valid:
            raise ValidationError({"controls": [_("Choose ISO/IEC 42001 Annex A controls.")]})
    for name, value in data.items():
        if name not in ("controls", "implementing_controls"):
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
    controls = _apply_action(action, data, actor)
    action.save()
    if controls is not None:
        action.controls.set(controls)
    if data.get("implementing_controls") is not None:
        action.implementing_controls.set(data["implementing_controls"])
    change_record(actor=actor, action=Action.CREATE, obj=action)
    _risk_moves_into_treatment(actor, risk)
    return action


@transaction.atomic
def treatment_action_update(
    *, actor: Actor, action: TreatmentAction, **data: Any
) -> TreatmentAction:
    with logged(action, actor=actor):
        controls = _apply_action(action, data, actor)
        action.save()
        if controls is not None:
            action.controls.set(controls)
        if data.get("implementing_controls") is not None:
            action.implementing_controls.set(data["implementing_controls"])
    return action
