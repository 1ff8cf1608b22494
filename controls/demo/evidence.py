"""Demo evidence (filled below)."""

from typing import Any


def load(*, users: dict[str, Any]) -> None:
    raise NotImplementedError
