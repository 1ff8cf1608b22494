"""The personal inbox ("My work"): what waits for one person, from every app.

Apps register *inbox sources* (``registry.add_inbox_source``, ``aims.registry.InboxSource``):
approvals waiting for the user, versions returned to them, risk acceptances they may give,
actions assigned to them. The core adds one source per reviewable model and date field (the
models the review reminders cover), so reviews due or overdue that the user owns are listed
without any app repeating itself.

Every source's rows are restricted to what the user may see, so the inbox never names a
record its reader may not see. ``inbox_counts`` counts every source in one SQL statement (the
navigation shows it on every page); ``inbox_items`` reads one query per source, whatever the
number of items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from aims.choices import ApprovalStatus, InboxKind
from aims.registry import InboxSource, registry
from aims.scope import VIEW, reach_memo, restrict

#: Items listed per source (the counts are exact).
ITEMS_PER_SOURCE = 50
#: How long an approval of my work stays in my inbox as a result.
RESULT_DAYS = 14


@dataclass(frozen=True)
class InboxItem:
    """One entry of the inbox, as the page and the API show it."""

    kind: str
    source: str
    record_type: str
    title: str
    url: str
    state: str
    since: datetime | date | None = None
    due: date | None = None
    overdue: bool = False
    comment: str = ""


@dataclass
class InboxGroup:
    kind: str
    label: str
    count: int
    items: list[InboxItem] = field(default_factory=list)


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated and user.is_active else None


def _type(model: type[models.Model]) -> str:
    return str(capfirst(model._meta.verbose_name))


def _url(row: models.Model) -> str:
    get_url = getattr(row, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


# --- Sources the core builds for the apps ---------------------------------------------------
def approval_sources(
    model: type[models.Model], *, select: Iterable[str] = (), order: int = 100
) -> list[InboxSource]:
    """The inbox sources of an approvable model (``aims.models.approval.Approvable``):
    versions waiting for my approval, mine returned to me with the reviewer's comment, and
    mine approved lately (a result, not counted in the navigation)."""
    from aims.services.approval import reviewable_by

    label = model._meta.label_lower
    related = tuple(select)

    def waiting(user: Any) -> QuerySet[Any] | None:
        person = _person(user)
        if person is None:
            return None
        versions: QuerySet[Any] = model._default_manager.select_related(*related)
        rows = reviewable_by(versions, person)
        return rows.order_by("submitted_at", "pk")

    def returned(user: Any) -> QuerySet[Any] | None:
        person = _person(user)
        if person is None:
            return None
        rows = model._default_manager.select_related(*related).filter(
            author_id=person.pk, status=ApprovalStatus.DRAFT
        )
        rows = rows.exclude(review_comment="")
        return restrict(rows, person, VIEW).order_by("-submitted_at", "pk")

    def results(user: Any) -> QuerySet[Any] | None:
        person = _person(user)
        if person is None:
            return None
        since = timezone.now() - timedelta(days=RESULT_DAYS)
        rows = model._default_manager.select_related(*related).filter(
            author_id=person.pk, status=ApprovalStatus.APPROVED, approved_at__gte=since
        )
        return restrict(rows, person, VIEW).order_by("-approved_at", "pk")

    def waiting_item(row: Any) -> InboxItem:
        return InboxItem(
            kind=InboxKind.APPROVAL,
            source=f"approval:{label}",
            record_type=_type(model),
            title=str(row),
            url=_url(row),
            state=str(row.get_status_display()),
            since=row.submitted_at,
        )

    def returned_item(row: Any) -> InboxItem:
        return InboxItem(
            kind=InboxKind.RETURNED,
            source=f"returned:{label}",
            record_type=_type(model),
            title=str(row),
            url=_url(row),
            state=_("Returned with a comment"),
            since=row.submitted_at,
            comment=row.review_comment,
        )

    def result_item(row: Any) -> InboxItem:
        return InboxItem(
            kind=InboxKind.RESULT,
            source=f"result:{label}",
            record_type=_type(model),
            title=str(row),
            url=_url(row),
            state=str(row.get_status_display()),
            since=row.approved_at,
        )

    return [
        InboxSource(f"approval:{label}", InboxKind.APPROVAL, waiting, waiting_item, order),
        InboxSource(f"returned:{label}", InboxKind.RETURNED, returned, returned_item, order),
        InboxSource(
            f"result:{label}", InboxKind.RESULT, results, result_item, order, actionable=False
        ),
    ]


def review_sources() -> list[InboxSource]:
    """One source per reviewable model and reminder date (``registry.add_reviewable``, the
    models the review reminders cover): records I own whose date is due within
    ``REVIEW_REMINDER_DAYS`` or overdue."""
    from aims.services.reminders import reminder_sources

    return [_review_source(model, name) for model, name in reminder_sources()]


def _review_source(model: type[Any], date_field: str) -> InboxSource:
    code = f"review:{model._meta.label_lower}:{date_field}"
    label = str(model._meta.get_field(date_field).verbose_name)

    def rows(user: Any) -> QuerySet[Any] | None:
        person = _person(user)
        if person is None:
            return None
        horizon = timezone.localdate() + timedelta(days=settings.REVIEW_REMINDER_DAYS)
        due = (
            model.reminder_queryset()
            .select_related()
            .filter(owner_id=person.pk, **{f"{date_field}__lte": horizon})
        )
        return restrict(due, person, VIEW).order_by(date_field, "pk")

    def item(row: Any) -> InboxItem:
        due_on = getattr(row, date_field)
        overdue = due_on < timezone.localdate()
        return InboxItem(
            kind=InboxKind.REVIEW,
            source=code,
            record_type=_type(model),
            title=str(row),
            url=_url(row),
            state=(_("Overdue: %(what)s") if overdue else _("Due soon: %(what)s"))
            % {"what": label},
            due=due_on,
            overdue=overdue,
        )

    return InboxSource(code, InboxKind.REVIEW, rows, item, order=500)


def sources() -> list[InboxSource]:
    """Every inbox source: the apps' and the review sources, in order."""
    return sorted([*registry.inbox(), *review_sources()], key=lambda s: s.order)


