"""Explicit extension points of the core for the domain apps, which register handlers in
their ``AppConfig.ready`` (the core never imports them). Handlers run inside the service's
transaction, with the actor, so what they write is logged and rolled back together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: ``handler(system=…, changes={field: (before, after)}, actor=…)``
AISystemChangeHandler = Callable[..., None]
_ai_system_changed: list[AISystemChangeHandler] = []

#: Changes of an AI system that call for its impact assessments to be redone (6.3, A.6.2.6).
MATERIAL_AI_SYSTEM_FIELDS = ("version", "purpose", "lifecycle_stage")


def on_ai_system_change(handler: AISystemChangeHandler) -> AISystemChangeHandler:
    if handler not in _ai_system_changed:
        _ai_system_changed.append(handler)
    return handler


def ai_system_changed(*, system: Any, changes: dict[str, tuple[Any, Any]], actor: Any) -> None:
    """Tell the registered handlers that material fields of ``system`` changed."""
    for handler in _ai_system_changed:
        handler(system=system, changes=changes, actor=actor)
