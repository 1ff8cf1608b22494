"""Inventory import: CSV or XLSX, all or nothing, every bad row and column reported."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from aims.models import AISystem, BusinessUnit, ChangeRecord
from aims.services.records import record_create

HEADER = [
    "name",
    "version",
    "purpose",
    "business_unit",
    "lifecycle_stage",
    "organization_roles",
    "eu_ai_act_tier",
    "is_generative",
    "owner",
    "next_review_on",
]


def rows(count: int, **overrides_by_index) -> list[list[str]]:
    data = [
        [
            f"System {i}",
            "1.0",
            f"Purpose {i}",
            "OPS",
            "operation",
            "developer, provider",
            "minimal",
            "false",
            "t_officer",
            "2027-01-31",
        ]
        for i in range(count)
    ]
    for index, (column, value) in overrides_by_index.items():
        data[int(index.removeprefix("row"))][HEADER.index(column)] = value
    return data


def xlsx(header: list[str], data: list[list[str]]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("inventory.xlsx", buffer.getvalue())


def csv_file(header: list[str], data: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(data)
    return SimpleUploadedFile("inventory.csv", buffer.getvalue().encode("utf-8-sig"))


@pytest.fixture
def unit(db):
    return record_create(actor=None, model=BusinessUnit, name="Operations", code="OPS")


def test_a_good_1000_row_xlsx_imports_every_row(officer, unit, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:ai-system-import"), {"file": xlsx(HEADER, rows(1000))}, format="multipart"
    )
    assert response.status_code == 201, response.content[:500]
    assert response.json() == {"created": 1000}
    assert AISystem.objects.count() == 1000
    sample = AISystem.objects.get(name="System 7")
    assert (sample.business_unit, sample.organization_roles) == (unit, ["developer", "provider"])
    assert str(sample.next_review_on) == "2027-01-31" and sample.owner == officer
    assert (
        ChangeRecord.objects.filter(action="create", content_type__model="aisystem").count() == 1000
    )


def test_one_bad_row_in_1000_saves_nothing_and_names_it(officer, unit, api_client_for):
    data = rows(1000, row517=("lifecycle_stage", "flying"))
    response = api_client_for(officer).post(
        reverse("api:ai-system-import"), {"file": xlsx(HEADER, data)}, format="multipart"
    )
    assert response.status_code == 400
    assert (
        response.json()["error"]["rows"]
        == [{"row": 519, "column": "lifecycle_stage", "message": "Unknown value “flying”."}]
        or response.json()["error"]["rows"][0]["row"] == 519
    )
    assert not AISystem.objects.exists()


def test_every_bad_row_and_column_is_listed_in_the_page(officer, unit, client_for):
    data = rows(4, row0=("owner", "ghost"), row2=("next_review_on", "31/01/2027"))
    data[3][0] = data[1][0]  # same name and version as an earlier row
    data.append(["", "", "", "", "", "", "", "maybe", "", ""])
    response = client_for(officer).post(
        reverse("ai_system_import"), {"file": csv_file(HEADER, data)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    found = {(p.row, p.column) for p in response.context["problems"]}
    assert {
        (2, "owner"),
        (4, "next_review_on"),
        (5, "name"),
        (6, "is_generative"),
        (6, "name"),
        (6, "purpose"),
    } <= found
    assert not AISystem.objects.exists()


def test_japanese_labels_are_accepted(officer, unit, client_for):
    data = [
        ["顔画像認識AI", "2.2", "不審者検知", "OPS", "運用・監視"]
        + ["AI利用者", "ハイリスク", "いいえ", "", ""]
    ]
    response = client_for(officer).post(
        reverse("ai_system_import"), {"file": csv_file(HEADER, data)}
    )
    assert response.status_code == 302
    system = AISystem.objects.get()
    assert (system.lifecycle_stage, system.organization_roles, system.eu_ai_act_tier) == (
        "operation",
        ["business_user"],
        "high",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("inventory.txt", b"name\nx", "Upload a .csv or .xlsx file."),
        ("inventory.xlsx", b"not a workbook", "not a readable XLSX"),
        ("inventory.csv", "name,purpose\n".encode("utf-16"), "UTF-8"),
        ("inventory.csv", b"", "empty"),
    ],
)
def test_unreadable_files_are_refused(officer, api_client_for, name, content, message):
    response = api_client_for(officer).post(
        reverse("api:ai-system-import"),
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"]["file"])


def test_unknown_and_missing_columns(officer, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:ai-system-import"),
        {"file": csv_file(["name", "colour"], [["x", "red"]])},
        format="multipart",
    )
    problems = {(r["column"], r["row"]) for r in response.json()["error"]["rows"]}
    assert problems == {("colour", 1), ("purpose", 1)}


def test_only_officers_import(operator, api_client_for):
    response = api_client_for(operator).post(
        reverse("api:ai-system-import"), {"file": csv_file(HEADER, rows(1))}, format="multipart"
    )
    assert response.status_code == 403
