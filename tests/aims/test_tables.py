"""Uploaded tables built to hurt: an XLSX that unpacks to gigabytes, sheets past the row
limit, a workbook without a sheet, NUL bytes and enormous CSV fields. Each is a 400 with the
usual error body, quickly, and nothing is imported."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from aims.models import AISystem
from aims.tables import MAX_ROWS, MAX_SHEET_ROWS

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def cell_row(*texts: str, number: int | None = None) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in texts)
    at = f' r="{number}"' if number else ""
    return f"<row{at}>{cells}</row>".encode()


def workbook_with(replace: dict[str, object]) -> bytes:
    """A real workbook from openpyxl with some of its parts replaced: bytes, or a callable
    that writes the part into an open stream (for parts too large to hold in memory)."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = replace.get(item.filename, source.read(item))
            if callable(part):
                with target.open(item.filename, "w", force_zip64=True) as stream:
                    part(stream)
            else:
                target.writestr(item, part)
    return out.getvalue()


def zip_bomb(rows: int) -> bytes:
    """Under a megabyte that unpacks to about 100 bytes a row."""

    def write(stream):
        stream.write(SHEET_HEAD + cell_row("name", "purpose"))
        chunk = cell_row("System", "Purpose") * 10_000
        for _ in range(rows // 10_000):
            stream.write(chunk)
        stream.write(SHEET_TAIL)

    return workbook_with({SHEET: write})


def import_file(client, name: str, content: bytes):
    return client.post(
        reverse("api:ai-system-import"),
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def file_errors(response) -> str:
    assert response.status_code == 400, response.content[:300]
    return " ".join(response.json()["error"]["fields"]["file"])


def test_a_zip_bomb_is_refused_quickly_before_it_is_unpacked(officer, api_client_for):
    bomb = zip_bomb(1_000_000)
    assert len(bomb) < 1024 * 1024  # about 100 MB once unpacked
    started = time.monotonic()
    response = import_file(api_client_for(officer), "inventory.xlsx", bomb)
    assert time.monotonic() - started < 3
    assert "The workbook unpacks to more than 32 MB." in file_errors(response)
    assert not AISystem.objects.exists()


def test_a_workbook_of_too_many_parts_is_refused(settings, officer, api_client_for):
    settings.XLSX_MAX_MEMBERS = 5
    response = import_file(api_client_for(officer), "inventory.xlsx", workbook_with({}))
    assert "The workbook has more than 5 parts." in file_errors(response)


def test_reading_stops_at_the_row_limit(officer, api_client_for):
    """Rows past the limit are never read: a damaged cell there would fail the reading."""
    rows = cell_row("name", "purpose") + cell_row("System", "Purpose") * (MAX_ROWS + 5)
    damaged = b'<row><c t="n"><v>not a number</v></c></row>'
    sheet = SHEET_HEAD + rows + damaged + SHEET_TAIL
    response = import_file(api_client_for(officer), "inventory.xlsx", workbook_with({SHEET: sheet}))
    assert f"The file has more than {MAX_ROWS} rows." in file_errors(response)


def test_a_damaged_cell_within_the_limit_is_an_unreadable_file(officer, api_client_for):
    damaged = b'<row><c t="n"><v>not a number</v></c></row>'
    sheet = SHEET_HEAD + cell_row("name", "purpose") + damaged + SHEET_TAIL
    response = import_file(api_client_for(officer), "inventory.xlsx", workbook_with({SHEET: sheet}))
    assert "The file is not a readable XLSX workbook." in file_errors(response)


def test_a_far_away_row_does_not_make_a_million_empty_ones(officer, api_client_for):
    sheet = SHEET_HEAD + cell_row("name", "purpose", number=1)
    sheet += cell_row("x", "y", number=1_048_576) + SHEET_TAIL
    started = time.monotonic()
    response = import_file(api_client_for(officer), "inventory.xlsx", workbook_with({SHEET: sheet}))
    assert time.monotonic() - started < 3
    assert f"The sheet has more than {MAX_SHEET_ROWS} rows, counting empty ones." in (
        file_errors(response)
    )


def test_a_workbook_without_a_sheet_is_a_clear_error(officer, api_client_for):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    listing = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/workbook.xml")
    no_sheets = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", listing)
    content = workbook_with({"xl/workbook.xml": no_sheets})
    response = import_file(api_client_for(officer), "inventory.xlsx", content)
    assert "The workbook has no worksheet." in file_errors(response)


def test_a_nul_byte_in_a_csv_cell_is_a_clear_error(officer, api_client_for):
    content = b"name,purpose\nSystem\x00,Purpose\n"
    response = import_file(api_client_for(officer), "inventory.csv", content)
    assert "The file contains a NUL character." in file_errors(response)
    assert not AISystem.objects.exists()


@pytest.mark.parametrize("length", [131_073, 100_001])
def test_an_enormous_csv_field_is_a_clear_error(officer, api_client_for, length):
    content = b'name,purpose\nSystem,"' + b"x" * length + b'"\n'
    response = import_file(api_client_for(officer), "inventory.csv", content)
    assert "Line 2 of the CSV file has a field longer than 100000 characters." in file_errors(
        response
    )
    assert not AISystem.objects.exists()


def test_too_many_csv_columns_are_refused(officer, api_client_for):
    content = ",".join(f"c{i}" for i in range(101)).encode() + b"\n"
    response = import_file(api_client_for(officer), "inventory.csv", content)
    assert "The file has more than 100 columns." in file_errors(response)


def test_the_same_errors_show_in_the_page(officer, client_for):
    response = client_for(officer).post(
        reverse("ai_system_import"),
        {"file": SimpleUploadedFile("inventory.csv", b"name,purpose\nA\x00,B\n")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The file contains a NUL character." in response.context["form"].errors["file"]
