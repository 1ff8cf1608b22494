"""Pages of the evidence part of the controls app."""

from typing import Any

urlpatterns: list[Any] = []
