"""Pages of the coverage part of the controls app."""

from typing import Any

urlpatterns: list[Any] = []
