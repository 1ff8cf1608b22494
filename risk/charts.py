"""Small SVG charts of the risk register, drawn on the server for the register report (no
charting dependency): a heat map of one matrix and horizontal stacked bars of residual
levels. Every text is escaped (it comes from records: AI system names, level and step
labels); numbers are formatted by the code; colours are checked before use. The text uses
the report's bundled Japanese font."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FONT = '"AIMS Japanese", sans-serif'
GREY = "#e5e7eb"


def _colour(value: Any) -> str:
    return str(value) if COLOUR.match(str(value or "")) else GREY


def _ink(colour: str) -> str:
    """Text colour that stays readable on ``colour``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 150 else "#111111"


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(x: float, y: float, content: str, *, size: float = 9, **attrs: Any) -> str:
    extra = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in attrs.items()
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" font-family="{escape(FONT)}"'
        f"{extra}>{escape(content)}</text>"
    )


def _svg(
    width: float, height: float, body: Iterable[str], *, label: str, kind: str, mm: float
) -> SafeString:
    """The drawing, ``mm`` millimetres wide on the page (its height in proportion)."""
    return mark_safe(  # noqa: S308  every text and attribute above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img"'
        f' aria-label="{escape(label)}" width="{mm:g}mm" height="{mm * height / width:.1f}mm"'
        f' viewBox="0 0 {width:g} {height:g}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


@dataclass(frozen=True)
class Level:
    """One level as a chart shows it: labelled once, whatever matrices use it."""

    key: str
    label: str
    colour: str


@dataclass
class Bar:
    label: str
    counts: dict[str, int] = field(default_factory=dict)  # level key → count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def bar_chart(bars: Sequence[Bar], levels: Sequence[Level], *, title: str) -> SafeString:
    """Horizontal bars, one per ``bars`` entry, each stacked by level (lowest level first)
    with its total at the end; a legend names each level once."""
    label_width, bar_width, row, top = 150.0, 330.0, 18.0, 24.0
    width = label_width + bar_width + 40
    height = top + row * max(len(bars), 1) + 6
    biggest = max((bar.total for bar in bars), default=0) or 1
    body: list[str] = []
    x = 0.0
    for level in levels:  # the legend
        body.append(
            f'<rect x="{x:.1f}" y="4" width="10" height="10" fill="{_colour(level.colour)}"'
            ' stroke="#9ca3af" stroke-width="0.5"/>'
        )
        body.append(_text(x + 13, 13, _short(level.label, 14), size=8, class_="legend"))
        x += 13 + 8 * min(len(level.label), 14) + 14
    for n, bar in enumerate(bars):
        y = top + n * row
        body.append(
            f'<g class="bar" data-count="{bar.total}" data-label="{escape(bar.label)}">'
            + _text(label_width - 6, y + 11, _short(bar.label, 18), text_anchor="end")
        )
        start = label_width
        for level in levels:
            count = bar.counts.get(level.key, 0)
            if not count:
                continue
            length = bar_width * count / biggest
            colour = _colour(level.colour)
            body.append(
                f'<rect class="segment" x="{start:.1f}" y="{y + 2:.1f}" width="{length:.1f}"'
                f' height="{row - 5:g}" fill="{colour}" data-level="{escape(level.key)}"'
                f' data-count="{count}"/>'
            )
            if length >= 14:
                body.append(
                    _text(
                        start + length / 2,
                        y + 11,
                        str(count),
                        size=8,
                        text_anchor="middle",
                        fill=_ink(colour),
                    )
                )
            start += length
        body.append(_text(start + 4, y + 11, str(bar.total), class_="total") + "</g>")
    if not bars:
        body.append(_text(label_width, top + 11, "—"))
    return _svg(width, height, body, label=title, kind="bars", mm=165)


def heatmap(
    grid: Sequence[dict[str, Any]],
    impacts: Sequence[str],
    colours: dict[str, str],
    labels: dict[str, str],
    *,
    title: str,
    axes: tuple[str, str],
) -> SafeString:
    """One heat map (``risk.selectors.risk_heatmaps``' ``inherent`` or ``residual`` rows,
    highest likelihood on top): each cell coloured by its level with its count of risks."""
    columns = len(impacts)
    cell = 34.0 if columns > 3 else 48.0
    left, top = 86.0, 16.0
    width = left + cell * columns + 4
    height = top + cell * len(grid) + 34
    body = [_text(0, 10, _short(f"{axes[0]} ＼ {axes[1]}", 30), size=8, fill="#555555")]
    for r, row in enumerate(grid):
        y = top + r * cell
        step = _short(f"{row['likelihood']} {row['label']}", 11)
        body.append(_text(left - 4, y + cell / 2 + 3, step, size=7.5, text_anchor="end"))
        for c, item in enumerate(row["cells"]):
            x = left + c * cell
            colour = _colour(colours.get(item["level"]))
            body.append(
                f'<g class="cell" data-likelihood="{row["likelihood"]}"'
                f' data-impact="{item["impact"]}" data-count="{item["count"]}">'
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:g}" height="{cell:g}"'
                f' fill="{colour}" stroke="#ffffff" stroke-width="1.5">'
                f"<title>{escape(labels.get(item['level'], item['level']))}</title></rect>"
            )
            if item["count"]:
                body.append(
                    _text(
                        x + cell / 2,
                        y + cell / 2 + 4,
                        str(item["count"]),
                        size=11,
                        text_anchor="middle",
                        font_weight="700",
                        fill=_ink(colour),
                    )
                )
            body.append("</g>")
    for c, label in enumerate(impacts):
        x = left + (c + 0.5) * cell
        y = top + cell * len(grid) + 11
        body.append(_text(x, y, str(c + 1), size=7.5, text_anchor="middle"))
        body.append(_text(x, y + 10, _short(label, 5), size=6.5, text_anchor="middle"))
    return _svg(width, height, body, label=title, kind="heatmap", mm=78)
