"""The lists the benchmark reads at three positions: the first page, a page in the middle and
the last page, each beside hand-written SQL that reads the same page off the list's index by
its keys (keyset), so the growth of a deep page with the table is visible.

A list is named by its URL, the user who reads it, its table and its ordering keys as
``aims.pagination.ordering_keys`` makes them: the default ordering, the primary key appended
unless a unique column is among them. The middle page starts after the row in the
middle of the list; its keys are read with raw SQL (``ORDER BY … OFFSET``, outside the timing)
and passed to the list as a cursor (``aims.pagination.encode_cursor``); the last page is the
cursor of the end. Where the application has no cursors the pages are asked by number
(``?page=``), which is what the lists did before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PAGE = 50
POSITIONS = ("first", "middle", "last")


@dataclass(frozen=True)
class ListCase:
    name: str
    who: str
    url: str
    table: str
    #: The ordering keys: (column, descending), the primary key last.
    keys: tuple[tuple[str, bool], ...]
    #: Queries for what the page shows beside its own rows, given the page's ids (``%s``).
    related: tuple[str, ...] = ()
    #: The list's default filter in SQL (empty: every row of the table).
    where: str = ""
    budget_ms: float = 150
    #: Rows of the register: the register's own target (p95 under 150 ms at every size).
    register: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def order_by(self, *, reverse: bool = False) -> str:
        return ", ".join(
            f"{column} {'ASC' if descending == reverse else 'DESC'}"
            for column, descending in self.keys
        )

    def columns(self) -> str:
        return ", ".join(column for column, _descending in self.keys)

    def filtered(self, condition: str = "") -> str:
        conditions = [c for c in (self.where, condition) if c]
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""

    def after(self, position: list[Any]) -> tuple[str, list[Any]]:
        """The SQL condition for the rows after ``position`` in the list's order."""
        return _after(self.keys, list(position))

    def page_sql(self, after: list[Any] | None, *, from_end: bool = False) -> tuple[str, list]:
        """The page that starts after ``after`` (the first page: None), or the last page
        (``from_end``, its rows from the end), read off the index by its keys.

        When the keys run both ways (the register: rank descending, id ascending) no single
        row comparison seeks to the position, so the rows after it are the union of a seek per
        run of keys: the same leading keys and a later rest, then a later leading run; each
        part is an index range that stops after a page."""
        order = self.order_by(reverse=from_end)
        select = f"SELECT * FROM {self.table}"
        if after is None:
            return f"{select}{self.filtered()} ORDER BY {order} LIMIT {PAGE}", []
        branches = _branches(self.keys, list(after))
        if len(branches) == 1:
            condition, params = branches[0]
            return f"{select}{self.filtered(condition)} ORDER BY {order} LIMIT {PAGE}", params
        parts, params = [], []
        for condition, branch_params in branches:
            parts.append(f"({select}{self.filtered(condition)} ORDER BY {order} LIMIT {PAGE})")
            params += branch_params
        return f"SELECT * FROM ({' UNION ALL '.join(parts)}) page ORDER BY {order} LIMIT {PAGE}", (
            params
        )


def _after(keys: tuple[tuple[str, bool], ...], position: list[Any]) -> tuple[str, list[Any]]:
    """Rows after ``position``: a row comparison on the leading keys that run the same way (an
    index range the scan starts from), the keys after them breaking the ties."""
    run = 1
    while run < len(keys) and keys[run][1] == keys[0][1]:
        run += 1
    columns = ", ".join(column for column, _descending in keys[:run])
    placeholders = ", ".join(["%s"] * run)
    operator = "<" if keys[0][1] else ">"
    if run == len(keys):
        return f"({columns}) {operator} ({placeholders})", position[:run]
    rest, rest_params = _after(keys[run:], position[run:])
    return (
        f"({columns}) {operator}= ({placeholders}) AND (({columns}) <> ({placeholders}) OR {rest})",
        [*position[:run], *position[:run], *rest_params],
    )


