"""Who may see or change which rows: ``restrict(queryset, user, action)``, the one rule.

Every model of the platform declares its ``SCOPE``: how its rows reach the AI systems that
scope them (``ThroughSystems("risk__ai_systems")``), or that they are organisation-wide
records, reference data, or personal rows. ``restrict`` combines that declaration with the
user's capabilities (the role matrix, ``aims.roles``) and with the *scope providers* apps
register (``registry.add_scope_provider``): the inventory gives operational members the AI
systems granted to them; the audit app will give an external auditor the scope of their audit
while their access lasts.

The base viewset and the base page views apply it once, with the action their ``Policy``
implies (``Policy.row_action``); a service or a tab that reads on a user's behalf calls it
too. Nothing else decides rows by role.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import ngettext

from aims.registry import registry
from aims.roles import Capability, has_capability

VIEW = "view"
CHANGE = "change"
ACTIONS = (VIEW, CHANGE)

M = TypeVar("M", bound=models.Model)


class Scope:
    """How a model's rows are scoped. Subclasses answer ``rows``."""

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        raise NotImplementedError


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def provided_systems(user: Any, action: str) -> list[int]:
    """Ids of the AI systems the registered scope providers give ``user`` for ``action``.
    Within ``reach_memo(user)`` they are asked once per action."""
    memo = getattr(user, _MEMO, None)
    if memo is not None and action in memo:
        return list(memo[action])
    ids: set[int] = set()
    for provider in registry.scope_providers:
        ids.update(provider.systems(user, action))
    if memo is not None:
        memo[action] = sorted(ids)
    return sorted(ids)


_MEMO = "_aims_reach_memo"


@contextmanager
def reach_memo(user: Any) -> Iterator[None]:
    """Ask the scope providers once per action while many reads restrict rows for ``user``
    (the inbox reads every app's sources at once); forgotten on leaving."""
    if user is None or hasattr(user, _MEMO):
        yield
        return
    setattr(user, _MEMO, {})
    try:
        yield
    finally:
        delattr(user, _MEMO)


def _provides_organisation(user: Any, action: str) -> bool:
    return any(provider.organisation(user, action) for provider in registry.scope_providers)


def systems_in_reach(user: Any, action: str = VIEW) -> list[int] | None:
    """The ids of the AI systems through which ``user`` may ``action`` records, or None when
    the role reaches every system: the rule ``ThroughSystems`` applies to rows, for those who
    need the systems themselves (a list naming the systems of its rows asks once a page).

    View: every system for roles that see all records; else those the scope providers give.
    Change: every system for roles that change all records; none for roles that change no
    records; else those the providers give for change."""
    if not _active(user):
        return []
    if action == VIEW and has_capability(user, Capability.SEE_ALL_RECORDS):
        return None
    if action == CHANGE:
        if not has_capability(user, Capability.CHANGE_RECORDS):
            return []
        if has_capability(user, Capability.CHANGE_ALL_RECORDS):
            return None
    return provided_systems(user, action)


@dataclass(frozen=True)
class Sight:
    """The AI systems one user may see, worked out once (at most one query) and then asked
    for every record of a page, export or response that names systems: ``split`` keeps the
    systems shown and counts the others, so a record linked to several systems never names
    one its reader may not see."""

    ids: frozenset[int] | None  # None: every system

    def sees(self, pk: Any) -> bool:
        return self.ids is None or pk in self.ids

    def split(self, systems: Iterable[M]) -> tuple[list[M], int]:
        """``systems`` as (those shown, how many others)."""
        shown, hidden = [], 0
        for system in systems:
            if self.sees(system.pk):
                shown.append(system)
            else:
                hidden += 1
        return shown, hidden

    def text(self, systems: Iterable[Any]) -> str:
        """``systems`` in one line, as exports show them: the names the reader sees, then
        "2 other AI systems" for the rest."""
        shown, hidden = self.split(systems)
        names = [str(system) for system in shown]
        if hidden:
            names.append(other_systems(hidden))
        return ", ".join(names)


def other_systems(count: int) -> str:
    """ "2 other AI systems": the systems of a record that its reader may not see."""
    label = ngettext("%(counter)s other AI system", "%(counter)s other AI systems", count)
    return label % {"counter": count}


def sight(user: Any) -> Sight:
    """What ``user`` may see of the AI systems (the same rule as ``restrict`` on them)."""
    ids = systems_in_reach(user, VIEW)
    return Sight(None if ids is None else frozenset(ids))


def request_sight(request: Any) -> Sight:
    """``sight`` of the request's user, worked out once per request: a page or response
    lists many records, and each asks."""
    if request is None:  # no request, no reader: nothing is seen
        return sight(None)
    known = getattr(request, "_aims_sight", None)
    if known is None:
        known = sight(getattr(request, "user", None))
        request._aims_sight = known
    return known


