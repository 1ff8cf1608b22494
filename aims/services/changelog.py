"""Anchoring the change log outside the database: exporting its head to the anchor file, and
giving the records written before HMACs existed their HMAC, once.

Neither writes a governed record, so neither writes a change record: the anchor file is the
log's own evidence, and an HMAC added to an old record changes nothing it says.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from aims.changelog import ChainBreak
from aims.changelog_anchors import Anchor, anchor_path, verify_log
from aims.models.changelog import ChangeRecord, keyed_hash

security_log = logging.getLogger("aims.security")

_SIGN_CHUNK = 1000
_TAIL_BYTES = 8192  # an anchor line is about 400 bytes


class ChangeLogBrokenError(Exception):
    """The log fails verification: nothing is signed or exported over a break."""

    def __init__(self, first_break: ChainBreak, count: int) -> None:
        super().__init__(f"change log broken ({count} problems), first: {first_break.code}")
        self.first_break = first_break
        self.count = count


def _last_anchor(path: Path) -> Anchor | None:
    """The newest anchor of the file (its last line), without reading the whole file."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _TAIL_BYTES))
            tail = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    return Anchor.parse(lines[-1])[0] if lines else None


def change_log_anchor_export() -> Anchor | None:
    """Append the head of the log to the anchor file, unless it is the head already exported
    there (or the log is empty). A head without a valid HMAC is not exported: it was forged
    (logged as a security error; ``verify_change_log`` names it)."""
    head = ChangeRecord.objects.order_by("-id").first()
    if head is None:
        return None
    if head.record_hmac:
        forged = not head.has_valid_hmac()
    else:  # unsigned: written before HMACs, unless signed records exist
        forged = ChangeRecord.objects.exclude(record_hmac="").exists()
    if forged:
        security_log.error(
            "Change log head record #%s has no valid HMAC: not exported as an anchor. "
            "Run manage.py verify_change_log.",
            head.pk,
        )
        return None
    anchor = Anchor(
        record_id=head.pk,
        record_hash=head.record_hash,
        record_hmac=head.record_hmac,
        record_time=head.timestamp.isoformat(),
        exported_at=timezone.now().isoformat(),
    )
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One writer at a time (the beat task and the command may meet): an exclusive lock on the
    # file itself; the last line is read under it, so a head is never appended twice.
    with path.open("a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        last = _last_anchor(path)
        if last is not None and (last.record_id, last.record_hash) == (
            anchor.record_id,
            anchor.record_hash,
        ):
            return None
        if last is not None and last.record_id > anchor.record_id:
            security_log.error(
                "Change log head record #%s is older than the last exported anchor (record "
                "#%s): records were deleted. Run manage.py verify_change_log.",
                anchor.record_id,
                last.record_id,
            )
        file.write(anchor.line())
        file.flush()
        os.fsync(file.fileno())
    return anchor


def change_log_sign_unsigned() -> int:
    """Give every record written before HMACs were introduced its HMAC, after checking the
    whole log (chain, HMACs, exported anchors): records are signed only as they are, intact.
    Raises ``ChangeLogBrokenError`` and signs nothing on a break. Returns how many were signed.

    The database lets this one UPDATE through (an empty HMAC set, nothing else changed); the
    records written since carry their HMAC from the start, so this is done once, after the
    upgrade."""
    result = verify_log()
    if not result.intact:
        raise ChangeLogBrokenError(result.breaks[0], result.break_count)
    last = result.chain.unsigned_last
    if last is None:
        return 0
    unsigned = (
        ChangeRecord.objects.filter(record_hmac="", pk__lte=last)
        .order_by("id")
        .values_list("pk", "record_hash")
    )
    signed = 0
    batch: list[tuple[int, str]] = []
    for pk, record_hash in unsigned.iterator(chunk_size=_SIGN_CHUNK):
        batch.append((pk, keyed_hash(record_hash)))
        if len(batch) == _SIGN_CHUNK:
            signed += _sign(batch)
            batch = []
    if batch:
        signed += _sign(batch)
    return signed


def _sign(batch: list[tuple[int, str]]) -> int:
    values = ", ".join(["(%s::bigint, %s)"] * len(batch))
    params = [value for row in batch for value in row]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aims_changerecord AS record SET record_hmac = signed.hmac "
            f"FROM (VALUES {values}) AS signed(id, hmac) "
            "WHERE record.id = signed.id AND record.record_hmac = ''",
            params,
        )
        return cursor.rowcount