def _branches(
    keys: tuple[tuple[str, bool], ...], position: list[Any]
) -> list[tuple[str, list[Any]]]:
    """The rows after ``position`` as disjoint parts, each an index seek: for each run of keys
    that run the same way, the earlier runs equal and this run past the position."""
    runs, start = [], 0
    while start < len(keys):
        end = start + 1
        while end < len(keys) and keys[end][1] == keys[start][1]:
            end += 1
        runs.append((start, end))
        start = end
    branches = []
    for start, end in runs:
        equal = [f"{column} = %s" for column, _descending in keys[:start]]
        columns = ", ".join(column for column, _descending in keys[start:end])
        placeholders = ", ".join(["%s"] * (end - start))
        operator = "<" if keys[start][1] else ">"
        condition = " AND ".join([*equal, f"({columns}) {operator} ({placeholders})"])
        branches.append((condition, [*position[:start], *position[start:end]]))
    return branches


def list_cases() -> list[ListCase]:
    from bench.generate import AUDITOR, OFFICER

    return [
        ListCase(
            "Register page (officer)",
            OFFICER,
            "/risks/",
            "risk_risk",
            (("residual_rank", True), ("inherent_rank", True), ("id", False)),
            related=(
                "SELECT t.risk_id, s.id, s.name, s.version FROM risk_risk_ai_systems t "
                "JOIN aims_aisystem s ON s.id = t.aisystem_id WHERE t.risk_id = ANY(%s)",
            ),
            register=True,
        ),
        ListCase(
            "Risk list API (officer)",
            OFFICER,
            "/api/v1/risks/?page_size=50",
            "risk_risk",
            (("residual_rank", True), ("inherent_rank", True), ("id", False)),
            related=(
                "SELECT t.risk_id, t.aisystem_id FROM risk_risk_ai_systems t "
                "WHERE t.risk_id = ANY(%s)",
                "SELECT t.risk_id, t.requirement_id FROM risk_risk_categories t "
                "WHERE t.risk_id = ANY(%s)",
            ),
        ),
        ListCase(
            "AI system list page",
            OFFICER,
            "/ai-systems/",
            "aims_aisystem",
            (("name", False), ("version", False), ("id", False)),
            related=(
                "SELECT id, name FROM aims_businessunit WHERE id IN (SELECT business_unit_id "
                "FROM aims_aisystem WHERE id = ANY(%s))",
            ),
        ),
        ListCase(
            "AI system list API",
            OFFICER,
            "/api/v1/ai-systems/?page_size=50",
            "aims_aisystem",
            (("name", False), ("version", False), ("id", False)),
        ),
        ListCase(
            "Change log page",
            OFFICER,
            "/changes/",
            "aims_changerecord",
            (("id", True),),
        ),
        ListCase(
            "Change log API",
            OFFICER,
            "/api/v1/changes/?page_size=50",
            "aims_changerecord",
            (("id", True),),
        ),
        ListCase(
            "Impact assessment list page",
            OFFICER,
            "/impact-assessments/",
            "impact_impactassessment",
            (("assessed_on", True), ("id", True)),
            related=(
                "SELECT id, name FROM aims_aisystem WHERE id IN (SELECT ai_system_id FROM "
                "impact_impactassessment WHERE id = ANY(%s))",
            ),
        ),
        ListCase(
            "Impact assessment list API",
            OFFICER,
            "/api/v1/impact-assessments/?page_size=50",
            "impact_impactassessment",
            (("assessed_on", True), ("id", True)),
            related=("SELECT * FROM impact_impactentry WHERE assessment_id = ANY(%s)",),
        ),
        ListCase(
            "Control list page",
            OFFICER,
            "/controls/",
            "controls_control",
            (("code", False),),  # unique: the primary key is not appended
            related=(
                "SELECT t.control_id, s.id, s.name FROM controls_control_ai_systems t JOIN "
                "aims_aisystem s ON s.id = t.aisystem_id WHERE t.control_id = ANY(%s)",
            ),
        ),
        ListCase(
            "Control list API",
            OFFICER,
            "/api/v1/controls/?page_size=50",
            "controls_control",
            (("code", False),),  # unique: the primary key is not appended
            related=(
                "SELECT control_id, requirement_id FROM controls_controlrequirement "
                "WHERE control_id = ANY(%s)",
            ),
        ),
        ListCase(
            "Evidence list page",
            OFFICER,
            "/evidence/",
            "controls_evidence",
            (("title", False), ("id", False)),
            related=(
                "SELECT * FROM controls_evidenceversion WHERE id IN (SELECT current_version_id "
                "FROM controls_evidence WHERE id = ANY(%s))",
            ),
        ),
        ListCase(
            "Evidence list API",
            OFFICER,
            "/api/v1/evidence/?page_size=50",
            "controls_evidence",
            (("title", False), ("id", False)),
            related=(
                "SELECT * FROM controls_evidenceversion WHERE id IN (SELECT current_version_id "
                "FROM controls_evidence WHERE id = ANY(%s))",
            ),
        ),
        ListCase(
            "Audit list page (auditor)",
            AUDITOR,
            "/audits/",
            "audit_audit",
            (("period_start", True), ("title", False), ("id", False)),
        ),
        ListCase(
            "Audit list API (auditor)",
            AUDITOR,
            "/api/v1/audits/?page_size=50",
            "audit_audit",
            (("period_start", True), ("title", False), ("id", False)),
        ),
        ListCase(
            "Findings API (auditor)",
            AUDITOR,
            "/api/v1/findings/?page_size=50",
            "audit_finding",
            (("audit_id", False), ("id", False)),
            related=(
                "SELECT id, ref_id FROM aims_requirement WHERE id IN (SELECT requirement_id "
                "FROM audit_finding WHERE id = ANY(%s))",
            ),
        ),
        ListCase(
            "Nonconformity board (officer)",
            OFFICER,
            "/nonconformities/",
            "audit_nonconformity",
            (("due_on", False), ("raised_on", True), ("id", False)),
        ),
        ListCase(
            "Nonconformity list API",
            OFFICER,
            "/api/v1/nonconformities/?page_size=50",
            "audit_nonconformity",
            (("raised_on", True), ("id", True)),
        ),
    ]


