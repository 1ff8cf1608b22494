"""Pages of the review part of the audit app."""

from typing import Any

urlpatterns: list[Any] = []
