"""Japanese and English catalogues: complete, compiled, and covering the current source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
JA_PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
SOURCES = ["aims", "controls", "risk", "impact", "audit", "templates", "locale", "manage.py"]


def _untranslated(po: polib.POFile) -> list[str]:
    return [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]


def test_ja_catalogue_is_complete():
    po = polib.pofile(str(JA_PO))
    assert len(po) > 100
    assert _untranslated(po) == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogues_are_present_and_current():
    po = polib.pofile(str(JA_PO))
    mo = JA_PO.with_suffix(".mo")
    assert mo.exists() and (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo").exists()
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo))}
    for entry in po:
        if not entry.obsolete and not entry.msgid_plural:
            assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


def test_runtime_translation():
    with translation.override("ja"):
        assert translation.gettext("Dashboard") != "Dashboard"
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"


def test_every_string_in_the_source_is_translated(tmp_path):
    """Extract the strings of the current source (as ``make messages`` would) into a copy of
    the tree and check that the Japanese catalogue translates each of them."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed for this test (apt-get install gettext)")
    for name in SOURCES:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    env = {**os.environ, "AIMS_VAR_DIR": str(ROOT / "var")}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "ja", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(tmp_path / "locale" / "ja" / "LC_MESSAGES" / "django.po"))
    missing = _untranslated(extracted) + [e.msgid for e in extracted.fuzzy_entries()]
    assert missing == [], f"untranslated in ja (run `make messages` and translate): {missing}"
