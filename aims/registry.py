"""The one way the domain apps plug into the core.

Each app's ``AppConfig.ready()`` registers what it adds: navigation entries, tabs on the AI
system page and on library requirement pages, report kinds, reviewable models, inbox sources,
demo loaders, handlers of AI-system changes, scope providers and the checks of the
certification readiness items its records hold. The core reads the registry
and never imports a domain app, so a new app (controls, audit) plugs in by registering, not by
editing the core.

Registration is idempotent (``ready()`` may run more than once in tests) and ordered: entries
with the same ``order`` keep the order in which apps registered them (INSTALLED_APPS order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest

    from aims.reports import ReportKind


@dataclass(frozen=True)
class NavEntry:
    """An area of the product in the main navigation. ``url_name`` None keeps the area out of
    the navigation until it is built (an app registers its area before its pages exist)."""

    code: str
    label: Any  # lazy translated string
    url_name: str | None
    order: int = 100
    #: Shown only to holders of this capability (None: every signed-in user).
    capability: str | None = None


@dataclass(frozen=True)
class SystemTab:
    """A tab of the AI system page. ``template`` is rendered inside the page with the page's
    context plus what ``context(request, system)`` returns; without a template the tab shows
    ``placeholder`` (a feature not built yet)."""

    code: str
    label: Any
    order: int = 100
    template: str | None = None
    context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    placeholder: Any = None


@dataclass(frozen=True)
class RequirementTab:
    """A tab of a library requirement's page, for what an app relates to the requirement
    (the controls that satisfy it, their evidence) without the core naming the app.
    ``context(request, requirement)`` returns what ``template`` shows, already restricted to
    what the user may see; it is asked only when the tab is open."""

    code: str
    label: Any
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    order: int = 100


class ScopeProvider(Protocol):
    """Gives a user rows through AI systems, beyond what their role sees.

    ``systems`` returns the ids of the AI systems ``user`` may ``action`` ("view" or
    "change") through this provider (ids as a list: PostgreSQL plans a literal list well).
    ``organisation`` says whether it also opens organisation-wide records for ``action``.

    Two optional methods (read with ``getattr``): ``audits(user, action)``, the ids of the
    audits whose records the provider opens (``aims.scope.AuditRecords``), and
    ``records(model, user, action) -> Q | None``, organisation-wide rows of ``model`` it opens
    one by one (``OrganisationWide`` and ``SystemsOrOrganisation`` consult it when the user's
    role does not open the organisation's records: an external auditor reads the SoA version
    and the evidence of their audit's scope, not every record of the organisation).
    """

    def systems(self, user: Any, action: str) -> Iterable[int]: ...

    def organisation(self, user: Any, action: str) -> bool: ...


# --- Dashboard and clause-conformance evidence ---------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One number of the dashboard or of a clause's evidence, with the list that shows exactly
    the rows it counts (``url``, filters included)."""

    label: Any
    count: int
    url: str
    #: "warn" for a figure that asks for action when it is not zero.
    tone: str = ""


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the dashboard (the home page). ``context(request)`` returns what
    ``template`` shows, already restricted to what the user may see, in a number of queries
    that does not grow with the data; None hides the panel. ``capability``: shown only to its
    holders; ``lead_for``: roles for which the panel comes first."""

    code: str
    label: Any
    context: Callable[[HttpRequest], dict[str, Any] | None]
    template: str = "aims/dashboard/_figures.html"
    order: int = 100
    capability: str | None = None
    lead_for: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DashboardFigures:
    """Figures an app adds to a panel of another app (the core's "pending approvals" and
    "overdue reviews"): ``figures(request)`` lists them."""

    panel: str
    code: str
    figures: Callable[[HttpRequest], list[Figure]]
    order: int = 100


@dataclass(frozen=True)
class ClauseEvidence:
    """What the live records say about one clause: a short summary, the figures with their
    filtered lists, and the status the data suggests (a suggestion only: the clause owner
    confirms it)."""

    summary: str
    figures: tuple[Figure, ...] = ()
    suggested_status: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class ConformanceEvidenceSource:
    """Live records that evidence clauses of ISO/IEC 42001 (``clauses``: their ref ids, e.g.
    ("6.1.2", "8.2")). ``evidence(user)`` is asked once per page or response, whatever the
    number of rows, and reads only what ``user`` may see."""

    code: str
    label: Any
    clauses: tuple[str, ...]
    evidence: Callable[[Any], ClauseEvidence]
    order: int = 100


@dataclass(frozen=True)
class InboxSource:
    """One kind of work that reaches a person's inbox ("My work", ``aims.inbox``).

    ``rows(user)`` is a queryset of exactly the rows of this source for ``user``, already
    restricted to what they may see (``aims.scope.restrict``), or None when the user has no
    part in it; the inbox counts it in one SQL statement with the other sources.
    ``item(row)`` describes one row as an ``aims.inbox.InboxItem``. ``kind`` groups the
    sources on the page (``aims.choices.InboxKind``); ``actionable`` sources are counted in
    the navigation, the others (results of my work) are only listed."""

    code: str
    kind: str
    rows: Callable[[Any], Any]
    item: Callable[[Any], Any]
    order: int = 100
    actionable: bool = True


@dataclass(frozen=True)
class Reliance:
    """A record that relies on a requirement of the library (a risk whose treatment
    implements an Annex A control, an impact assessment whose mitigations rely on one)."""

    kind: str  # e.g. "risk", "impact_assessment"
    label: str
    url: str


@dataclass(frozen=True)
class RequirementReliance:
    """Records of an app that rely on requirements of the library, for the Statement of
    Applicability's checks (an excluded control that something relies on; a justification by
    risk treatment with no risk). ``relied_on(requirement_ids, user)`` maps each requirement id
    to the records (``Reliance``) relying on it, as far as ``user`` may see them (None: all),
    in a number of queries that does not grow with the ids."""

    code: str
    label: Any
    relied_on: Callable[[list[int], Any], dict[int, list[Reliance]]]
    order: int = 100


@dataclass(frozen=True)
class RecordPanel:
    """A section an app adds to the pages of the core's records (the evidence linked to a
    document or a clause assessment): ``render(request, record)`` returns the section's HTML
    (rendered from a template, so escaped), or "" where it has nothing to show. The core's
    pages show them with ``{% record_panels record %}``."""

    code: str
    render: Callable[[Any, Any], str]
    order: int = 100


@dataclass(frozen=True)
class ReadinessResult:
    """What a readiness check found for one item of the certification readiness list
    (``aims.readiness``): ``state`` ("present_approved", "present_stale" or "missing"), a
    short ``reason`` in the reader's language, and ``url``, the page where it is fixed."""

    state: str
    reason: str = ""
    url: str = ""


