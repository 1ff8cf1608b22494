"""Reading uploaded tables (CSV or XLSX) into rows of text keyed by header.

An upload is untrusted: a few megabytes of XLSX can unpack to gigabytes of XML, and a CSV
can hold one enormous field or a NUL byte. The reader checks what the ZIP container declares
before openpyxl opens it (``zipfile`` never inflates a member past its declared size), reads
no row past the row limit, and answers every malformed file with a ``ValidationError``. The
size limit also bounds the one full pass openpyxl makes when opening a sheet that lacks a
``<dimension>`` element (to find its size), the reading the row limit cannot stop.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ROWS = 10_000
#: Rows scanned in a sheet, counting empty ones, before the file is refused as too long.
MAX_SHEET_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 100
#: A CSV field longer than this is refused (the csv module's own limit is 131,072).
MAX_FIELD_CHARS = 100_000


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


def _too_many_rows() -> ValidationError:
    return ValidationError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})


def _check_zip(content: bytes) -> None:
    """Refuse an XLSX whose members would unpack past the configured limits, before any of
    them is inflated."""
    unreadable = ValidationError(_("The file is not a readable XLSX workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise unreadable from None
    if len(members) > settings.XLSX_MAX_MEMBERS:
        raise ValidationError(
            _("The workbook has more than %(max)d parts.") % {"max": settings.XLSX_MAX_MEMBERS}
        )
    limit = settings.XLSX_MAX_UNCOMPRESSED_BYTES
    if sum(member.file_size for member in members) > limit:
        raise ValidationError(
            _("The workbook unpacks to more than %(max)d MB.") % {"max": limit // (1024 * 1024)}
        )


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheets = [sheet for sheet in workbook.worksheets if hasattr(sheet, "iter_rows")]
        if not sheets:
            raise ValidationError(_("The workbook has no worksheet."))
        values: list[list[str]] = []
        rows = sheets[0].iter_rows(
            values_only=True, max_row=MAX_SHEET_ROWS + 1, max_col=MAX_COLUMNS + 1
        )
        for number, row in enumerate(rows, start=1):
            if number > MAX_SHEET_ROWS:
                raise ValidationError(
                    _("The sheet has more than %(max)d rows, counting empty ones.")
                    % {"max": MAX_SHEET_ROWS}
                )
            cells = [_cell(v) for v in row]
            if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
                raise ValidationError(
                    _("The file has more than %(max)d columns.") % {"max": MAX_COLUMNS}
                )
            if any(cells):
                cells = cells[:MAX_COLUMNS]
                # ``max_col`` pads every row to that width: the table ends at its last value.
                while not cells[-1]:
                    cells.pop()
                values.append(cells)
                if len(values) > MAX_ROWS + 1:  # the header and the rows allowed
                    raise _too_many_rows()
        return values
    except ValidationError:
        raise
    except Exception:  # a damaged sheet fails while it is read, not when it is opened
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from None
    finally:
        workbook.close()


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The CSV file must be UTF-8 encoded.")) from None
    if "\x00" in text:
        raise ValidationError(_("The file contains a NUL character."))
    values: list[list[str]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise ValidationError(
                    _("The file has more than %(max)d columns.") % {"max": MAX_COLUMNS}
                )
            if any(len(cell) > MAX_FIELD_CHARS for cell in row):
                raise _field_too_long(reader.line_num)
            cells = [c.strip() for c in row]
            if any(cells):
                values.append(cells)
                if len(values) > MAX_ROWS + 1:
                    raise _too_many_rows()
    except csv.Error as error:
        if "field limit" in str(error):  # over the csv module's own limit of 131,072
            raise _field_too_long(reader.line_num) from None
        raise ValidationError(
            _("Line %(line)d of the CSV file cannot be read.") % {"line": reader.line_num}
        ) from None
    return values


def _field_too_long(line: int) -> ValidationError:
    return ValidationError(
        _("Line %(line)d of the CSV file has a field longer than %(max)d characters.")
        % {"line": line, "max": MAX_FIELD_CHARS}
    )


def read_table(name: str, content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Return the header and the rows (as header → text). Raises ``ValidationError`` for a file
    that is not a readable CSV or XLSX table, or one past the limits."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        values = _read_xlsx(content)
    elif lowered.endswith(".csv"):
        values = _read_csv(content)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if not values:
        raise ValidationError(_("The file is empty."))
    header = [h.strip().lower() for h in values[0]]
    rows = [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in values[1:]
    ]
    return header, rows
