"""Pages of the nonconformities part of the audit app."""

from typing import Any

urlpatterns: list[Any] = []
