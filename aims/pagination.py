"""Pages of every list, by keyset (DESIGN §6, §10).

A page is found from the values of the list's ordering keys (its ordering with the primary key
appended when absent) of the row it starts after, or ends before, carried in an opaque cursor.
The query walks the ordering's index from that position, so the last page costs what the first
does, whatever the table's size; ``?page=N`` still reaches the first ``PAGE_NUMBER_ROWS`` rows
(an offset) for links made before cursors.

Keys of one direction compare as one row, ``(a, b) < (x, y)``, which PostgreSQL answers as a
range of the index. An ordering that mixes directions (the register's ``-residual_rank,
-inherent_rank, id``) or has a nullable key is cut into disjoint ranges, each a range of the
same index, walked in one statement (``UNION ALL`` of each range's first rows) and put in order.

Counts: exact up to ``EXACT_COUNT_LIMIT`` rows, counted no further (``LIMIT``); beyond, the
planner's estimate, flagged (``count_is_estimate``) and shown as "about 500,000".
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import BooleanField, Expression, F, Model, Q, QuerySet, Value
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: ``?page=N`` reaches this many rows; beyond, the ``next`` cursor does.
PAGE_NUMBER_ROWS = 10_000
#: A list known to hold at most this many rows takes its page from all of their ids (see
#: ``_fetch``).
SMALL_LIST = 5_000

CURSOR_ERROR = gettext_lazy(
    "This page link is not valid (it may be from another list or cut short). "
    "Start again from the first page."
)


def exact_count_limit() -> int:
    return int(getattr(settings, "AIMS_EXACT_COUNT_LIMIT", 10_000))


# --- cursors ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"t": "dt", "v": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"t": "d", "v": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"t": "dec", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"t": "u", "v": str(value)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        kind, text = value.get("t"), value.get("v")
        if not isinstance(text, str):
            raise ValueError("bad value")
        if kind == "dt":
            return datetime.datetime.fromisoformat(text)
        if kind == "d":
            return datetime.date.fromisoformat(text)
        if kind == "dec":
            return decimal.Decimal(text)
        if kind == "u":
            return uuid.UUID(text)
        raise ValueError("bad value")
    if isinstance(value, (list, tuple)):
        raise ValueError("bad value")
    return value


def encode_cursor(position: Sequence[Any] | None, *, reverse: bool = False) -> str:
    """The cursor of the page after ``position`` (the row's ordering-key values), or before it
    when ``reverse``. No position: the first page, or with ``reverse`` the last one."""
    body: dict[str, Any] = {"r": int(reverse)}
    if position is not None:
        body["p"] = [_plain(value) for value in position]
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[list[Any] | None, bool]:
    """``(position, reverse)`` of a cursor; ``ValidationError`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw.decode())
        if not isinstance(body, dict) or body.get("r") not in (0, 1):
            raise ValueError("bad cursor")
        position = body.get("p")
        if position is not None:
            if not isinstance(position, list) or not position:
                raise ValueError("bad cursor")
            position = [_typed(value) for value in position]
        return position, bool(body["r"])
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise ValidationError(str(CURSOR_ERROR), code="invalid_cursor") from error


# --- ordering keys ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One ordering key: the field path (or annotation), its direction, whether it may be
    null (PostgreSQL puts nulls last going up, first going down)."""

    name: str
    descending: bool
    nullable: bool

    def flipped(self) -> Key:
        return Key(self.name, not self.descending, self.nullable)

    @property
    def order(self) -> str:
        return f"-{self.name}" if self.descending else self.name


def _field_nullable(model: type[Model], path: str, annotations: dict[str, Any]) -> bool:
    if path in annotations:
        return True
    current: Any = model
    parts = path.split("__")
    nullable = False
    for index, part in enumerate(parts):
        try:
            field_ = current._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        nullable = nullable or bool(getattr(field_, "null", False))
        if field_.is_relation and index < len(parts) - 1:
            current = field_.related_model
        elif field_.is_relation:
            return nullable  # ordering by a foreign key is by its id column
    return nullable


def ordering_keys(queryset: QuerySet[Any]) -> list[Key]:
    """The queryset's ordering as keys, the primary key appended unless a unique column ends
    it already: a total order, so a position names exactly one place in the list."""
    query = queryset.query
    model = queryset.model
    terms: Sequence[Any] = query.order_by or (
        model._meta.ordering if query.default_ordering else ()
    )
    keys: list[Key] = []
    pk = model._meta.pk
    for term in terms:
        if isinstance(term, str):
            if term == "?":
                raise ValueError("a random order cannot be paged by keyset")
            descending = term.startswith("-")
            name = term.lstrip("-+")
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            descending, name = term.descending, str(getattr(term.expression, "name"))  # noqa: B009
        elif isinstance(term, F):
            descending, name = False, str(getattr(term, "name"))  # noqa: B009
        else:
            raise ValueError(f"cannot page by keyset on the ordering {term!r}")
        if name == "pk":
            name = pk.name
        if any(key.name == name for key in keys):
            continue
        keys.append(Key(name, descending, _field_nullable(model, name, query.annotations)))
    if not any(_unique(model, key.name) for key in keys):
        last = keys[-1].descending if keys else False
        keys.append(Key(pk.name, last, False))
    return keys


def _unique(model: type[Model], name: str) -> bool:
    try:
        field_ = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return bool(
        getattr(field_, "primary_key", False)
        or (getattr(field_, "unique", False) and not getattr(field_, "null", False))
    )


# --- the condition of a range ----------------------------------------------------------------


class RowCompare(Expression):
    """``(a, b, …) < (x, y, …)`` (or ``>``, ``<=``, ``>=``): PostgreSQL answers it as one
    range of an index on those columns."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, names: Sequence[str], operator: str, values: Sequence[Any]) -> None:
        super().__init__()
        assert operator in ("<", ">", "<=", ">=")
        self.operator = operator
        self.columns: list[Any] = [F(name) for name in names]
        self.values = list(values)

    def get_source_expressions(self) -> list[Any]:
        return [*self.columns, *self.values]

    def set_source_expressions(self, expressions: Sequence[Any]) -> None:
        count = len(self.columns)
        self.columns, self.values = list(expressions[:count]), list(expressions[count:])

    def resolve_expression(self, *args: Any, **kwargs: Any) -> RowCompare:
        resolved = self.copy()
        resolved.columns = [column.resolve_expression(*args, **kwargs) for column in self.columns]
        resolved.values = [
            Value(value, output_field=column.output_field).resolve_expression(*args, **kwargs)
            if not hasattr(value, "resolve_expression")
            else value
            for column, value in zip(resolved.columns, self.values, strict=True)
        ]
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        left, right, params = [], [], []
        for column in self.columns:
            sql, column_params = compiler.compile(column)
            left.append(sql)
            params.extend(column_params)
        for value in self.values:
            sql, value_params = compiler.compile(value)
            right.append(sql)
            params.extend(value_params)
        return f"({', '.join(left)}) {self.operator} ({', '.join(right)})", params


def _equal(key: Key, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _after_one(key: Key, value: Any) -> list[Q]:
    """The disjoint conditions of "after ``value``" on one key, in the list's order."""
    # PostgreSQL's order: nulls last going up, first going down.
    if value is None:
        return [] if not key.descending else [Q(**{f"{key.name}__isnull": False})]
    beyond = Q(**{f"{key.name}__lt" if key.descending else f"{key.name}__gt": value})
    if key.nullable and not key.descending:
        return [beyond, Q(**{f"{key.name}__isnull": True})]
    return [beyond]


def ranges_after(keys: Sequence[Key], position: Sequence[Any]) -> list[Q | RowCompare]:
    """The rows after ``position`` as disjoint conditions, each one range of an index on the
    keys: keys of one direction (and never null) run together as one row comparison; the
    first keys equal to the position narrow each later range."""
    groups: list[list[int]] = []
    for index, key in enumerate(keys):
        previous = keys[index - 1] if index else None
        if (
            groups
            and previous is not None
            and not key.nullable
            and not previous.nullable
            and previous.descending == key.descending
        ):
            groups[-1].append(index)
        else:
            groups.append([index])
    ranges: list[Q | RowCompare] = []
    for number, group in enumerate(groups):
        equal = Q()
        for earlier in groups[:number]:
            for index in earlier:
                equal &= _equal(keys[index], position[index])
        if len(group) > 1:
            first = keys[group[0]]
            compare = RowCompare(
                [keys[index].name for index in group],
                "<" if first.descending else ">",
                [position[index] for index in group],
            )
            ranges.append(compare if not equal else equal & Q(compare))
        else:
            for condition in _after_one(keys[group[0]], position[group[0]]):
                ranges.append(equal & condition)
    return ranges


# --- a page ----------------------------------------------------------------------------------


@dataclass
class Count:
    value: int
    is_estimate: bool

    def display(self) -> str:
        """ "1,234", or "about 500,000" (two significant figures) for an estimate."""
        if not self.is_estimate:
            return f"{self.value:,}"
        digits = len(str(self.value))
        rounded = round(self.value, -max(0, digits - 2))
        return _("about %(count)s") % {"count": f"{rounded:,}"}


@dataclass
class KeysetPage:
    """One page of a list: its rows, whether there are rows before and after it, the cursors
    that reach them, and the list's count. Iterates over its rows as Django's ``Page`` does."""

    object_list: list[Any]
    keys: list[Key]
    total: Count
    has_next: bool
    has_previous: bool
    is_first: bool
    is_last: bool
    number: int | None = None
    positions: list[list[Any]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __bool__(self) -> bool:
        return True

    @property
    def paginator(self) -> KeysetPage:  # templates and tests read ``page.paginator.count``
        return self

    @property
    def count(self) -> int:
        return self.total.value

    @property
    def count_is_estimate(self) -> bool:
        return self.total.is_estimate

    @property
    def count_display(self) -> str:
        return self.total.display()

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.positions[-1]) if self.has_next and self.positions else None

    @property
    def previous_cursor(self) -> str | None:
        if not self.has_previous or not self.positions:
            return None
        return encode_cursor(self.positions[0], reverse=True)

    @property
    def last_cursor(self) -> str | None:
        return None if self.is_last else encode_cursor(None, reverse=True)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _key_values(rows: Sequence[Any], keys: Sequence[Key], queryset: QuerySet[Any]) -> list[Any]:
    """The ordering keys of ``rows``, read off the rows when they hold them, else in one
    query by primary key."""
    simple = all(
        "__" not in key.name and key.name not in queryset.query.annotations for key in keys
    )
    if simple:
        attnames = [_attname(queryset.model, key.name) for key in keys]
        return [[getattr(row, name) for name in attnames] for row in rows]
    pks = [row.pk for row in rows]
    found = {
        values[0]: list(values[1:])
        for values in queryset.order_by()
        .filter(pk__in=pks)
        .values_list("pk", *[key.name for key in keys])
    }
    return [found[pk] for pk in pks]


def _attname(model: type[Model], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "attname", name))
    except FieldDoesNotExist:
        return name


def _fetch(
    queryset: QuerySet[Any],
    keys: Sequence[Key],
    position: Sequence[Any] | None,
    limit: int,
    *,
    small: bool = False,
) -> list[Any]:
    """The first ``limit`` rows after ``position`` in the order of ``keys``.

    ``small``: the list is known to be short (a reader who sees a small part of a large
    table). Asked for its first rows, PostgreSQL would walk the ordering's index and filter
    each row by visibility, through most of the table when few rows are visible (100 ms at
    500,000 risks for an operator who sees 1,900); asked for all their ids, it finds them
    through the visibility's own indexes and sorts them (a few ms). The page's rows are then
    read by id."""
    ordered = queryset.order_by(*[key.order for key in keys])
    ranges = ranges_after(keys, position) if position is not None else None
    if ranges == []:
        return []
    if small:
        narrowed = ordered
        if ranges:
            either = Q()
            for condition in ranges:
                either |= condition if isinstance(condition, Q) else Q(condition)
            narrowed = ordered.filter(either)
        pks = list(narrowed.values_list("pk", flat=True))[:limit]
        return _by_pk(queryset, pks)
    if ranges is None:
        return list(ordered[:limit])
    if len(ranges) == 1:
        return list(ordered.filter(ranges[0])[:limit])
    # Several ranges: the first rows of each (an index range each), in one statement, put in
    # the list's order; then those rows in full.
    parts = [
        ordered.filter(condition).values_list("pk", *[key.name for key in keys])[:limit]
        for condition in ranges
    ]
    union = parts[0].union(*parts[1:], all=True)
    return _by_pk(queryset, [row[0] for row in _ordered_union(union, keys, limit)])


def _by_pk(queryset: QuerySet[Any], pks: list[Any]) -> list[Any]:
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=pks)}
    return [rows[pk] for pk in pks if pk in rows]


def _ordered_union(union: QuerySet[Any], keys: Sequence[Key], limit: int) -> list[Any]:
    """The union's rows in the list's order (PostgreSQL's collation: sorted in SQL)."""
    compiler = union.query.get_compiler(using=union.db)
    sql, params = compiler.as_sql()
    order = ", ".join(
        f"{index + 2} {'DESC' if key.descending else 'ASC'}" for index, key in enumerate(keys)
    )
    with connections[union.db].cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({sql}) AS page_ranges ORDER BY {order} LIMIT %s", [*params, limit]
        )
        return list(cursor.fetchall())


def count_rows(queryset: QuerySet[Any], limit: int | None = None) -> Count:
    """The exact count up to ``limit`` rows (counted no further), else the planner's
    estimate (never below the limit), flagged.

    A list of plain rows (no grouping, distinct rows, annotations or union) is counted by its
    ids, compiled once for the count and the estimate: Django's count of a slice goes through
    its aggregation machinery, which costs more than the count."""
    limit = exact_count_limit() if limit is None else limit
    bare = queryset.order_by()
    query = bare.query
    plain = not (
        query.distinct
        or query.combinator
        or query.is_sliced
        or query.annotations
        or query.group_by is not None
        or query.extra
    )
    if not plain:
        counted = bare[: limit + 1].count()
        if counted <= limit:
            return Count(counted, False)
        return Count(max(limit + 1, estimate_rows(bare)), True)
    try:
        sql, params = _ids_sql(bare)
    except EmptyResultSet:  # a condition no row meets (an empty ``pk__in``, ``none()``)
        return Count(0, False)
    with connections[bare.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) counted", [*params, limit + 1])
        counted = cursor.fetchone()[0]
        if counted <= limit:
            return Count(counted, False)
        return Count(max(limit + 1, _planned_rows(cursor, sql, params)), True)


def _ids_sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    ids = queryset.values_list("pk").query
    sql, params = ids.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def estimate_rows(queryset: QuerySet[Any]) -> int:
    """The planner's estimate of the rows of ``queryset`` (no row is read). Asked of its ids
    alone: the rows are the same, and the statement is compiled without every column."""
    try:
        sql, params = _ids_sql(queryset)
    except EmptyResultSet:
        return 0
    with connections[queryset.db].cursor() as cursor:
        return _planned_rows(cursor, sql, params)


def _planned_rows(cursor: Any, sql: str, params: tuple[Any, ...]) -> int:
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def paginate_keyset(
    queryset: QuerySet[Any],
    *,
    cursor: str | None = None,
    page: str | int | None = None,
    per_page: int = PAGE_SIZE,
    count: Count | int | None = None,
) -> KeysetPage:
    """One page of ``queryset`` (in its own ordering): at ``cursor``, or page number
    ``page`` within the first ``PAGE_NUMBER_ROWS`` rows, or the first page. ``count``: the
    list's count when the caller has it already (else counted here, exactly when cheap).
    ``ValidationError`` for a cursor that is not one of ours or a page number out of reach."""
    keys = ordering_keys(queryset)
    if isinstance(count, int):
        count = Count(count, False)
    total = count if count is not None else count_rows(queryset)
    position: list[Any] | None = None
    reverse = False
    number: int | None = None
    if cursor:
        position, reverse = decode_cursor(cursor)
        if position is not None and len(position) != len(keys):
            raise ValidationError(str(CURSOR_ERROR), code="invalid_cursor")
    elif page not in (None, ""):
        number = page_number(page, per_page)
    if number is not None and number > 1:
        offset = (number - 1) * per_page
        ordered = queryset.order_by(*[key.order for key in keys])
        rows = list(ordered[offset : offset + per_page + 1])
        if not rows:
            raise ValidationError(_("That page is empty."), code="empty_page")
        more = len(rows) > per_page
        rows = rows[:per_page]
        return _page(rows, keys, queryset, total, more, True, number=number)
    walk = [key.flipped() for key in keys] if reverse else keys
    small = not total.is_estimate and total.value <= SMALL_LIST
    try:
        rows = _fetch(queryset, walk, position, per_page + 1, small=small)
    except (ValueError, TypeError, decimal.InvalidOperation) as error:
        raise ValidationError(str(CURSOR_ERROR), code="invalid_cursor") from error
    more = len(rows) > per_page
    rows = rows[:per_page]
    if reverse:
        rows.reverse()
        # Walking back: there are rows before when more were found; after, when this page
        # ends before a position (the last page has none).
        return _page(rows, keys, queryset, total, position is not None, more)
    return _page(
        rows,
        keys,
        queryset,
        total,
        more,
        position is not None,
        number=1 if position is None else None,
    )


def _page(
    rows: list[Any],
    keys: list[Key],
    queryset: QuerySet[Any],
    total: Count,
    has_next: bool,
    has_previous: bool,
    number: int | None = None,
) -> KeysetPage:
    return KeysetPage(
        object_list=rows,
        keys=keys,
        total=total,
        has_next=has_next,
        has_previous=has_previous,
        is_first=not has_previous,
        is_last=not has_next,
        number=number,
        positions=_key_values(rows, keys, queryset) if rows else [],
    )


def page_number(page: str | int, per_page: int) -> int:
    """A ``?page=`` number, within the rows page numbers reach."""
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise ValidationError(_("A page number is a whole number from 1."), code="invalid_page")
    if (number - 1) * per_page >= PAGE_NUMBER_ROWS:
        raise ValidationError(
            _(
                "Page numbers reach the first %(rows)s rows of a list; follow the “next” "
                "links (cursors) to go further."
            )
            % {"rows": f"{PAGE_NUMBER_ROWS:,}"},
            code="page_out_of_reach",
        )
    return number
