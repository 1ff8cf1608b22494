"""Which records of other apps evidence may link to (``EvidenceLink``): each app registers
its models with a stable code from its ``AppConfig.ready()`` (risk: risks and treatment
actions; impact: impact assessments; the core's documents and clause assessments from
``controls.plug.evidence``). A kind of record not registered here cannot be linked, and a
link is only made to a record its author may see (``controls.services.evidence``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model


@dataclass(frozen=True)
class LinkTarget:
    code: str
    model: type[Model]

    @property
    def label(self) -> Any:
        return self.model._meta.verbose_name


_TARGETS: dict[str, LinkTarget] = {}


def register_target(model: type[Model], code: str) -> None:
    """Let evidence link to records of ``model`` under ``code`` (idempotent)."""
    known = _TARGETS.get(code)
    if known is not None and known.model is not model:
        raise ValueError(f"Evidence link target {code!r} is registered twice")
    _TARGETS[code] = LinkTarget(code=code, model=model)


def target(code: str) -> LinkTarget | None:
    return _TARGETS.get(code)


def target_for(model: type[Model]) -> LinkTarget | None:
    return next((t for t in _TARGETS.values() if t.model is model), None)


def targets() -> list[LinkTarget]:
    return sorted(_TARGETS.values(), key=lambda t: t.code)
