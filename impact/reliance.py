"""The impact assessments that rely on Annex A controls (``ImpactAssessment.annex_controls``),
for the Statement of Applicability's checks. Of each assessment only its current version
counts: the newest that is not superseded."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from aims.choices import ApprovalStatus
from aims.registry import Reliance, RequirementReliance, registry
from aims.scope import restrict


def relied_on(requirement_ids: list[int], user: Any) -> dict[int, list[Reliance]]:
    """Each requirement id → the impact assessments relying on it (as far as ``user`` sees;
    None: all), in two queries whatever the number of ids."""
    from impact.models import ImpactAssessment

    if not requirement_ids:
        return {}
    links = ImpactAssessment.annex_controls.through.objects.filter(
        requirement_id__in=requirement_ids
    ).exclude(impactassessment__status=ApprovalStatus.SUPERSEDED)
    pairs = list(links.values_list("requirement_id", "impactassessment_id"))
    assessments = ImpactAssessment.objects.filter(pk__in={pk for _r, pk in pairs})
    if user is not None:
        assessments = restrict(assessments, user)
    rows = list(assessments.select_related("ai_system").order_by("series", "-number"))
    newest: dict[Any, int] = {}
    for assessment in rows:
        newest.setdefault(assessment.series, assessment.pk)
    shown = {a.pk: a for a in rows if newest[a.series] == a.pk}
    found: dict[int, list[Reliance]] = {}
    for requirement_id, assessment_id in sorted(pairs):
        current = shown.get(assessment_id)
        if current is not None:
            found.setdefault(requirement_id, []).append(
                Reliance(
                    kind="impact_assessment",
                    label=str(current),
                    url=current.get_absolute_url(),
                )
            )
    return found


def register() -> None:
    """From ``ImpactConfig.ready``."""
    registry.add_requirement_reliance(
        RequirementReliance(
            code="impact_assessment",
            label=gettext_lazy("Impact assessments"),
            relied_on=relied_on,
            order=20,
        )
    )
