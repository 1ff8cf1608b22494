"""The register's kept counts (``RiskCellCount``): read them where they answer, check them
against a fresh aggregate of the risks, and rebuild them. The database's triggers keep them
(migration ``0009``); these functions are for the operator who wants proof, and the repair
after a restore that skipped the triggers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from risk.models.summary import KEY_FIELDS

Cell = tuple[object, ...]


@dataclass(frozen=True)
class Drift:
    """Cells whose kept count differs from the risks: (cell, kept, actual)."""

    cells: tuple[tuple[Cell, int, int], ...]

    @property
    def exact(self) -> bool:
        return not self.cells


def cell_counts_drift() -> Drift:
    """Compare the kept counts with an aggregate of every risk (a full scan: a check, never a
    request's work), in one statement, so one snapshot: a concurrent write cannot show as a
    difference."""
    key = ", ".join(KEY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH live AS (SELECT {key}, count(*) AS n FROM risk_risk GROUP BY {key}), "  # noqa: S608
            f"kept AS (SELECT {key}, sum(count) AS n FROM risk_riskcellcount GROUP BY {key}) "
            f"SELECT {key}, coalesce(kept.n, 0), coalesce(live.n, 0) "
            f"FROM live FULL JOIN kept USING ({key}) "
            f"WHERE coalesce(kept.n, 0) <> coalesce(live.n, 0) ORDER BY {key}"
        )
        rows = cursor.fetchall()
    return Drift(tuple((tuple(row[:-2]), int(row[-2]), int(row[-1])) for row in rows))


@transaction.atomic
def cell_counts_rebuild() -> int:
    """Replace the kept counts by a fresh aggregate of the risks; the number of cells. The
    risk table is locked against writes meanwhile (reads go on), so no write falls between
    the aggregate and the replacement."""
    key = ", ".join(KEY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE risk_risk IN SHARE MODE")
        cursor.execute("DELETE FROM risk_riskcellcount")
        cursor.execute(
            f"INSERT INTO risk_riskcellcount ({key}, count) "  # noqa: S608 (constant names)
            f"SELECT {key}, count(*) FROM risk_risk GROUP BY {key}"
        )
        return cursor.rowcount
