"""Writes the pack's ZIP file by file, never holding a file in memory: each is copied in
chunks into its ZIP entry while its SHA-256 is computed, and described for the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, Any

CHUNK = 1 << 20
#: Already compressed, so stored as they are (deflating them again costs time, saves nothing).
_STORED_TYPES = ("image/", "video/", "audio/", "application/zip", "application/pdf")
_STORED_SUFFIXES = (".zip", ".pdf", ".xlsx", ".docx", ".pptx", ".png", ".jpg", ".jpeg", ".gz")


def _compression(path: str, content_type: str) -> int:
    if content_type.startswith(_STORED_TYPES) or path.lower().endswith(_STORED_SUFFIXES):
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


class PackWriter:
    """A ZIP being written to ``out`` (a seekable binary file, on disk) and its manifest.

    ``progress(done)`` is called after each file, at most every ``every`` seconds."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        progress: Callable[[int], None] | None = None,
        every: float = 1.0,
    ) -> None:
        self.zip = zipfile.ZipFile(out, "w", allowZip64=True)
        self.entries: list[dict[str, Any]] = []
        self._paths: set[str] = set()
        self._progress = progress
        self._every = every
        self._reported = 0.0

    def add(
        self, path: str, stream: IO[bytes], *, content_type: str, **meta: Any
    ) -> dict[str, Any]:
        """Copy ``stream`` into the entry ``path``; ``meta`` (source record, effective period,
        approval…) goes into the manifest with the path, SHA-256, size and type."""
        if path in self._paths:
            raise ValueError(f"duplicate path in the pack: {path}")
        self._paths.add(path)
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=time.localtime()[:6])
        info.compress_type = _compression(path, content_type)
        info.external_attr = 0o644 << 16
        with self.zip.open(info, "w", force_zip64=True) as target:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
        entry = {"path": path, "sha256": digest.hexdigest(), "size": size, "type": content_type}
        entry.update({key: value for key, value in meta.items() if value is not None})
        self.entries.append(entry)
        self._tick()
        return entry

    def add_bytes(self, path: str, data: bytes, *, content_type: str, **meta: Any) -> None:
        self.add(path, io.BytesIO(data), content_type=content_type, **meta)

    def add_text(self, path: str, text: str, *, content_type: str, **meta: Any) -> None:
        self.add_bytes(path, text.encode("utf-8"), content_type=content_type, **meta)

    def add_lines(
        self, path: str, lines: Iterable[str], *, content_type: str, **meta: Any
    ) -> dict[str, Any]:
        """Text written line by line as it is produced (a register or the change log)."""
        return self.add(path, _LineReader(lines), content_type=content_type, **meta)

    def add_json(self, path: str, value: Any, **meta: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        self.add_text(path, text + "\n", content_type="application/json", **meta)

    def close(self) -> None:
        self.zip.close()

    def _tick(self) -> None:
        now = time.monotonic()
        if self._progress is not None and now - self._reported >= self._every:
            self._reported = now
            self._progress(len(self.entries))


class _LineReader(io.RawIOBase):
    """A readable binary stream over text lines produced on demand."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts, length = [self._buffer], len(self._buffer)
        while size < 0 or length < size:
            line = next(self._lines, None)
            if line is None:
                break
            data = line.encode("utf-8")
            parts.append(data)
            length += len(data)
        joined = b"".join(parts)
        if size < 0:
            self._buffer = b""
            return joined
        self._buffer = joined[size:]
        return joined[:size]
