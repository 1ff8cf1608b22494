"""What the evidence packs add to the core (called from ``AuditConfig.ready``): the report
kind ``evidence_pack`` (ZIP; its job is built by the core's report task) and the navigation
entry of the packs page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.registry import NavEntry, registry
from aims.reports import ReportKind
from aims.roles import Capability


def _clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    from audit.services.packs import evidence_pack_clean

    return evidence_pack_clean(user, raw)


def _render(job: Any, out: Any) -> None:
    from audit.pack.build import render

    render(job, out)


def _finished(job: Any) -> None:
    from audit.services.packs import evidence_pack_built

    evidence_pack_built(job)


def _describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    from audit.choices import PackPreset

    presets = dict(PackPreset.choices)
    return [
        (_("Period"), f"{parameters.get('period_from')} – {parameters.get('period_to')}"),
        (_("Preset"), str(presets.get(parameters.get("preset"), parameters.get("preset")))),
    ]


EVIDENCE_PACK = ReportKind(
    code="evidence_pack",
    label=gettext_lazy("Evidence pack"),
    formats=(ReportFormat.ZIP,),
    clean=_clean,
    render=_render,
    describe=_describe,
    finished=_finished,
)


def register() -> None:
    registry.add_report_kind(EVIDENCE_PACK)
    registry.add_nav(
        NavEntry(
            code="evidence_packs",
            label=gettext_lazy("Evidence packs"),
            url_name="evidence_packs",
            order=93,
            capability=Capability.EXPORT,
        )
    )
