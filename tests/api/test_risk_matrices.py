"""``risk-matrices/``: the likelihood × impact matrices with their levels, grid and
criteria. Matrices are versioned, never deleted."""

from __future__ import annotations

from risk.defaults import MATRIX_3X3
from risk.models import RiskMatrix
from tests.api_cases import APIViewTestCase
from tests.factories import RiskMatrixFactory


def steps(*labels: str) -> list[dict[str, str]]:
    return [{"label_en": label, "label_ja": label} for label in labels]


TWO_BY_TWO = {
    "code": "2x2",
    "name_en": "2 × 2",
    "name_ja": "2×2",
    "likelihood_levels": steps("Unlikely", "Likely"),
    "impact_levels": steps("Minor", "Major"),
    "levels": [
        {"code": "low", "label_en": "Low", "label_ja": "低", "colour": "#16a34a"},
        {"code": "high", "label_en": "High", "label_ja": "高", "colour": "#dc2626"},
    ],
    "grid": [["low", "high"], ["high", "high"]],
}


class TestRiskMatrices(APIViewTestCase):
    basename = "risk-matrix"
    model = RiskMatrix
    factory = staticmethod(lambda: RiskMatrixFactory(custom=True))
    fields = (
        "id",
        "code",
        "version",
        "name_en",
        "name_ja",
        "is_current",
        "is_default",
        "likelihood_levels",
        "impact_levels",
        "levels",
        "grid",
        "criteria",
    )
    # The response numbers the steps and ranks the levels the request lists.
    unchecked_fields = ("likelihood_levels", "impact_levels", "levels")
    not_writers = ("operator", "executive", "auditor", "external_auditor", "viewer")
    create_data = [
        {**TWO_BY_TWO, "acceptable_levels": ["low"]},
        # The criteria may leave every level above them (the field is optional).
        {**TWO_BY_TWO, "code": "2x2-strict"},
        {
            **MATRIX_3X3,
            "code": "3x3-lenient",
            "description_en": "The shipped 3 × 3 with every level acceptable.",
            "acceptable_levels": ["low", "medium", "high"],
        },
    ]
    update_data = {
        "name_en": "Lenient 3 × 3",
        "grid": [["low", "low", "low"], ["low", "low", "medium"], ["low", "medium", "high"]],
    }
    bad_create_data = [
        ("grid", {**TWO_BY_TWO, "grid": [["low", "severe"], ["high", "high"]]}),
        ("grid", {**TWO_BY_TWO, "grid": [["low"]]}),
        ("likelihood_levels", {**TWO_BY_TWO, "likelihood_levels": steps("Only")}),
        ("acceptable_levels", {**TWO_BY_TWO, "acceptable_levels": ["medium"]}),
        # The serializer's unique-together check answers before the service's "code" message.
        ("non_field_errors", {**TWO_BY_TWO, "code": "5x5"}),
    ]
    bad_update_data = [("levels", {"levels": TWO_BY_TWO["levels"][:1]})]
