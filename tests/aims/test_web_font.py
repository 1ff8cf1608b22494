"""The UI's Japanese web font (item 14 of issue 11): a WOFF2 subset of the PDF font that holds
every character the catalogue, the library, the demo and the templates use, plus JIS X 0208
level-1 kanji; served by the stylesheets instead of the 5.5 MB TrueType file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from aims.webfont import (
    SOURCE_FONT,
    WEB_FONT,
    font_characters,
    jis_x0208_rows,
    project_text_files,
    used_characters,
)

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = [ROOT / "static" / "css" / "aims.css", ROOT / "static" / "css" / "api-docs.css"]


@pytest.fixture(scope="module")
def subset() -> set[str]:
    return font_characters(WEB_FONT)


def _fix() -> str:
    return "run `manage.py build_web_font` and commit static/fonts/NotoSansJP-UI-Regular.woff2"


def test_every_character_of_the_catalogue_library_demo_and_templates_is_in_the_subset(subset):
    files = project_text_files()
    names = {path.relative_to(ROOT).as_posix() for path in files}
    assert "locale/ja/LC_MESSAGES/django.po" in names
    assert any(name.startswith("library/") for name in names)
    assert "risk/demo.py" in names and "impact/demo.py" in names
    used = used_characters(files)
    assert {"リ", "ス", "ク", "所", "有", "者"} <= used
    drawable = used & font_characters(SOURCE_FONT)
    missing = sorted(drawable - subset)
    assert missing == [], f"{''.join(missing)} missing from the web font: {_fix()}"


def test_the_subset_has_jis_level_1_kanji_and_the_kana():
    level_1 = jis_x0208_rows(range(16, 48))
    assert len(level_1) == 2965  # JIS X 0208 第一水準
    assert {"亜", "腕", "漢", "字"} <= level_1
    assert "鬱" not in level_1  # level 2
    kana = jis_x0208_rows([4, 5])
    assert {"あ", "ん", "ア", "ヶ"} <= kana
    assert level_1 | kana <= font_characters(WEB_FONT)


def test_the_subset_is_woff2_and_far_smaller_than_the_pdf_font():
    font = TTFont(str(WEB_FONT), lazy=True)
    assert font.flavor == "woff2"
    assert "OFL" in " ".join(str(record) for record in font["name"].names) or any(
        "Open Font License" in str(record) for record in font["name"].names
    ), "the licence record of the name table is kept"
    assert WEB_FONT.stat().st_size < 1_000_000 < SOURCE_FONT.stat().st_size


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=lambda path: path.name)
def test_the_stylesheets_serve_the_subset_with_font_display_swap(stylesheet):
    css = stylesheet.read_text()
    faces = re.findall(r"@font-face\s*\{(.*?)\}", css, re.S)
    assert faces
    for face in faces:
        assert "font-display: swap" in face
        urls = re.findall(r'url\("([^"]+)"\)', face)
        assert urls == ["../fonts/NotoSansJP-UI-Regular.woff2"]
        assert (stylesheet.parent / urls[0]).resolve() == WEB_FONT.resolve()
