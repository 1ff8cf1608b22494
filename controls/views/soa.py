"""Pages of the soa part of the controls app."""

from typing import Any

urlpatterns: list[Any] = []
