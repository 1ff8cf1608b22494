"""Every read of the impact app. Selectors without a ``user`` shape rows and are restricted
by the base views (``aims.scope.restrict``); see ``aims.selectors``."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from aims.models import Requirement
from impact.models import ImpactAssessment, ImpactEntry
from risk.models import Risk


def impact_assessments() -> QuerySet[ImpactAssessment]:
    """Assessments with what their lists show (rows: ``restrict``)."""
    return ImpactAssessment.objects.select_related(
        "ai_system", "matrix", "owner", "responsible", "author", "approved_by"
    )


def _entries() -> Prefetch:
    return Prefetch(
        "entries",
        queryset=ImpactEntry.objects.select_related("party_type", "impact_area").prefetch_related(
            Prefetch("risks", queryset=Risk.objects.only("id", "title", "residual_level"))
        ),
    )


def impact_assessment_details() -> QuerySet[ImpactAssessment]:
    """Assessments with everything an assessment's page reads."""
    return impact_assessments().prefetch_related(_entries(), "linked_risks", "annex_controls")


def impact_assessments_with_entries(queryset: QuerySet[ImpactAssessment]) -> Any:
    """``queryset`` with its entries and every linked risk fetched in a fixed number of
    queries, and the id of the version before each (``previous``; the API list and the
    exports)."""
    before = ImpactAssessment.objects.filter(
        series=OuterRef("series"), number=OuterRef("number") - 1
    ).values("pk")[:1]
    return queryset.annotate(previous=Subquery(before)).prefetch_related(
        _entries(),
        Prefetch("linked_risks", queryset=Risk.objects.only("id")),
        Prefetch("annex_controls", queryset=Requirement.objects.only("id")),
    )


def impact_entries() -> QuerySet[ImpactEntry]:
    return ImpactEntry.objects.select_related(
        "assessment__ai_system", "assessment__matrix", "party_type", "impact_area"
    )
