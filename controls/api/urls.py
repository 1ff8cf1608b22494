"""Routes of the controls API, put on the one ``/api/v1/`` router by the root URL
configuration."""

from typing import Any

from controls.api import controls, coverage, evidence, soa

ROUTES: list[tuple[str, Any, str]] = [
    *controls.ROUTES,
    *soa.ROUTES,
    *coverage.ROUTES,
    *evidence.ROUTES,
]
