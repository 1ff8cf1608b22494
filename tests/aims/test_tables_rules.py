"""The table reader's rules, one by one: how each kind of cell reads, which files are refused
and why, blank rows, short rows, the row limit. No database: the reader is pure."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from aims import tables
from aims.tables import read_table


def xlsx(*rows: list) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        read_table(name, content)
    return " ".join(caught.value.messages)


def test_xlsx_cells_read_as_the_text_a_person_typed():
    header, rows = read_table(
        "systems.xlsx",
        xlsx(
            [" Name ", "Due", "Stamp", "Count", "Share", "Whole", "Empty", "Flag"],
            [
                "  Chatbot  ",
                date(2026, 3, 31),
                datetime(2026, 4, 1, 13, 45),
                7,
                2.5,
                3.0,
                None,
                True,
            ],
        ),
    )
    assert header == ["name", "due", "stamp", "count", "share", "whole", "empty", "flag"]
    assert rows == [
        {
            "name": "Chatbot",
            "due": "2026-03-31",
            "stamp": "2026-04-01",
            "count": "7",
            "share": "2.5",
            "whole": "3",
            "empty": "",
            "flag": "True",
        }
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (datetime(2026, 1, 2, 23, 59), "2026-01-02"),
        (date(2026, 1, 2), "2026-01-02"),
        (4.0, "4"),
        (-1.0, "-1"),
        (0.1, "0.1"),
        (10, "10"),
        ("  padded  ", "padded"),
    ],
)
def test_each_kind_of_cell(value, text):
    assert tables._cell(value) == text


def test_csv_header_is_lowercased_cells_stripped_and_short_rows_padded():
    content = "\ufeff Name ,Version,Owner\n  Bot , 1.0 \n\n,,\nOther,2,alice\n".encode()
    header, rows = read_table("Systems.CSV", content)
    assert header == ["name", "version", "owner"]
    assert rows == [
        {"name": "Bot", "version": "1.0", "owner": ""},
        {"name": "Other", "version": "2", "owner": "alice"},
    ]


def test_xlsx_blank_rows_are_skipped_and_short_rows_padded():
    header, rows = read_table("x.XLSX", xlsx(["a", "b"], [None, None], ["1"], ["", ""], ["2", 3]))
    assert header == ["a", "b"]
    assert rows == [{"a": "1", "b": ""}, {"a": "2", "b": "3"}]


def test_a_header_alone_gives_no_rows():
    assert read_table("x.csv", b"name,owner\n") == (["name", "owner"], [])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.csv", "name\nCaf\u00e9\n".encode("latin-1"), "must be UTF-8"),
        ("x.xlsx", b"not a zip at all", "not a readable XLSX"),
        ("x.txt", b"name\nBot\n", "Upload a .csv or .xlsx file"),
        ("x.csv.txt", b"name\nBot\n", "Upload a .csv or .xlsx file"),
        ("x.csv", b"", "The file is empty"),
        ("x.csv", b"\n , \n,,\n", "The file is empty"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(name, content, message):
    assert message in refused(name, content)


def test_an_empty_workbook_is_empty():
    assert "The file is empty" in refused("x.xlsx", xlsx())


def test_the_row_limit_counts_data_rows_not_the_header_or_blank_rows(monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    at_limit = b"name\nA\nB\n\nC\n"
    assert len(read_table("x.csv", at_limit)[1]) == 3
    over = b"name\nA\nB\nC\nD\n"
    assert "more than 3 rows" in refused("x.csv", over)
    assert len(read_table("x.xlsx", xlsx(["name"], ["A"], ["B"], ["C"]))[1]) == 3
    assert "more than 3 rows" in refused("x.xlsx", xlsx(["name"], ["A"], ["B"], ["C"], ["D"]))


def test_the_row_limit_is_ten_thousand():
    assert tables.MAX_ROWS == 10_000


def test_cells_beyond_the_header_are_dropped():
    header, rows = read_table("x.csv", b"name,owner\nBot,alice,extra,more\n")
    assert rows == [{"name": "Bot", "owner": "alice"}]


def test_a_formula_reads_as_its_stored_value_never_as_the_formula():
    # A workbook written by a program other than a spreadsheet stores no computed value.
    header, rows = read_table("x.xlsx", xlsx(["name", "total"], ["Bot", "=1+1"]))
    assert rows == [{"name": "Bot", "total": ""}]


def zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_workbook_limits_let_a_workbook_at_the_limit_through(settings):
    content = xlsx(["name"], ["a"])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = archive.infolist()
    count, size = len(members), sum(member.file_size for member in members)
    settings.XLSX_MAX_MEMBERS, settings.XLSX_MAX_UNCOMPRESSED_BYTES = count, size
    assert read_table("t.xlsx", content) == (["name"], [{"name": "a"}])
    settings.XLSX_MAX_MEMBERS = count - 1
    assert f"more than {count - 1} parts" in refused("t.xlsx", content)
    settings.XLSX_MAX_MEMBERS, settings.XLSX_MAX_UNCOMPRESSED_BYTES = count, size - 1
    assert "unpacks to more than" in refused("t.xlsx", content)


def test_the_size_limit_is_named_in_whole_mebibytes(settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 2 * 1023 * 1024  # just under 2 MiB
    bomb = zip_of(**{"xl/worksheets/sheet1.xml": b"0" * (3 * 1024 * 1024)})
    assert "unpacks to more than 1 MB" in refused("b.xlsx", bomb)


def test_a_zip_that_is_no_workbook_is_refused():
    message = refused("t.xlsx", zip_of(**{"notes.txt": b"hello"}))
    assert message == "The file is not a readable XLSX workbook."


def test_the_sheet_and_column_limits_let_a_sheet_at_the_limit_through(monkeypatch):
    monkeypatch.setattr(tables, "MAX_SHEET_ROWS", 5)
    monkeypatch.setattr(tables, "MAX_COLUMNS", 3)
    five = xlsx(["a", "b", "c"], *[[str(n), "x", "y"] for n in range(4)])
    header, rows = read_table("t.xlsx", five)
    assert header == ["a", "b", "c"]
    assert rows[-1] == {"a": "3", "b": "x", "c": "y"} and len(rows) == 4
    six = xlsx(["a", "b", "c"], *[[str(n), "x", "y"] for n in range(5)])
    assert "more than 5 rows" in refused("t.xlsx", six)
    wide = xlsx(["a", "b", "c", "d"], ["1", "2", "3", "4"])
    assert "more than 3 columns" in refused("t.xlsx", wide)


def test_the_csv_limits_let_a_file_at_the_limit_through(monkeypatch):
    monkeypatch.setattr(tables, "MAX_COLUMNS", 3)
    monkeypatch.setattr(tables, "MAX_FIELD_CHARS", 10)
    header, rows = read_table("t.csv", ("a,b,c\n" + "x" * 10 + ",2,3\n").encode())
    assert rows == [{"a": "x" * 10, "b": "2", "c": "3"}]
    assert "more than 3 columns" in refused("t.csv", b"a,b,c,d\n1,2,3,4\n")
    assert "longer than 10 characters" in refused("t.csv", ("a\n" + "x" * 11 + "\n").encode())


def test_a_csv_line_the_reader_cannot_split_is_named():
    message = refused("t.csv", b"a\r\nb\rc")
    assert message == "Line 2 of the CSV file cannot be read."
