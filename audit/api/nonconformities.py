"""API of the nonconformities part of the audit app: serializers, viewsets and routes."""

from typing import Any

ROUTES: list[tuple[str, Any, str]] = []
