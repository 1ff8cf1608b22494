"""Pages of the controls part of the controls app."""

from typing import Any

urlpatterns: list[Any] = []
