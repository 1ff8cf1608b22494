"""The benchmark's measurements of the controls app: the control list, the Statement of
Applicability, the evidence list (page and API, officer and operator) and detail pages, each
beside hand-written SQL for the same rows."""

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
    controls_raw = raw(
        "SELECT count(*) FROM controls_control",
        "SELECT c.*, u.username FROM controls_control c LEFT JOIN auth_user u "
        "ON u.id = c.owner_id ORDER BY c.code LIMIT 50",
        "SELECT t.control_id, s.id, s.name FROM controls_control_ai_systems t JOIN "
        "aims_aisystem s ON s.id = t.aisystem_id WHERE t.control_id IN "
        "(SELECT id FROM controls_control ORDER BY code LIMIT 50)",
    )
    evidence_raw = raw(
        "SELECT count(*) FROM controls_evidence",
        "SELECT e.*, v.* FROM controls_evidence e LEFT JOIN controls_evidenceversion v "
        "ON v.id = e.current_version_id ORDER BY e.title, e.id LIMIT 50",
    )
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
        ("Control list page (officer)", get(OFFICER, "/controls/"), controls_raw, 150),
        ("Control list page (operator)", get(OPERATOR, "/controls/"), None, 150),
        (
            "Control list API, 50 a page",
            get(OFFICER, "/api/v1/controls/?page_size=50"),
            controls_raw,
            150,
        ),
        (
            "Control detail page",
            get(OFFICER, lambda: f"/controls/{rng.choice(control_ids)}/"),
            None,
            100,
        ),
        ("Statement of Applicability page (38 rows)", get(OFFICER, "/soa/"), soa_raw, 150),
        ("Evidence list page (officer)", get(OFFICER, "/evidence/"), evidence_raw, 150),
        (
            "Evidence list page, expired (officer)",
            get(OFFICER, "/evidence/?expired=yes"),
            None,
            150,
        ),
        ("Evidence list page (operator)", get(OPERATOR, "/evidence/"), None, 150),
        (
            "Evidence list API, 50 a page",
            get(OFFICER, "/api/v1/evidence/?page_size=50"),
            evidence_raw,
            150,
        ),
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