@dataclass(frozen=True)
class ThroughSystems(Scope):
    """Rows that belong to AI systems, reached from the model by ``path`` ("" for the AI
    system itself; "ai_system", "assessment__ai_system", "ai_systems",
    "risk__ai_systems"…).

    The systems are those of ``systems_in_reach``. A row linked to several systems is in
    scope when any of them is (and whoever shows the row names only the systems the reader
    sees: ``Sight``).
    """

    path: str

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        ids = systems_in_reach(user, action)
        if ids is None:
            return queryset
        if not ids:
            return queryset.none()
        return queryset.filter(self.condition(queryset.model, ids))

    def condition(self, model: type[models.Model], ids: list[int] | None) -> Q | Exists:
        """Rows linked to any of the systems ``ids`` (to any system at all when None), as one
        condition. The ids are literal: PostgreSQL estimates a short literal list well, where
        a nested permission subquery made it walk a whole register (measured by the
        benchmark). A many-to-many hop is an ``EXISTS`` on its link table, so a row linked to
        two granted systems appears once."""
        if not self.path:
            return Q(pk__in=ids) if ids is not None else Q(pk__isnull=False)
        *hops, last = self.path.split("__")
        owner = model
        for hop in hops:
            owner = owner._meta.get_field(hop).related_model  # type: ignore[assignment]
        field = owner._meta.get_field(last)
        if not field.many_to_many:
            if ids is None:
                return Q(**{f"{self.path}__isnull": False})
            return Q(**{f"{self.path}__in": ids})
        through = getattr(owner, last).through
        source = next(
            f.attname for f in through._meta.fields if f.related_model is owner and f.many_to_one
        )
        target = next(
            f.attname
            for f in through._meta.fields
            if f.related_model is not owner and f.many_to_one
        )
        outer = OuterRef("__".join(hops)) if hops else OuterRef("pk")
        links = through.objects.filter(**{source: outer})
        return Exists(links.filter(**{f"{target}__in": ids}) if ids is not None else links)


@dataclass(frozen=True)
class OrganisationWide(Scope):
    """Records of the organisation as a whole (context, scope, documents, objectives, clause
    conformance, risk matrices and criteria). Seen by roles that see all records and by
    those who change records (an operational member works within the organisation's AIMS),
    or through a provider that opens them (an external auditor's audit); changed by roles
    that change all records (or, for a role that changes records, through a provider that
    opens them for change)."""

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        if organisation_open(user, action):
            return queryset
        records = provided_records(queryset.model, user, action)
        return queryset.filter(records) if records is not None else queryset.none()


def provided_records(model: type[models.Model], user: Any, action: str) -> Q | None:
    """The organisation-wide rows of ``model`` the registered scope providers open to
    ``user`` for ``action`` one by one (an external auditor's audit: the SoA version in
    effect for its period, the clause assessments, controls and evidence of the requirements
    in its scope), as one condition; None when none does. A provider without ``records``
    opens none."""
    found: Q | None = None
    for provider in registry.scope_providers:
        records = getattr(provider, "records", None)
        condition = records(model, user, action) if records is not None else None
        if condition is not None:
            found = condition if found is None else found | condition
    return found


def organisation_open(user: Any, action: str) -> bool:
    """Whether ``user`` may ``action`` the organisation's own records (``OrganisationWide``)."""
    if action == VIEW:
        if has_capability(user, Capability.SEE_ALL_RECORDS) or has_capability(
            user, Capability.CHANGE_RECORDS
        ):
            return True
    elif has_capability(user, Capability.CHANGE_ALL_RECORDS):
        return True
    elif not has_capability(user, Capability.CHANGE_RECORDS):
        return False  # a provider never gives a right to change on its own
    return _provides_organisation(user, action)


@dataclass(frozen=True)
class SystemsOrOrganisation(Scope):
    """Rows that may name AI systems (``path`` as for ``ThroughSystems``): a row linked to
    systems is scoped through them (``ThroughSystems``); a row linked to none is the
    organisation's (``OrganisationWide``). An organisation-wide control or piece of evidence
    is read by whoever reads the organisation's records and changed by the officer; one of an
    AI system also by the members granted that system."""

    path: str

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        through = ThroughSystems(self.path)
        ids = systems_in_reach(user, action)
        organisation = organisation_open(user, action)
        linked = through.condition(queryset.model, None)
        if ids is None:
            return queryset if organisation else queryset.filter(linked)
        systems = through.condition(queryset.model, ids) if ids else None
        if organisation:
            return (
                queryset.filter(~linked | systems)
                if systems is not None
                else queryset.exclude(linked)
            )
        records = provided_records(queryset.model, user, action)
        if systems is not None and records is not None:
            return queryset.filter(systems | records)
        if systems is not None:
            return queryset.filter(systems)
        return queryset.filter(records) if records is not None else queryset.none()


@dataclass(frozen=True)
class Reference(Scope):
    """Reference data every reader needs to read the records (the library): seen by holders
    of ``capability`` (every signed-in user when None), changed by roles that change all
    records. (The risk matrices and criteria are the organisation's own records:
    ``OrganisationWide``.)"""

    capability: str | None = Capability.SEE_RECORDS

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        if action == VIEW:
            if self.capability is None or has_capability(user, self.capability):
                return queryset
            return queryset.none()
        if has_capability(user, Capability.CHANGE_ALL_RECORDS):
            return queryset
        return queryset.none()


