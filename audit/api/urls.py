"""Routes of the audit API, put on the one ``/api/v1/`` router by the root URL
configuration."""

from typing import Any

from audit.api import audits, nonconformities, packs, review

ROUTES: list[tuple[str, Any, str]] = [
    *audits.ROUTES,
    *nonconformities.ROUTES,
    *review.ROUTES,
    *packs.ROUTES,
]
