"""Regenerate the UI's Japanese web font (see ``aims.webfont``). Run it after the catalogue,
the library or the demo data gain characters (a test says when)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand

from aims.webfont import WEB_FONT, build_web_font


class Command(BaseCommand):
    help = (
        "Write static/fonts/NotoSansJP-UI-Regular.woff2: the subset of the PDF font with the "
        "characters of the Japanese catalogue, the library, the demo data and the templates, "
        "plus JIS X 0208 level-1 kanji. Needs fontTools and brotli."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every glyph
        size, missing = build_web_font()
        self.stdout.write(f"{WEB_FONT.name}: {size:,} bytes")
        if missing:
            listed = " ".join(f"U+{ord(c):04X}" for c in sorted(missing))
            self.stdout.write(f"not in the source font (left out): {listed}")
