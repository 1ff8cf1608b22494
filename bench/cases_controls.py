"""The benchmark's measurements of the controls app besides its lists (``bench.lists`` reads
those at three positions): the control list as an operator, the Statement of Applicability,
the evidence list filtered and as an operator, and the detail pages."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Case = tuple[str, Callable[[], Any], Callable[[], None] | None, float]


def control_cases(get: Any, raw: Any, rng: random.Random) -> list[Case]:
    from bench.generate import OFFICER, OPERATOR
    from controls.models import Control, Evidence

    control_ids = list(Control.objects.values_list("pk", flat=True)[:2000])
    evidence_ids = list(Evidence.objects.values_list("pk", flat=True)[:5000])
    soa_raw = raw(
        "SELECT r.*, q.ref_id, q.name_ja FROM controls_applicabilitystatement r JOIN "
        "aims_requirement q ON q.id = r.requirement_id WHERE r.soa_id = "
        "(SELECT max(id) FROM controls_statementofapplicability) ORDER BY q.order",
        "SELECT t.applicabilitystatement_id, c.code, c.name FROM "
        "controls_applicabilitystatement_controls t JOIN controls_control c ON "
        "c.id = t.control_id",
        "SELECT t.applicabilitystatement_id, e.title, e.valid_until FROM "
        "controls_applicabilitystatement_evidence t JOIN controls_evidence e ON "
        "e.id = t.evidence_id",
    )
    return [
        ("Control list page (operator)", get(OPERATOR, "/controls/"), None, 150),
        (
            "Control detail page",
            get(OFFICER, lambda: f"/controls/{rng.choice(control_ids)}/"),
            None,
            100,
        ),
        ("Statement of Applicability page (38 rows)", get(OFFICER, "/soa/"), soa_raw, 150),
        (
            "Evidence list page, expired (officer)",
            get(OFFICER, "/evidence/?expired=yes"),
            None,
            150,
        ),
        ("Evidence list page (operator)", get(OPERATOR, "/evidence/"), None, 150),
        (
            "Evidence list API (operator)",
            get(OPERATOR, "/api/v1/evidence/?page_size=50"),
            None,
            150,
        ),
        (
            "Evidence detail page",
            get(OFFICER, lambda: f"/evidence/{rng.choice(evidence_ids)}/"),
            None,
            100,
        ),
    ]
