"""Tables written as XLSX or CSV, streamed to a binary file.

Cells are written as values, never as formulas: a text beginning with ``=`` stays text in
XLSX, and in CSV such a text is prefixed with an apostrophe, so a spreadsheet program does not
run what a user typed into a record (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO, Any

from django.utils import timezone

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat()  # the organisation's wall time and offset
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_csv(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Japanese correctly."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    text.detach()  # leave ``out`` open for the caller


def write_xlsx(
    out: IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    legend: Sequence[tuple[str, str]] = (),
    legend_title: str = "",
) -> None:
    """One sheet of rows (header frozen, in bold) and, if given, a sheet explaining the
    columns. Written in openpyxl's write-only mode, so memory stays flat for long tables."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(target: Any, value: Any, font: Font | None = None) -> WriteOnlyCell:
        if isinstance(value, datetime):
            # Excel has no zones: write the organisation's wall time, not UTC's.
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            value = value.replace(tzinfo=None)
        item = WriteOnlyCell(target, value=value)
        if isinstance(value, str):
            item.data_type = "s"  # never a formula, whatever the text begins with
        if font is not None:
            item.font = font
        return item

    sheet.append([cell(sheet, name, bold) for name in header])
    for row in rows:
        sheet.append([cell(sheet, value) for value in row])
    if legend:
        notes = workbook.create_sheet(title=_sheet_title(legend_title or "Columns"))
        for code, meaning in legend:
            notes.append([cell(notes, code, bold), cell(notes, meaning)])
    workbook.save(out)


def _sheet_title(text: str) -> str:
    # Excel limits sheet names to 31 characters and forbids a few.
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in str(text))
    return cleaned[:31] or "Sheet"