def count(case: ListCase) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {case.table}{case.filtered()}")
        return int(cursor.fetchone()[0])


def keys_at(case: ListCase, offset: int) -> list[Any]:
    """The ordering keys of the row at ``offset`` in the list's order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {case.columns()} FROM {case.table}{case.filtered()} "
            f"ORDER BY {case.order_by()} OFFSET %s LIMIT 1",
            [offset],
        )
        row = cursor.fetchone()
    assert row is not None, (case.name, offset)
    return list(row)


def cursor_encoder() -> Callable[..., str] | None:
    """``aims.pagination.encode_cursor`` when the application has cursors, else None."""
    try:
        from aims.pagination import encode_cursor
    except ImportError:
        return None
    return encode_cursor


def position_urls(case: ListCase, total: int) -> dict[str, tuple[str, list[Any] | None, bool]]:
    """For each position: the URL, and for the raw SQL the keys the page starts after (None:
    from the start) and whether it is read from the end (the last page)."""
    separator = "&" if "?" in case.url else "?"
    middle_offset = max(0, total // 2 - 1)
    middle_keys = keys_at(case, middle_offset) if total > 1 else None
    encode = cursor_encoder()
    if encode is not None:
        middle = encode(middle_keys) if middle_keys is not None else encode(None)
        last = encode(None, reverse=True)
        middle_url = f"{case.url}{separator}cursor={middle}"
        last_url = f"{case.url}{separator}cursor={last}"
    else:
        pages = max(1, -(-total // PAGE))
        middle_url = f"{case.url}{separator}page={(middle_offset + 1) // PAGE + 1}"
        last_url = f"{case.url}{separator}page={pages}"
    return {
        "first": (case.url, None, False),
        "middle": (middle_url, middle_keys, False),
        "last": (last_url, None, True),
    }


def raw_page(case: ListCase, after: list[Any] | None, from_end: bool) -> Callable[[], None]:
    """The same page by hand-written SQL: its rows off the index by their keys (keyset), then
    what the page shows of their related rows."""
    from django.db import connection

    query, params = case.page_sql(after, from_end=from_end)

    def call() -> None:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            column = [d[0] for d in cursor.description].index("id")
            ids = [row[column] for row in cursor.fetchall()]
            for statement in case.related:
                cursor.execute(statement, [ids])
                cursor.fetchall()

    return call


def mode() -> str:
    return "cursor" if cursor_encoder() is not None else "page number"
