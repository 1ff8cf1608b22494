"""The dashboard (home page) and the live evidence of clause conformance.

Both are assembled from what apps register (``aims.registry``): dashboard panels, figures
added to the core's panels ("approvals", "reviews") and conformance evidence sources keyed by
clause. The core registers its own here (documents, AI systems, objectives, clause
conformance) and never imports a domain app. Every figure counts only rows the user may see
(``restrict``) and links to the list filtered to exactly those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aims.choices import ApprovalStatus, ConformanceStatus, DocumentKind, Role
from aims.registry import (
    ClauseEvidence,
    ConformanceEvidenceSource,
    DashboardFigures,
    DashboardPanel,
    Figure,
    registry,
)
from aims.roles import Capability, has_capability, user_roles
from aims.scope import restrict

T = TypeVar("T")

#: How sure each status is, for combining the suggestions of several sources of one clause:
#: the clause is no further than its weakest evidence.
_RANK = {
    ConformanceStatus.NOT_STARTED: 0,
    ConformanceStatus.PARTIAL: 1,
    ConformanceStatus.CONFORMANT: 2,
}


#: Counts shared by several panels or sources within one page or response (``shared``).
_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("aims_dashboard_memo", default=None)


@contextmanager
def _sharing() -> Iterator[None]:
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def shared(key: Any, compute: Callable[[], T]) -> T:
    """``compute()`` once per dashboard or clause-evidence pass for ``key`` (e.g. the risk
    counts that the posture panel and two clauses' evidence all read), else every time."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def link(url_name: str, **params: Any) -> str:
    """The URL of a list with its filter parameters (lists repeat the parameter)."""
    query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
    return f"{reverse(url_name)}?{query}" if query else reverse(url_name)


def day(value: date | None) -> str:
    return formats.date_format(value, "Y-m-d") if value else "—"


# --- Dashboard --------------------------------------------------------------------------------
def dashboard(request: HttpRequest) -> list[dict[str, Any]]:
    """The panels ``request.user`` sees, those that lead for their roles first, each with its
    template and context."""
    user = request.user
    roles = user_roles(user)
    shown = []
    with _sharing():
        for panel in registry.dashboard_panels:
            if panel.capability is not None and not has_capability(user, panel.capability):
                continue
            context = panel.context(request)
            if context is None:
                continue
            lead = bool(panel.lead_for & roles)
            shown.append((not lead, panel.order, panel, context))
    shown.sort(key=lambda item: item[:2])
    return [
        {"code": panel.code, "label": panel.label, "template": panel.template, **context}
        for _lead, _order, panel, context in shown
    ]


def contributed_figures(request: HttpRequest, panel: str) -> list[Figure]:
    sources = sorted(
        (source for source in registry.dashboard_figures if source.panel == panel),
        key=lambda source: source.order,
    )
    return [figure for source in sources for figure in source.figures(request)]


def _approvals_panel(request: HttpRequest) -> dict[str, Any] | None:
    figures = contributed_figures(request, "approvals")
    return {"figures": figures, "empty": _("Nothing awaits your review.")}


def _reviews_panel(request: HttpRequest) -> dict[str, Any] | None:
    figures = contributed_figures(request, "reviews")
    return {"figures": figures, "empty": _("No review is overdue.")}


def _conformance_panel(request: HttpRequest) -> dict[str, Any] | None:
    from aims import selectors

    groups = selectors.conformance_summary(user=request.user)
    if not groups and not has_capability(request.user, Capability.SEE_ALL_RECORDS):
        return None  # nothing of the organisation's conformance is in their scope
    statuses = [(code, label) for code, label in ConformanceStatus.choices]
    for group in groups:
        group["cells"] = [
            {
                "status": code,
                "count": group[code],
                "url": link("conformance", clause=group["group"], status=code),
            }
            for code, _label in statuses
        ]
        group["url"] = link("conformance", clause=group["group"])
    return {"groups": groups, "status_labels": statuses}


def _inventory_counts(request: HttpRequest) -> dict[str, int]:
    from aims import selectors

    user = request.user
    return shared(("ai_system_counts", user.pk), lambda: selectors.ai_system_counts(user=user))


def _inventory_panel(request: HttpRequest) -> dict[str, Any] | None:
    counts = _inventory_counts(request)
    figures = [
        Figure(_("AI systems in use"), counts["total"], link("ai_systems", retired="false")),
        Figure(
            _("High-risk (EU AI Act)"),
            counts["high_risk"],
            link("ai_systems", retired="false", eu_ai_act_tier="high"),
        ),
        Figure(
            _("Review due within 30 days or overdue"),
            counts["review_due"],
            link("ai_systems", retired="false", review_due="true"),
            tone="warn",
        ),
    ]
    return {"figures": figures}


def _overdue(model: Any, request: HttpRequest) -> int:
    rows = restrict(model.reminder_queryset(), request.user)
    return int(rows.filter(next_review_on__lt=timezone.localdate()).count())


def _core_review_figures(request: HttpRequest) -> list[Figure]:
    from aims.models import Document

    return [
        Figure(
            _("AI systems"),
            _inventory_counts(request)["review_overdue"],
            link("ai_systems", retired="false", review_overdue="true"),
            tone="warn",
        ),
        Figure(
            _("Documents"),
            _overdue(Document, request),
            link("documents", review_overdue="true"),
            tone="warn",
        ),
    ]


def _core_approval_figures(request: HttpRequest) -> list[Figure]:
    from aims.models import Document, DocumentVersion
    from aims.services.approval import reviewable_by

    versions = reviewable_by(DocumentVersion.objects.filter(document=OuterRef("pk")), request.user)
    count = restrict(Document.objects.all(), request.user).filter(Exists(versions)).count()
    return [Figure(_("Documents"), count, link("documents", to_review="true"), tone="warn")]


# --- Clause conformance evidence ----------------------------------------------------------------
def clause_evidence(user: Any, refs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For each clause of ``refs`` that a registered source evidences: the sources' evidence
    (``items``) and the status they suggest together (the weakest of theirs). Each source is
    asked once, whatever the number of clauses."""
    wanted = set(refs)
    sources = sorted(
        (s for s in registry.evidence_sources if wanted.intersection(s.clauses)),
        key=lambda s: s.order,
    )
    found: dict[str, dict[str, Any]] = {}
    with _sharing():
        for source in sources:
            evidence = source.evidence(user)
            for ref in source.clauses:
                if ref not in wanted:
                    continue
                entry = found.setdefault(ref, {"items": [], "suggested_status": None})
                entry["items"].append({"source": source, "evidence": evidence})
    for entry in found.values():
        suggestions = [
            item["evidence"].suggested_status
            for item in entry["items"]
            if item["evidence"].suggested_status in _RANK
        ]
        if suggestions:
            entry["suggested_status"] = min(suggestions, key=lambda s: _RANK[s])
    return found


def _policy_evidence(user: Any) -> ClauseEvidence:
    from aims.models import Document, DocumentVersion

    policies = restrict(Document.objects.filter(kind=DocumentKind.AI_POLICY), user)
    approved = DocumentVersion.objects.filter(
        document=OuterRef("pk"), status=ApprovalStatus.APPROVED
    )
    counts = policies.aggregate(
        total=Count("pk", distinct=True),
        approved=Count("pk", filter=Q(Exists(approved)), distinct=True),
        last=Max("versions__approved_at"),
    )
    figures = (
        Figure(
            _("Approved AI policy"),
            counts["approved"],
            link("documents", kind=DocumentKind.AI_POLICY, approved="true"),
        ),
        Figure(_("AI policy documents"), counts["total"], link("documents", kind="ai_policy")),
    )
    if counts["approved"]:
        approved_on = timezone.localtime(counts["last"]).date() if counts["last"] else None
        summary = _("The AI policy is approved (last approval %(date)s).") % {
            "date": day(approved_on)
        }
        return ClauseEvidence(
            summary, figures, ConformanceStatus.CONFORMANT, _("An approved AI policy is in force.")
        )
    if counts["total"]:
        summary = _("An AI policy is drafted but no version is approved yet.")
        return ClauseEvidence(
            summary, figures, ConformanceStatus.PARTIAL, _("The AI policy awaits approval.")
        )
    summary = _("There is no AI policy document.")
    return ClauseEvidence(
        summary, figures, ConformanceStatus.NOT_STARTED, _("No AI policy is approved.")
    )


def _objectives_counts(user: Any) -> dict[str, Any]:
    from aims.models import Objective

    return shared(
        ("objectives", user.pk),
        lambda: restrict(Objective.objects.all(), user).aggregate(
            total=Count("pk", distinct=True),
            measured=Count("pk", filter=Q(results__isnull=False), distinct=True),
            last=Max("results__measured_on"),
        ),
    )


def _objectives_evidence(user: Any) -> ClauseEvidence:
    counts = _objectives_counts(user)
    figures = (Figure(_("AI objectives"), counts["total"], link("objectives")),)
    summary = ngettext(
        "%(count)s AI objective, %(measured)s with measured results, last result %(date)s.",
        "%(count)s AI objectives, %(measured)s with measured results, last result %(date)s.",
        counts["total"],
    ) % {"count": counts["total"], "measured": counts["measured"], "date": day(counts["last"])}
    if not counts["total"]:
        return ClauseEvidence(
            summary, figures, ConformanceStatus.NOT_STARTED, _("No AI objective is set.")
        )
    return ClauseEvidence(
        summary, figures, ConformanceStatus.CONFORMANT, _("AI objectives are set.")
    )


def _results_evidence(user: Any) -> ClauseEvidence:
    counts = _objectives_counts(user)
    figures = (Figure(_("AI objectives"), counts["total"], link("objectives")),)
    summary = _(
        "%(measured)s of %(count)s AI objectives have measured results, last result %(date)s."
    ) % {"count": counts["total"], "measured": counts["measured"], "date": day(counts["last"])}
    if not counts["measured"]:
        status, reason = ConformanceStatus.NOT_STARTED, _("No result has been measured.")
    elif counts["measured"] < counts["total"]:
        status, reason = ConformanceStatus.PARTIAL, _("Some objectives have no result yet.")
    else:
        status, reason = ConformanceStatus.CONFORMANT, _("Every objective has results.")
    return ClauseEvidence(summary, figures, status, reason)


def register() -> None:
    """The core's panels, figures and evidence sources (from ``AimsConfig.ready``)."""
    officer = frozenset({Role.GOVERNANCE_OFFICER})
    for panel in (
        DashboardPanel(
            code="approvals",
            label=gettext_lazy("Awaiting your review"),
            context=_approvals_panel,
            order=10,
            capability=Capability.APPROVE,
            lead_for=frozenset({Role.TOP_MANAGEMENT}),
        ),
        DashboardPanel(
            code="reviews",
            label=gettext_lazy("Overdue reviews"),
            context=_reviews_panel,
            order=40,
            capability=Capability.SEE_RECORDS,
            lead_for=frozenset({Role.OPERATIONAL_MEMBER}),
        ),
        DashboardPanel(
            code="conformance",
            label=gettext_lazy("Conformance by clause"),
            context=_conformance_panel,
            template="aims/dashboard/_conformance.html",
            order=50,
            capability=Capability.SEE_RECORDS,
            lead_for=officer | {Role.INTERNAL_AUDITOR, Role.EXTERNAL_AUDITOR},
        ),
        DashboardPanel(
            code="inventory",
            label=gettext_lazy("AI systems"),
            context=_inventory_panel,
            order=60,
            capability=Capability.SEE_RECORDS,
        ),
    ):
        registry.add_dashboard_panel(panel)
    registry.add_dashboard_figures(
        DashboardFigures(panel="approvals", code="documents", figures=_core_approval_figures)
    )
    registry.add_dashboard_figures(
        DashboardFigures(panel="reviews", code="core", figures=_core_review_figures, order=0)
    )
    for source in (
        ConformanceEvidenceSource(
            code="ai_policy",
            label=gettext_lazy("AI policy"),
            clauses=("5.2",),
            evidence=_policy_evidence,
        ),
        ConformanceEvidenceSource(
            code="objectives",
            label=gettext_lazy("AI objectives"),
            clauses=("6.2",),
            evidence=_objectives_evidence,
        ),
        ConformanceEvidenceSource(
            code="objective_results",
            label=gettext_lazy("Results of the AI objectives"),
            clauses=("9.1",),
            evidence=_results_evidence,
        ),
    ):
        registry.add_evidence_source(source)
