"""The benchmark's measurements of the audit app besides its lists (``bench.lists`` reads
those at three positions): an audit's workspace, the nonconformity board as an operator, and
a nonconformity's page."""

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
    return [
        (
            "Audit workspace page",
            get(AUDITOR, lambda: f"/audits/{rng.choice(audit_ids)}/"),
            None,
            100,
        ),
        ("Nonconformity board (operator)", get(OPERATOR, "/nonconformities/"), None, 150),
        (
            "Nonconformity detail page",
            get(OFFICER, lambda: f"/nonconformities/{rng.choice(nc_ids)}/"),
            None,
            100,
        ),
    ]
