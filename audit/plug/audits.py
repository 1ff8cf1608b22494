"""What the audits part of the audit app adds to the core (called from
``AuditConfig.ready``): the navigation entry, the external auditor's scope provider, the
reminders of fieldwork, the inbox's approvals of programmes and reports, the dashboard's
"next audit", the evidence of clause 9.2, the audit report PDF and the demo."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ConformanceStatus
from aims.dashboard import day, link, shared
from aims.registry import (
    ClauseEvidence,
    ConformanceEvidenceSource,
    DashboardPanel,
    Figure,
    NavEntry,
    registry,
)
from aims.roles import Capability
from aims.scope import VIEW, restrict
from audit.choices import AuditStatus


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.inbox import approval_sources
    from audit.models import Audit, AuditProgramme, AuditReport
    from audit.reports.audits import AUDIT_REPORT
    from audit.scope import ExternalAuditorScope

    registry.add_nav(
        NavEntry(
            code="audits",
            label=gettext_lazy("Audits"),
            url_name="audits",
            order=90,
            capability=Capability.VIEW_AUDITS,
        )
    )
    registry.add_scope_provider(ExternalAuditorScope())
    registry.add_reviewable(Audit)
    for model in (AuditProgramme, AuditReport):
        for source in approval_sources(model, order=30):
            registry.add_inbox_source(source)
    registry.add_dashboard_panel(
        DashboardPanel(
            code="next_audit",
            label=gettext_lazy("Next internal audit"),
            context=next_audit_panel,
            template="audit/audit_dashboard_panel.html",
            order=70,
            capability=Capability.VIEW_AUDITS,
        )
    )
    registry.add_evidence_source(
        ConformanceEvidenceSource(
            code="internal_audit",
            label=gettext_lazy("Internal audits"),
            clauses=("9.2.1", "9.2.2"),
            evidence=clause_evidence,
            order=90,
        )
    )
    registry.add_report_kind(AUDIT_REPORT)
    registry.add_demo_loader("audits", load_demo, order=300)


def _counts(user: Any) -> dict[str, Any]:
    """What the panel and the clause's evidence show, in three queries."""
    from django.db.models import Count, Q

    from audit.models import Audit, AuditProgramme
    from audit.selectors.audits import next_audit

    audits = restrict(Audit.objects.all(), user, VIEW)
    counts = audits.aggregate(
        planned=Count("pk", filter=Q(status=AuditStatus.PLANNED)),
        reported=Count("pk", filter=Q(status__in=(AuditStatus.REPORTED, AuditStatus.CLOSED))),
    )
    today = timezone.localdate()
    programmes = restrict(AuditProgramme.objects.all(), user, VIEW)
    return {
        "next": next_audit(user),
        "planned": counts["planned"],
        "reported": counts["reported"],
        "programme": programmes.filter(
            status="approved", period_start__lte=today, period_end__gte=today
        ).first(),
    }


def next_audit_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    counts = shared(("audits", user.pk), lambda: _counts(user))
    return {
        "next_audit": counts["next"],
        "figures": [
            Figure(_("Audits planned"), counts["planned"], link("audits", status="planned")),
            Figure(_("Audits reported"), counts["reported"], link("audits", status="reported")),
        ],
        "empty": _("No audit is planned."),
    }


def clause_evidence(user: Any) -> ClauseEvidence:
    counts = shared(("audits", getattr(user, "pk", None)), lambda: _counts(user))
    figures = (
        Figure(_("Audits planned"), counts["planned"], link("audits", status="planned")),
        Figure(_("Audits reported"), counts["reported"], link("audits", status="reported")),
    )
    programme = counts["programme"]
    if programme is None:
        return ClauseEvidence(
            _("No approved audit programme covers today."),
            figures,
            ConformanceStatus.NOT_STARTED,
            _("Plan the audit programme (9.2.2) and have it approved."),
        )
    upcoming = counts["next"]
    summary = _(
        "Audit programme %(code)s v%(number)s approved; %(reported)s audit(s) reported; next "
        "fieldwork %(date)s."
    ) % {
        "code": programme.code,
        "number": programme.number,
        "reported": counts["reported"],
        "date": day(upcoming.fieldwork_start if upcoming else None),
    }
    if not counts["reported"]:
        return ClauseEvidence(
            summary, figures, ConformanceStatus.PARTIAL, _("No audit has been reported yet.")
        )
    return ClauseEvidence(
        summary,
        figures,
        ConformanceStatus.CONFORMANT,
        _("An approved programme and reported audits."),
    )


def load_demo(*, users: dict[str, Any]) -> None:
    """The demo internal audit for ``manage.py load_demo`` (Japanese, like the rest)."""
    from django.utils import translation

    from audit.demo import audits

    with translation.override("ja"):
        audits.load(users=users)
