"""What the soa part of the controls app adds to the core (called from
``ControlsConfig.ready``): the navigation entry, the SoA as a reviewable record, its approval
sources in the inbox, the rows made when the library loads, the live evidence of 6.1.3 and
the demo SoA."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ConformanceStatus
from aims.dashboard import day, link, shared
from aims.registry import (
    ClauseEvidence,
    ConformanceEvidenceSource,
    Figure,
    NavEntry,
    registry,
)


def soa_state(user: Any) -> dict[str, Any]:
    """The working and the in-effect version as ``user`` sees them, and the working version's
    unwaived failing checks (a constant number of queries), once per page."""
    return shared(("soa_state", getattr(user, "pk", None)), lambda: _soa_state(user))


def _soa_state(user: Any) -> dict[str, Any]:
    from controls.selectors.soa import soa_in_effect, soa_working
    from controls.services.soa import soa_checks

    working = soa_working(user)
    in_effect = soa_in_effect(timezone.localdate(), user)
    checks = soa_checks(working, user) if working is not None else []
    return {
        "working": working,
        "in_effect": in_effect,
        # Rows, as the SoA page filtered by ``check=unwaived`` lists them.
        "failing": len({c.requirement_id for c in checks if not c.waived}),
    }


def _evidence(user: Any) -> ClauseEvidence:
    state = soa_state(user)
    working, in_effect = state["working"], state["in_effect"]
    figures = (
        Figure(
            _("SoA rows with a consistency check failing"),
            state["failing"],
            link("soa", check="unwaived"),
            tone="warn",
        ),
    )
    if working is None:
        return ClauseEvidence(
            _("There is no Statement of Applicability yet."),
            figures,
            ConformanceStatus.NOT_STARTED,
            _("Load the library: the SoA gets a row for each Annex A control."),
        )
    if in_effect is None:
        summary = _("Statement of Applicability v%(number)s is not approved yet.") % {
            "number": working.number
        }
        return ClauseEvidence(
            summary, figures, ConformanceStatus.PARTIAL, _("No version is approved.")
        )
    summary = _(
        "Statement of Applicability v%(number)s approved on %(date)s; %(failing)s row(s) of "
        "the working version with a consistency check failing."
    ) % {
        "number": in_effect.number,
        "date": day(timezone.localdate(in_effect.approved_at)),
        "failing": state["failing"],
    }
    if state["failing"]:
        return ClauseEvidence(
            summary,
            figures,
            ConformanceStatus.PARTIAL,
            _("Consistency checks of the SoA fail and are not waived."),
        )
    return ClauseEvidence(
        summary,
        figures,
        ConformanceStatus.CONFORMANT,
        _("An approved SoA is in effect and its checks pass or are waived with a reason."),
    )


def register() -> None:
    """Navigation, reviewable model, inbox sources, library-load hook, clause evidence, demo."""
    from aims.inbox import approval_sources
    from controls.models import StatementOfApplicability
    from controls.services.soa import on_library_load

    registry.add_nav(
        NavEntry(
            code="soa",
            label=gettext_lazy("Statement of Applicability"),
            url_name="soa",
            order=81,
        )
    )
    registry.add_reviewable(StatementOfApplicability)
    for source in approval_sources(StatementOfApplicability, order=25):
        registry.add_inbox_source(source)
    registry.on_library_load(on_library_load)
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="soa",
            label=gettext_lazy("Statement of Applicability"),
            clauses=("6.1.3",),
            evidence=_evidence,
            order=22,
        )
    )
    registry.add_demo_loader("soa", load_demo, order=200)


def load_demo(*, users: dict[str, Any]) -> None:
    """The demo SoA for ``manage.py load_demo`` (Japanese, like the rest of the demo)."""
    from django.utils import translation

    from controls.demo import soa

    with translation.override("ja"):
        soa.load(users=users)