# --- Reading ----------------------------------------------------------------------------------
def _count_sql(rows: QuerySet[Any], limit: int | None) -> tuple[str, list[Any]]:
    """``rows`` counted (up to ``limit`` when given: PostgreSQL stops looking there), as a
    scalar subquery's SQL and parameters: the source's own query compiled once, not resolved
    again inside another query (which cost an operator's badge most of its time)."""
    ids = rows.order_by().values("pk")
    if limit is not None:
        ids = ids[:limit]
    try:
        sql, params = ids.query.sql_with_params()
    except EmptyResultSet:  # a source with nothing to ask (``none()``)
        return "0", []
    return f"(SELECT count(*) FROM ({sql}) AS counted)", list(params)


def _source_rows(person: Any, only: Callable[[InboxSource], bool]) -> list[tuple[InboxSource, Any]]:
    found = []
    for source in sources():
        if only(source):
            rows = source.rows(person)
            if rows is not None:
                found.append((source, rows))
    return found


def _counts(found: list[tuple[InboxSource, Any]], limit: int | None = None) -> dict[str, int]:
    """source code → number of rows (each counted up to ``limit`` when given), in one SQL
    statement."""
    if not found:
        return {}
    counts = [_count_sql(rows, limit) for _source, rows in found]
    statement = "SELECT " + ", ".join(sql for sql, _params in counts)
    with connection.cursor() as cursor:
        cursor.execute(statement, [value for _sql, params in counts for value in params])
        row = cursor.fetchone()
    return {source.code: int(number) for (source, _rows), number in zip(found, row, strict=True)}


def inbox_counts(user: Any, limit: int | None = None) -> dict[str, int]:
    """How many items wait for ``user``, by kind, and ``total`` (what the navigation shows):
    every source that asks for action, counted in one SQL statement; with ``limit``, each
    source counted only up to it (a total under ``limit`` is then still exact)."""
    counts = {str(kind): 0 for kind in InboxKind.values}
    counts["total"] = 0
    person = _person(user)
    if person is None:
        return counts
    with reach_memo(person):
        found = _source_rows(person, lambda source: source.actionable)
    for code, number in _counts(found, limit).items():
        kind = next(source.kind for source, _rows in found if source.code == code)
        counts[kind] += number
        counts["total"] += number
    return counts


#: The navigation's badge counts to this many ("99+" beyond): every page shows the badge, and
#: an officer may have tens of thousands of pieces of evidence waiting for review.
BADGE_LIMIT = 100


def inbox_total(user: Any) -> int:
    """What the navigation's badge shows: the items that ask ``user`` for action, exact
    below ``BADGE_LIMIT`` (each source counted up to it, so no page counts a whole table)."""
    return inbox_counts(user, BADGE_LIMIT)["total"]


def inbox(user: Any) -> tuple[list[InboxGroup], dict[str, int]]:
    """The inbox of ``user`` grouped by kind (``InboxKind`` order; empty kinds left out) and
    the counts ``inbox_counts`` gives: one query per source with items, one for all the
    counts."""
    counts = {str(kind): 0 for kind in InboxKind.values}
    counts["total"] = 0
    person = _person(user)
    if person is None:
        return [], counts
    with reach_memo(person):
        found = _source_rows(person, lambda source: True)
    by_source = _counts(found)
    groups = {kind: InboxGroup(kind, str(label), 0) for kind, label in InboxKind.choices}
    for source, rows in found:
        number = by_source.get(source.code, 0)
        group = groups[source.kind]
        group.count += number
        if number:  # counted already: an empty source costs no query of its own
            group.items.extend(source.item(row) for row in rows[:ITEMS_PER_SOURCE])
        if source.actionable:
            counts[source.kind] += number
            counts["total"] += number
    for group in groups.values():
        group.items.sort(key=_when)
    return [group for group in groups.values() if group.items], counts


def inbox_items(user: Any) -> list[InboxGroup]:
    """The inbox of ``user`` grouped by kind (``inbox``)."""
    return inbox(user)[0]


def _when(item: InboxItem) -> tuple[bool, str]:
    """Oldest first (due dates and the times things happened), undated last."""
    moment = item.due or item.since
    if isinstance(moment, datetime):
        return (False, timezone.localtime(moment).isoformat())
    return (moment is None, moment.isoformat() if moment else "")
