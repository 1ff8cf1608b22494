"""The change log of a period for auditors: CSV or JSON Lines, streamed, with the hash chain.

Each exported record carries every field its hash covers (``ChangeRecord.canonical_content``)
plus its own hash, the previous record's hash and its HMAC, so an auditor recomputes each hash
(SHA-256 of the canonical JSON) and follows the links. The export opens with the *anchor*: the
id and hash of the record just before the first one exported (none at the start of the log),
read from the log itself, so the first record's ``previous_hash`` can be checked against it.
An export of a whole period, read by someone who sees the whole log, is one unbroken chain;
other filters (or a narrower sight) leave gaps between ids, each record still checkable alone.

Rows are read in id order in chunks and written as they come: the memory used does not
depend on the length of the period.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from aims.models import ChangeRecord

FORMATS = ("csv", "jsonl")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
CHUNK = 2000

#: The columns of the export, in order: the hashed content, then the chain.
COLUMNS = (
    "id",
    "timestamp",
    "actor_id",
    "actor_username",
    "action",
    "model",
    "object_id",
    "object_repr",
    "before",
    "after",
    "source",
    "correlation_id",
    "previous_hash",
    "record_hash",
    "record_hmac",
)


def anchor_of(records: QuerySet[ChangeRecord]) -> dict[str, Any] | None:
    """The record just before the first of ``records`` in the whole log (id and hash), or
    None when the first is the first record of the log (its previous hash is the genesis)."""
    first = records.order_by("id").values_list("id", flat=True).first()
    if first is None:
        return None
    before = (
        ChangeRecord.objects.filter(id__lt=first)
        .order_by("-id")
        .values("id", "record_hash")
        .first()
    )
    return dict(before) if before else None


def record_row(record: ChangeRecord) -> dict[str, Any]:
    """One record as exported: exactly the values its hash was computed from."""
    return {
        "id": record.pk,
        "timestamp": record.timestamp.isoformat(),
        "actor_id": record.actor_id,
        "actor_username": record.actor_username,
        "action": record.action,
        "model": f"{record.content_type.app_label}.{record.content_type.model}",
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "before": record.before,
        "after": record.after,
        "source": record.source,
        "correlation_id": record.correlation_id,
        "previous_hash": record.previous_hash,
        "record_hash": record.record_hash,
        "record_hmac": record.record_hmac,
    }


def _in_order(records: QuerySet[ChangeRecord]) -> Iterator[ChangeRecord]:
    return records.select_related("content_type").order_by("id").iterator(chunk_size=CHUNK)


class _Echo:
    """A file that hands back what is written to it (for ``csv.writer`` in a stream)."""

    def write(self, value: str) -> str:
        return value


def export_lines(
    records: QuerySet[ChangeRecord], fmt: str, *, header: dict[str, Any]
) -> Iterable[str]:
    """The export of ``records`` in ``fmt`` ("csv" or "jsonl"), line by line.

    JSON Lines: a first line ``{"anchor": …, …header}``, then one record per line.
    CSV: a header row of ``kind`` and ``COLUMNS``, an ``anchor`` row (the id and, as
    ``record_hash``, the hash of the record before the first), then one ``record`` row each;
    ``before`` and ``after`` as JSON text.
    """
    anchor = anchor_of(records)
    if fmt == "jsonl":
        yield _json({"anchor": anchor, **header}) + "\n"
        for record in _in_order(records):
            yield _json(record_row(record)) + "\n"
        return
    writer = csv.writer(_Echo())
    yield writer.writerow(["kind", *COLUMNS])
    empty = dict.fromkeys(COLUMNS, "")
    if anchor is not None:
        yield writer.writerow(
            _csv_values(
                "anchor", {**empty, "id": anchor["id"], "record_hash": anchor["record_hash"]}
            )
        )
    for record in _in_order(records):
        yield writer.writerow(_csv_values("record", record_row(record)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _csv_values(kind: str, row: dict[str, Any]) -> list[Any]:
    values: list[Any] = [kind]
    for column in COLUMNS:
        value = row[column]
        if column in ("before", "after"):
            value = "" if value is None else _json(value)
        elif value is None:
            value = ""
        values.append(value)
    return values


def parse_csv_row(row: dict[str, str]) -> dict[str, Any]:
    """A ``record`` row of the CSV back into the values of ``record_row`` (for verifiers)."""
    parsed: dict[str, Any] = dict(row)
    parsed.pop("kind", None)
    parsed["id"] = int(row["id"])
    parsed["actor_id"] = int(row["actor_id"]) if row["actor_id"] else None
    for column in ("before", "after"):
        parsed[column] = json.loads(row[column]) if row[column] else None
    return parsed
