"""Every read of the impact app, already restricted to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from aims import selectors as aims_selectors
from aims.roles import Capability, has_capability
from impact.models import ImpactAssessment, ImpactEntry
from risk.models import Risk


def impact_assessment_list(*, user: Any) -> QuerySet[ImpactAssessment]:
    """Assessments ``user`` may see: all for roles that see all records; for operational
    members, those of the AI systems granted to them (ids fetched first, as for risks)."""
    queryset = ImpactAssessment.objects.select_related(
        "ai_system", "matrix", "owner", "responsible", "author", "approved_by"
    )
    if has_capability(user, Capability.SEE_ALL_RECORDS):
        return queryset
    if has_capability(user, Capability.CHANGE_RECORDS):
        ids = list(aims_selectors.ai_system_list(user=user).values_list("pk", flat=True))
        return queryset.filter(ai_system_id__in=ids)
    return queryset.none()


def impact_assessment_editable(*, user: Any) -> QuerySet[ImpactAssessment]:
    queryset = ImpactAssessment.objects.select_related("ai_system", "matrix")
    if not has_capability(user, Capability.CHANGE_RECORDS):
        return queryset.none()
    if has_capability(user, Capability.CHANGE_ALL_RECORDS):
        return queryset
    ids = list(aims_selectors.ai_system_editable(user=user).values_list("pk", flat=True))
    return queryset.filter(ai_system_id__in=ids)


def _entries() -> Prefetch:
    return Prefetch(
        "entries",
        queryset=ImpactEntry.objects.select_related("party_type", "impact_area").prefetch_related(
            Prefetch("risks", queryset=Risk.objects.only("id", "title", "residual_level"))
        ),
    )


def impact_assessment_detail(*, user: Any, pk: int) -> ImpactAssessment | None:
    return (
        impact_assessment_list(user=user)
        .prefetch_related(_entries(), "linked_risks")
        .filter(pk=pk)
        .first()
    )


def impact_assessments_with_entries(queryset: QuerySet[ImpactAssessment]) -> Any:
    """``queryset`` with its entries and every linked risk fetched in a fixed number of
    queries (the API list and the exports)."""
    return queryset.prefetch_related(
        _entries(), Prefetch("linked_risks", queryset=Risk.objects.only("id"))
    )


def impact_entry_list(*, user: Any) -> QuerySet[ImpactEntry]:
    return ImpactEntry.objects.filter(
        assessment__in=impact_assessment_list(user=user).values("pk")
    ).select_related("assessment", "party_type", "impact_area")


def impact_entry_editable(*, user: Any) -> QuerySet[ImpactEntry]:
    return ImpactEntry.objects.filter(
        assessment__in=impact_assessment_editable(user=user).values("pk")
    ).select_related("assessment__ai_system", "assessment__matrix")


def impact_versions(assessment: ImpactAssessment) -> list[ImpactAssessment]:
    """Every version of the assessment's series, oldest first (a series is short)."""
    first = assessment
    while first.previous_id is not None:
        first = ImpactAssessment.objects.select_related("previous").get(pk=first.previous_id)
    versions = [first]
    while True:
        following = ImpactAssessment.objects.filter(previous=versions[-1]).first()
        if following is None:
            return versions
        versions.append(following)
