"""Routes of the risk API, put on the one ``/api/v1/`` router by the root URL configuration."""

from typing import Any

from risk.api.views import RiskMatrixViewSet, RiskViewSet, TreatmentActionViewSet

ROUTES: list[tuple[str, Any, str]] = [
    ("risk-matrices", RiskMatrixViewSet, "risk-matrix"),
    ("risks", RiskViewSet, "risk"),
    ("risk-actions", TreatmentActionViewSet, "risk-action"),
]
