"""The control register: XLSX and CSV of the controls the list shows for the same filters,
headers in the job's language, only what the requester may see."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from aims.choices import ReportStatus
from controls.reports.controls import clean
from tests.factories import (
    AISystemFactory,
    ControlFactory,
    ControlTestFactory,
    ReportJobFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db


def _content(job):
    assert job.status == ReportStatus.DONE, job.error
    with job.file.open("rb") as handle:
        return handle.read()


def test_xlsx_in_japanese_holds_the_filtered_controls(officer):
    requirement = RequirementFactory()
    shown = ControlFactory(
        code="CTL-001",
        name="公平性モニタリング",
        requirement_links=[(requirement, "月次")],
        test_interval_days=30,
    )
    ControlTestFactory(control=shown, result="partly_effective")
    ControlFactory(code="CTL-002", name="教育", status="implementing")
    job = ReportJobFactory(
        requested_by=officer,
        kind="control_register",
        format="xlsx",
        language="ja",
        parameters={"status": ["planned"]},
        render=True,
    )
    sheet = load_workbook(io.BytesIO(_content(job))).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["コード", "名前", "説明"]
    assert [row[0] for row in rows[1:]] == ["CTL-001"]
    assert rows[1][1] == "公平性モニタリング"
    assert f"{requirement.ref_id} (月次)" in rows[1][7]


def test_csv_in_english_leaves_out_what_the_requester_may_not_see(operator):
    mine = AISystemFactory(name="Shortlisting", granted_to=[operator])
    ControlFactory(code="CTL-MINE", ai_systems=[mine])
    ControlFactory(code="CTL-ORG", ai_systems=[])
    ControlFactory(code="CTL-HIDDEN")
    job = ReportJobFactory(
        requested_by=operator, kind="control_register", format="csv", language="en", render=True
    )
    table = list(csv.reader(io.StringIO(_content(job).decode("utf-8-sig"))))
    assert table[0][:2] == ["Code", "Name"]
    codes = [row[0] for row in table[1:]]
    assert codes == ["CTL-MINE", "CTL-ORG"]
    systems = {row[0]: row[5] for row in table[1:]}
    assert systems == {"CTL-MINE": "Shortlisting 1.0", "CTL-ORG": "organisation-wide"}


def test_unknown_or_hidden_filters_are_refused(operator):
    hidden = AISystemFactory()
    with pytest.raises(ValidationError) as error:
        clean(operator, {"colour": "red"})
    assert "colour" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        clean(operator, {"ai_system": str(hidden.pk)})
    assert "ai_system" in error.value.message_dict
