"""Reading uploaded tables (CSV or XLSX) into rows of text keyed by header."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ROWS = 10_000


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(name: str, content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Return the header and the rows (as header → text). Raises ``ValidationError`` for a file
    that is not a readable CSV or XLSX table."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged file
            raise ValidationError(_("The file is not a readable XLSX workbook.")) from None
        sheet = workbook.worksheets[0]
        values = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    elif lowered.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The CSV file must be UTF-8 encoded.")) from None
        values = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    values = [row for row in values if any(row)]
    if not values:
        raise ValidationError(_("The file is empty."))
    header = [h.strip().lower() for h in values[0]]
    if len(values) - 1 > MAX_ROWS:
        raise ValidationError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    rows = [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in values[1:]
    ]
    return header, rows
