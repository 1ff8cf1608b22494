"""Where the current change comes from: a web or API request, a task, a command, a shell.

The actor of a change is always passed to services explicitly. Only the *correlation id*
(request id, task id, command name) travels in a context variable, set by the request
middleware, the Celery signal handlers and the management-command base, so that a change made
in a shell is still recorded, as source ``shell``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from aims.choices import ChangeSource


@dataclass(frozen=True)
class ChangeContext:
    source: str = ChangeSource.SHELL
    correlation_id: str = ""


_OUTSIDE_ANY_REQUEST = ChangeContext()  # frozen: safe to share as the default
_current: contextvars.ContextVar[ChangeContext] = contextvars.ContextVar(
    "aims_change_context", default=_OUTSIDE_ANY_REQUEST
)


def current_context() -> ChangeContext:
    return _current.get()


def set_context(source: str, correlation_id: str) -> contextvars.Token[ChangeContext]:
    return _current.set(ChangeContext(source=source, correlation_id=correlation_id[:64]))


def reset_context(token: contextvars.Token[ChangeContext]) -> None:
    _current.reset(token)


@contextlib.contextmanager
def change_context(source: str, correlation_id: str) -> Iterator[None]:
    token = set_context(source, correlation_id)
    try:
        yield
    finally:
        reset_context(token)
