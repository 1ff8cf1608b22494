"""The benchmark's measurements of the audit app: the audit list, an audit's workspace, the
findings and nonconformity lists (pages and API), each beside hand-written SQL for the same
rows where it is a plain list."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Case = tuple[str, Callable[[], Any], Callable[[], None] | None, float]


def audit_cases(get: Any, raw: Any, rng: random.Random) -> list[Case]:
    from audit.models import Audit, Nonconformity
    from bench.generate import AUDITOR, OFFICER, OPERATOR

    audit_ids = list(Audit.objects.values_list("pk", flat=True)[:500])
    nc_ids = list(Nonconformity.objects.values_list("pk", flat=True)[:2000])
    audits_raw = raw(
        "SELECT count(*) FROM audit_audit",
        "SELECT a.*, u.username FROM audit_audit a LEFT JOIN auth_user u ON u.id = a.owner_id "
        "ORDER BY a.period_start DESC, a.title, a.id LIMIT 50",
    )
    findings_raw = raw(
        "SELECT count(*) FROM audit_finding",
        "SELECT f.*, r.ref_id FROM audit_finding f JOIN aims_requirement r ON "
        "r.id = f.requirement_id ORDER BY f.audit_id, f.id LIMIT 50",
    )
    ncs_raw = raw(
        "SELECT count(*) FROM audit_nonconformity",
        "SELECT n.*, u.username FROM audit_nonconformity n LEFT JOIN auth_user u ON "
        "u.id = n.owner_id ORDER BY n.raised_on DESC, n.id DESC LIMIT 50",
    )
    return [
        ("Audit list page (auditor)", get(AUDITOR, "/audits/"), audits_raw, 150),
        ("Audit list API (auditor)", get(AUDITOR, "/api/v1/audits/?page_size=50"), audits_raw, 150),
        (
            "Audit workspace page",
            get(AUDITOR, lambda: f"/audits/{rng.choice(audit_ids)}/"),
            None,
            100,
        ),
        (
            "Findings API, 50 a page",
            get(AUDITOR, "/api/v1/findings/?page_size=50"),
            findings_raw,
            150,
        ),
        ("Nonconformity board (officer)", get(OFFICER, "/nonconformities/"), ncs_raw, 150),
        ("Nonconformity board (operator)", get(OPERATOR, "/nonconformities/"), None, 150),
        (
            "Nonconformity list API",
            get(OFFICER, "/api/v1/nonconformities/?page_size=50"),
            ncs_raw,
            150,
        ),
        (
            "Nonconformity detail page",
            get(OFFICER, lambda: f"/nonconformities/{rng.choice(nc_ids)}/"),
            None,
            100,
        ),
    ]
