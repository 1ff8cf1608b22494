#!/usr/bin/env python3
"""Check an evidence pack against its manifest (standard library only, works offline).

    python3 verify.py PACK.zip        # the pack as handed over
    python3 verify.py FOLDER          # the pack unzipped (run from inside it: ``verify.py .``)

Every file listed in ``manifest.json`` is hashed again (SHA-256) and compared with the
manifest; files missing, added or changed are reported by path, and ``SHA256SUMS`` must agree
with the manifest. Exit status 0 when everything matches, 1 on any difference, 2 when the pack
cannot be read. The pack's own SHA-256 is in the issuing platform's change log.

The platform runs this same file (``manage.py verify_evidence_pack``), and ships it in every
pack as ``verify.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
#: Files that describe the others and so are not listed in the manifest themselves.
UNLISTED = frozenset({MANIFEST, SUMS})
CHUNK = 1 << 20


@dataclass
class Result:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.changed or self.errors)

    def lines(self) -> Iterator[str]:
        for path in self.changed:
            yield f"CHANGED  {path}"
        for path in self.missing:
            yield f"MISSING  {path}"
        for path in self.extra:
            yield f"EXTRA    {path}"
        for error in self.errors:
            yield f"ERROR    {error}"
        if self.ok:
            yield f"OK: {self.checked} files match the manifest."
        else:
            problems = len(self.changed) + len(self.missing) + len(self.extra) + len(self.errors)
            yield f"FAILED: {problems} difference(s) in {self.checked} files checked."


class _Zip:
    def __init__(self, path: str) -> None:
        self.archive = zipfile.ZipFile(path)

    def names(self) -> set[str]:
        return {n for n in self.archive.namelist() if not n.endswith("/")}

    def open(self, name: str) -> IO[bytes]:
        return self.archive.open(name)


class _Folder:
    def __init__(self, path: str) -> None:
        self.root = os.path.abspath(path)

    def names(self) -> set[str]:
        found = set()
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                full = os.path.join(folder, name)
                found.add(os.path.relpath(full, self.root).replace(os.sep, "/"))
        return found

    def open(self, name: str) -> IO[bytes]:
        full = os.path.abspath(os.path.join(self.root, *name.split("/")))
        if not full.startswith(self.root + os.sep):
            raise OSError(f"path outside the pack: {name}")
        return open(full, "rb")


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def verify(path: str) -> Result:
    """Compare the pack at ``path`` (a ZIP file or an unzipped folder) with its manifest."""
    result = Result()
    try:
        pack = _Folder(path) if os.path.isdir(path) else _Zip(path)
        names = pack.names()
        with pack.open(MANIFEST) as stream:
            manifest = json.load(stream)
        listed = {entry["path"]: entry for entry in manifest["files"]}
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        result.errors.append(f"cannot read the pack or its manifest: {error}")
        return result
    for name, entry in sorted(listed.items()):
        if name not in names:
            result.missing.append(name)
            continue
        with pack.open(name) as stream:
            actual = _sha256(stream)
        result.checked += 1
        if actual != entry.get("sha256"):
            result.changed.append(name)
    result.extra = sorted(names - set(listed) - UNLISTED)
    if SUMS not in names:
        result.missing.append(SUMS)
    else:
        with pack.open(MANIFEST) as stream:
            manifest_sha = _sha256(stream)
        with pack.open(SUMS) as stream:
            sums = {}
            for line in stream.read().decode("utf-8").splitlines():
                digest, _sep, name = line.partition("  ")
                sums[name] = digest
        expected = {name: entry.get("sha256") for name, entry in listed.items()}
        expected[MANIFEST] = manifest_sha
        if sums != expected:
            result.changed.append(SUMS)
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: verify.py PACK.zip | FOLDER", file=sys.stderr)
        return 2
    result = verify(args[0])
    for line in result.lines():
        print(line)
    if result.errors:
        return 2
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
