"""The register's kept counts (``RiskCellCount``, ``RiskReviewCount``): check them against a
fresh aggregate of the risks, and rebuild them. The database's triggers keep them (migration
``0009``); these functions are for the operator who wants proof, and the repair after a
restore that skipped the triggers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from risk.models.summary import KEY_FIELDS

#: Each kept table: the risk columns it counts by, and which risks it counts.
KEPT = {
    "risk_riskcellcount": (KEY_FIELDS, "TRUE"),
    "risk_riskreviewcount": (("next_review_on", "status"), "next_review_on IS NOT NULL"),
}


@dataclass(frozen=True)
class Drift:
    """Rows whose kept count differs from the risks: (table, key, kept, actual)."""

    rows: tuple[tuple[str, tuple[object, ...], int, int], ...]

    @property
    def exact(self) -> bool:
        return not self.rows


def kept_counts_drift() -> Drift:
    """Compare the kept counts with aggregates of every risk (full scans: a check, never a
    request's work), each table in one statement, so in one snapshot: a concurrent write
    cannot show as a difference."""
    found = []
    with connection.cursor() as cursor:
        for table, (fields, counted) in KEPT.items():
            key = ", ".join(fields)
            cursor.execute(
                f"WITH live AS (SELECT {key}, count(*) AS n FROM risk_risk WHERE {counted} "  # noqa: S608
                f"GROUP BY {key}), kept AS (SELECT {key}, sum(count) AS n FROM {table} "
                f"GROUP BY {key}) SELECT {key}, coalesce(kept.n, 0), coalesce(live.n, 0) "
                f"FROM live FULL JOIN kept USING ({key}) "
                f"WHERE coalesce(kept.n, 0) <> coalesce(live.n, 0) ORDER BY {key}"
            )
            found += [(table, tuple(r[:-2]), int(r[-2]), int(r[-1])) for r in cursor.fetchall()]
    return Drift(tuple(found))


@transaction.atomic
def kept_counts_rebuild() -> int:
    """Replace the kept counts by fresh aggregates of the risks; the number of rows written.
    The risk table is locked against writes meanwhile (reads go on), so no write falls
    between an aggregate and its replacement."""
    written = 0
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE risk_risk IN SHARE MODE")
        for table, (fields, counted) in KEPT.items():
            key = ", ".join(fields)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({key}, count) SELECT {key}, count(*) "  # noqa: S608
                f"FROM risk_risk WHERE {counted} GROUP BY {key}"
            )
            written += cursor.rowcount
    return written
