"""The risks that rely on library requirements, for the Statement of Applicability's checks:
a risk relies on an Annex A control when one of its treatment actions implements it directly
(``TreatmentAction.controls``) or through one of the organisation's controls that satisfies it
(``TreatmentAction.implementing_controls``). Closed risks and cancelled actions rely on
nothing any more."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from aims.registry import Reliance, RequirementReliance, registry
from aims.scope import restrict


def relied_on(requirement_ids: list[int], user: Any) -> dict[int, list[Reliance]]:
    """Each requirement id → the risks relying on it (as far as ``user`` sees; None: all),
    in three queries whatever the number of ids."""
    from controls.models import ControlRequirement
    from risk.choices import ActionStatus, RiskStatus
    from risk.models import Risk, TreatmentAction

    if not requirement_ids:
        return {}
    actions = TreatmentAction.objects.exclude(status=ActionStatus.CANCELLED).exclude(
        risk__status=RiskStatus.CLOSED
    )
    direct = TreatmentAction.controls.through.objects.filter(
        requirement_id__in=requirement_ids, treatmentaction__in=actions
    ).values_list("requirement_id", "treatmentaction__risk_id")
    satisfied = ControlRequirement.objects.filter(requirement_id__in=requirement_ids)
    through = TreatmentAction.implementing_controls.through.objects.filter(
        treatmentaction__in=actions,
        control_id__in=satisfied.values("control_id"),
    ).values_list("control_id", "treatmentaction__risk_id")
    by_control: dict[int, set[int]] = {}
    for control_id, requirement_id in satisfied.values_list("control_id", "requirement_id"):
        by_control.setdefault(control_id, set()).add(requirement_id)
    pairs: set[tuple[int, int]] = set(direct)
    for control_id, risk_id in through:
        pairs.update((requirement_id, risk_id) for requirement_id in by_control.get(control_id, ()))
    risks = Risk.objects.filter(pk__in={risk_id for _r, risk_id in pairs})
    if user is not None:
        risks = restrict(risks, user)
    shown = {risk.pk: risk for risk in risks.only("pk", "title").order_by("pk")}
    found: dict[int, list[Reliance]] = {}
    for requirement_id, risk_id in sorted(pairs):
        risk = shown.get(risk_id)
        if risk is not None:
            found.setdefault(requirement_id, []).append(
                Reliance(kind="risk", label=str(risk), url=risk.get_absolute_url())
            )
    return found


def register() -> None:
    """From ``RiskConfig.ready``."""
    registry.add_requirement_reliance(
        RequirementReliance(
            code="risk", label=gettext_lazy("Risk treatment"), relied_on=relied_on, order=10
        )
    )
