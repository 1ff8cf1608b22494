"""The UI's Japanese web font: a WOFF2 subset of the PDF font (Noto Sans JP, SIL OFL 1.1, which
allows subsetting and redistributing a modified font under the same licence).

The subset holds what the UI can show: every character of the Japanese catalogue, the
library, the demo data and the templates, plus JIS X 0208 (its symbols, kana, Greek and
Cyrillic rows and the level-1 kanji), ASCII and Latin-1. A browser on a machine without
Japanese fonts then draws Japanese instead of boxes, for about 1 MB instead of the 5.5 MB
TrueType file. ``manage.py build_web_font`` regenerates it; a test fails when a character
the catalogue or the library uses is missing, so the subset cannot go stale silently.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
SOURCE_FONT = FONT_DIR / "NotoSansJP-Regular.ttf"
WEB_FONT = FONT_DIR / "NotoSansJP-UI-Regular.woff2"

# JIS X 0208 rows: 1-8 symbols, digits, Latin, kana, Greek, Cyrillic, box drawing; 16-47 the
# level-1 kanji (第一水準). Generated through the EUC-JP codec: row r, cell c is the two bytes
# 0xA0 + r, 0xA0 + c.
JIS_ROWS = (*range(1, 9), *range(16, 48))


def jis_x0208_rows(rows: Iterable[int] = JIS_ROWS) -> set[str]:
    chars = set()
    for row in rows:
        for cell in range(1, 95):
            try:
                chars.add(bytes((0xA0 + row, 0xA0 + cell)).decode("euc_jp"))
            except UnicodeDecodeError:
                continue  # an unassigned cell
    return chars


def _base_characters() -> set[str]:
    ranges = [
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1
        (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
        (0x2190, 0x2193),  # arrows
        (0x3000, 0x303F),  # CJK punctuation
        (0xFF01, 0xFF5E),  # full-width forms
    ]
    return {chr(code) for start, end in ranges for code in range(start, end + 1)}


def project_text_files(root: Path | None = None) -> list[Path]:
    """The files whose characters the UI shows: the Japanese catalogue, the library, the demo
    data and the templates."""
    root = root or Path(settings.BASE_DIR)
    files = [root / "locale" / "ja" / "LC_MESSAGES" / "django.po"]
    files += sorted((root / "library").rglob("*.yaml"))
    files += sorted((root / "library").rglob("*.yml"))
    files += sorted(root.glob("*/demo.py"))
    files += [root / "aims" / "management" / "demo_data.py"]
    files += sorted((root / "templates").rglob("*.html"))
    return [path for path in files if path.is_file()]


def used_characters(paths: Iterable[Path]) -> set[str]:
    """The printable characters of the files (controls and line breaks left out)."""
    chars: set[str] = set()
    for path in paths:
        chars.update(path.read_text(encoding="utf-8"))
    return {c for c in chars if not unicodedata.category(c).startswith(("C", "Zl", "Zp"))}


def wanted_characters(root: Path | None = None) -> set[str]:
    return _base_characters() | jis_x0208_rows() | used_characters(project_text_files(root))


def font_characters(path: Path) -> set[str]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return {chr(code) for code in font.getBestCmap()}


def build_web_font(*, source: Path = SOURCE_FONT, target: Path = WEB_FONT) -> tuple[int, set[str]]:
    """Write the WOFF2 subset; returns its size and the wanted characters the source font does
    not have (they cannot be in the subset either)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = wanted_characters()
    missing = wanted - font_characters(source)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # keep vertical forms, proportional kana, ligatures
    options.name_IDs = ["*"]  # keep the copyright and licence records (OFL)
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # browsers hint CJK themselves; a third smaller
    font = TTFont(str(source), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in wanted - missing))
    subsetter.subset(font)
    font.flavor = "woff2"
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target), reorderTables=False)
    return target.stat().st_size, missing
