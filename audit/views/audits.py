"""Pages of the audits part of the audit app."""

from typing import Any

urlpatterns: list[Any] = []
