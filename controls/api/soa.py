"""API of the soa part of the controls app: serializers, viewsets and routes."""

from typing import Any

ROUTES: list[tuple[str, Any, str]] = []
