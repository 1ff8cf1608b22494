"""The change log's anchors outside the database, and the verification that uses them.

The hash chain shows a record changed in the middle of the log, and the HMAC of each record
(keyed with a secret the database does not hold) shows a record re-hashed without the key. What
neither shows is the newest records deleted: the chain that remains is whole. So the head of
the log (its id, hash, HMAC and time) is appended periodically to ``anchors.jsonl`` in
``CHANGE_LOG_ANCHOR_DIR``, a file outside the database, one JSON object a line, each line with
an HMAC of its own; ``verify_log`` checks that every exported head is still in the log with the
same hash. Records deleted after the newest anchor are not seen: the window is the export
interval (``CHANGE_LOG_ANCHOR_MINUTES``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from aims.changelog import ChainBreak, ChainCheck
from aims.models.changelog import ChangeRecord

ANCHOR_FILE_NAME = "anchors.jsonl"
_LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class Anchor:
    """The head of the log as it was exported: ``record_time`` is the record's own time,
    ``exported_at`` when it was written to the file (both ISO 8601)."""

    record_id: int
    record_hash: str
    record_hmac: str
    record_time: str
    exported_at: str

    def line(self) -> str:
        """The line of the anchor file: the anchor's fields and their HMAC."""
        payload = asdict(self)
        return json.dumps({**payload, "hmac": anchor_hmac(payload)}, sort_keys=True) + "\n"

    @classmethod
    def parse(cls, text: str) -> tuple[Anchor | None, str | None]:
        """The anchor of a line, or None and why not (``anchor_unreadable``, ``anchor_forged``)."""
        try:
            data = json.loads(text)
            given = data.pop("hmac")
            anchor = cls(
                record_id=int(data["record_id"]),
                record_hash=str(data["record_hash"]),
                record_hmac=str(data["record_hmac"]),
                record_time=str(data["record_time"]),
                exported_at=str(data["exported_at"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None, "anchor_unreadable"
        if set(data) != set(asdict(anchor)) or not isinstance(given, str):
            return None, "anchor_unreadable"
        if not hmac.compare_digest(given, anchor_hmac(data)):
            return None, "anchor_forged"
        return anchor, None


def anchor_hmac(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(
        settings.CHANGE_LOG_HMAC_KEY.encode("utf-8"),
        f"aims-change-log-anchor:{canonical}".encode(),
        hashlib.sha256,
    ).hexdigest()


def anchor_path() -> Path:
    return Path(settings.CHANGE_LOG_ANCHOR_DIR) / ANCHOR_FILE_NAME


def read_anchor_lines(path: Path) -> Iterator[tuple[int, Anchor | None, str | None]]:
    """Each non-empty line of the anchor file: its number, its anchor or why it is none."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, text in enumerate(lines, start=1):
            if text.strip():
                anchor, problem = Anchor.parse(text)
                yield number, anchor, problem


@dataclass
class LogVerification:
    """What ``verify_log`` found: the chain's check, the anchors read and their breaks."""

    chain: ChainCheck
    anchor_file: Path
    anchor_file_exists: bool = False
    anchors_checked: int = 0
    newest_anchor: Anchor | None = None
    anchor_breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def breaks(self) -> list[ChainBreak]:
        return self.chain.breaks + self.anchor_breaks

    @property
    def break_count(self) -> int:
        return self.chain.break_count + len(self.anchor_breaks)

    @property
    def intact(self) -> bool:
        return self.break_count == 0


def _check_anchors(result: LogVerification) -> None:
    anchors: list[Anchor] = []
    for number, anchor, problem in read_anchor_lines(result.anchor_file):
        if anchor is None:
            result.anchor_breaks.append(
                ChainBreak(None, problem or "anchor_unreadable", line=number)
            )
        else:
            anchors.append(anchor)
    result.anchors_checked = len(anchors)
    result.newest_anchor = anchors[-1] if anchors else None  # the file is appended to
    ids = sorted({anchor.record_id for anchor in anchors})
    stored: dict[int, str] = {}
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        stored.update(ChangeRecord.objects.filter(pk__in=chunk).values_list("pk", "record_hash"))
    for anchor in anchors:
        params = {"time": anchor.exported_at}
        if anchor.record_id not in stored:
            result.anchor_breaks.append(ChainBreak(anchor.record_id, "anchor_missing", params))
        elif not hmac.compare_digest(stored[anchor.record_id], anchor.record_hash):
            result.anchor_breaks.append(ChainBreak(anchor.record_id, "anchor_mismatch", params))


def verify_log() -> LogVerification:
    """Check the whole log: the chain, every record's HMAC, and every exported anchor."""
    result = LogVerification(chain=ChainCheck().run(), anchor_file=anchor_path())
    result.anchor_file_exists = result.anchor_file.exists()
    if result.anchor_file_exists:
        _check_anchors(result)
    return result