@dataclass(frozen=True)
class Personal(Scope):
    """Rows that belong to one person (``field`` names them): their own, or every row for
    holders of ``sees_all``; nobody without ``requires`` (when set)."""

    field: str
    sees_all: str | None = None
    requires: str | None = None

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        if self.requires is not None and not has_capability(user, self.requires):
            return queryset.none()
        if self.sees_all is not None and has_capability(user, self.sees_all):
            return queryset
        return queryset.filter(**{self.field: user})


@dataclass(frozen=True)
class ReportJobs(Scope):
    """Report jobs: their files hold what the requester could see, so they are the
    requester's; jobs rendered with the full view (``shared``) are also open to the others
    who see all records. Nothing without the right to export."""

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        if not has_capability(user, Capability.EXPORT):
            return queryset.none()
        if has_capability(user, Capability.SEE_ALL_RECORDS):
            return queryset.filter(Q(requested_by=user) | Q(shared=True))
        return queryset.filter(requested_by=user)


@dataclass(frozen=True)
class ChangeLog(Scope):
    """The change log: whole for roles that see all records. A member who changes records
    reads the changes they made and every change to the AI systems the providers give them;
    nobody changes the log (it is append-only)."""

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        if action == CHANGE:
            return queryset.none()
        if has_capability(user, Capability.SEE_ALL_RECORDS):
            return queryset
        if not has_capability(user, Capability.CHANGE_RECORDS):
            return queryset.none()
        from django.contrib.contenttypes.models import ContentType

        from aims.models import AISystem

        systems = ContentType.objects.get_for_model(AISystem)
        ids = [str(pk) for pk in provided_systems(user, VIEW)]
        return queryset.filter(Q(actor=user) | Q(content_type=systems, object_id__in=ids))


def provided_audits(user: Any, action: str) -> list[int]:
    """Ids of the audits the registered scope providers give ``user`` for ``action`` (an
    external auditor's audits during their access window). A provider without ``audits``
    gives none."""
    ids: set[int] = set()
    for provider in registry.scope_providers:
        audits = getattr(provider, "audits", None)
        if audits is not None:
            ids.update(audits(user, action))
    return sorted(ids)


@dataclass(frozen=True)
class AuditRecords(Scope):
    """Records of the audit loop (9.2, 10.2): programmes, audits and what hangs from them,
    nonconformities and their corrective actions.

    Read by the roles that view audits and see all records (officer, top management,
    internal auditors, viewers); by an external auditor, the records of the audits the scope
    providers give them (``audit_path`` from the model to its audit: "" for the audit itself,
    None for records outside any audit); changed by the roles that manage audits (internal
    auditors). A model with ``systems_path`` (nonconformities, corrective actions) is also
    read and changed, for their response, by the members who respond to nonconformities:
    those linked to the AI systems in their reach, and those they own."""

    audit_path: str | None
    systems_path: str | None = None

    def rows(self, queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
        if (
            action == VIEW
            and has_capability(user, Capability.VIEW_AUDITS)
            and has_capability(user, Capability.SEE_ALL_RECORDS)
        ):
            return queryset
        if action == CHANGE and has_capability(user, Capability.MANAGE_AUDITS):
            return queryset
        condition = Q(pk__in=[])
        if action == VIEW and self.audit_path is not None:
            audits = provided_audits(user, action)
            if audits:
                field = f"{self.audit_path}__in" if self.audit_path else "pk__in"
                condition |= Q(**{field: audits})
        if self.systems_path is not None and has_capability(
            user, Capability.RESPOND_TO_NONCONFORMITIES
        ):
            condition |= Q(owner=user)
            ids = systems_in_reach(user, action)
            if ids is None:
                return queryset
            if ids:
                systems = ThroughSystems(self.systems_path).condition(queryset.model, ids)
                return queryset.filter(condition | systems)
        return queryset.filter(condition)


def scope_of(model: type[models.Model]) -> Scope:
    scope = getattr(model, "SCOPE", None)
    if not isinstance(scope, Scope):
        raise ImproperlyConfigured(f"{model._meta.label} declares no SCOPE (aims.scope).")
    return scope


def restrict(queryset: QuerySet[M], user: Any, action: str = VIEW) -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may ``action`` ("view" or "change"): none for
    anonymous or deactivated users, else what the model's ``SCOPE`` allows."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: use one of {ACTIONS}")
    scope = scope_of(queryset.model)
    if not _active(user):
        return queryset.none()
    return scope.rows(queryset, user, action)


def permitted(user: Any, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may ``action`` the saved object ``obj`` (one query)."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    return restrict(rows, user, action).exists()


def permitted_ids(user: Any, action: str, model: type[M], ids: Iterable[Any]) -> set[Any]:
    """Which of ``ids`` (of ``model``) ``user`` may ``action`` (one query)."""
    rows = model._default_manager.filter(pk__in=list(ids))
    return set(restrict(rows, user, action).values_list("pk", flat=True))