#: ``check(user, today) -> ReadinessResult``: the state of one readiness item, from the live
#: records, in a number of queries that does not grow with the data.
ReadinessCheck = Callable[[Any, Any], ReadinessResult]

#: ``handler(system=…, changes={field: (before, after)}, actor=…)``
AISystemChangeHandler = Callable[..., None]
#: ``loader(users={username: user})``
DemoLoader = Callable[..., None]
#: ``handler(actor=…)``, after ``load_library`` created or updated a framework or mapping set.
LibraryLoadHandler = Callable[..., None]


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    system_tabs: list[SystemTab] = field(default_factory=list)
    requirement_tabs: list[RequirementTab] = field(default_factory=list)
    report_kinds: dict[str, ReportKind] = field(default_factory=dict)
    reviewable: list[type[Model]] = field(default_factory=list)
    demo_loaders: list[tuple[str, DemoLoader]] = field(default_factory=list)
    demo_order: dict[str, int] = field(default_factory=dict)
    library_load_handlers: list[LibraryLoadHandler] = field(default_factory=list)
    requirement_reliances: list[RequirementReliance] = field(default_factory=list)
    ai_system_change_handlers: list[AISystemChangeHandler] = field(default_factory=list)
    scope_providers: list[ScopeProvider] = field(default_factory=list)
    dashboard_panels: list[DashboardPanel] = field(default_factory=list)
    dashboard_figures: list[DashboardFigures] = field(default_factory=list)
    evidence_sources: list[ConformanceEvidenceSource] = field(default_factory=list)
    inbox_sources: list[InboxSource] = field(default_factory=list)
    record_panels: list[RecordPanel] = field(default_factory=list)
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)

    # --- registration (from AppConfig.ready) ------------------------------------------------
    def add_nav(self, entry: NavEntry) -> None:
        self._replace(self.nav, entry, key=lambda e: e.code)

    def add_system_tab(self, tab: SystemTab) -> None:
        self._replace(self.system_tabs, tab, key=lambda t: t.code)

    def add_requirement_tab(self, tab: RequirementTab) -> None:
        self._replace(self.requirement_tabs, tab, key=lambda t: t.code)

    def add_report_kind(self, kind: ReportKind) -> ReportKind:
        known = self.report_kinds.get(kind.code)
        if known is not None and known != kind:
            raise ValueError(f"Report kind {kind.code!r} is registered twice")
        self.report_kinds[kind.code] = kind
        return kind

    def add_reviewable(self, model: type[Model]) -> None:
        if model not in self.reviewable:
            self.reviewable.append(model)

    def add_demo_loader(self, name: str, loader: DemoLoader, *, order: int = 100) -> None:
        """Demo loaders run by ``order``, then in registration order (INSTALLED_APPS order),
        so an app's demo may use the records of the apps before it; a later ``order`` lets a
        loader use the demo of an app installed after its own."""
        self._replace(self.demo_loaders, (name, loader), key=lambda item: item[0])
        self.demo_order[name] = order
        self.demo_loaders.sort(key=lambda item: self.demo_order.get(item[0], 100))

    def on_library_load(self, handler: LibraryLoadHandler) -> LibraryLoadHandler:
        """``handler(actor=…)`` runs in the loading transaction after a load that created or
        updated something (the SoA gets a row for each new Annex A control)."""
        if handler not in self.library_load_handlers:
            self.library_load_handlers.append(handler)
        return handler

    def add_requirement_reliance(self, reliance: RequirementReliance) -> None:
        self._replace(self.requirement_reliances, reliance, key=lambda r: r.code)

    def on_ai_system_change(self, handler: AISystemChangeHandler) -> AISystemChangeHandler:
        if handler not in self.ai_system_change_handlers:
            self.ai_system_change_handlers.append(handler)
        return handler

    def add_scope_provider(self, provider: ScopeProvider) -> None:
        if all(type(p) is not type(provider) for p in self.scope_providers):
            self.scope_providers.append(provider)

    def add_dashboard_panel(self, panel: DashboardPanel) -> None:
        self._replace(self.dashboard_panels, panel, key=lambda p: p.code)

    def add_dashboard_figures(self, figures: DashboardFigures) -> None:
        self._replace(self.dashboard_figures, figures, key=lambda f: (f.panel, f.code))

    def add_evidence_source(self, source: ConformanceEvidenceSource) -> None:
        self._replace(self.evidence_sources, source, key=lambda s: s.code)

    def add_inbox_source(self, source: InboxSource) -> None:
        self._replace(self.inbox_sources, source, key=lambda s: s.code)

    def add_record_panel(self, panel: RecordPanel) -> None:
        self._replace(self.record_panels, panel, key=lambda p: p.code)

    def add_readiness_check(self, item_id: str, check: ReadinessCheck) -> None:
        """The check of the readiness item ``item_id`` (an id of
        ``library/readiness/*.yaml``): one per item, from the app whose records hold it."""
        self.readiness_checks[item_id] = check

    # --- reading (by the core) ---------------------------------------------------------------
    def navigation(self) -> list[NavEntry]:
        return sorted(self.nav, key=lambda e: e.order)

    def tabs(self) -> list[SystemTab]:
        return sorted(self.system_tabs, key=lambda t: t.order)

    def requirement_page_tabs(self) -> list[RequirementTab]:
        return sorted(self.requirement_tabs, key=lambda t: t.order)

    def inbox(self) -> list[InboxSource]:
        return sorted(self.inbox_sources, key=lambda s: s.order)

    def report_kind(self, code: str) -> ReportKind | None:
        return self.report_kinds.get(code)

    def all_report_kinds(self) -> list[ReportKind]:
        return sorted(self.report_kinds.values(), key=lambda kind: kind.code)

    @staticmethod
    def _replace(items: list[Any], item: Any, *, key: Callable[[Any], Any]) -> None:
        for index, known in enumerate(items):
            if key(known) == key(item):
                items[index] = item
                return
        items.append(item)


registry = Registry()


def ai_system_changed(*, system: Any, changes: dict[str, tuple[Any, Any]], actor: Any) -> None:
    """Tell the registered handlers that material fields of ``system`` changed. They run in
    the caller's transaction, with the actor, so what they write is logged and rolled back
    together."""
    for handler in registry.ai_system_change_handlers:
        handler(system=system, changes=changes, actor=actor)
