"""Routes of the impact API, put on the one ``/api/v1/`` router by the root URL
configuration."""

from typing import Any

from impact.api.views import ImpactAssessmentViewSet, ImpactEntryViewSet

ROUTES: list[tuple[str, Any, str]] = [
    ("impact-assessments", ImpactAssessmentViewSet, "impact-assessment"),
    ("impact-entries", ImpactEntryViewSet, "impact-entry"),
]
