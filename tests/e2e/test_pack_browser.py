"""Browser journey of an evidence pack: the officer requests a pack of chosen sections from
the navigation, watches it build (the status block polls) and downloads the ZIP, which
verifies against its manifest."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
import time_machine
from playwright.sync_api import expect

from aims.choices import Role
from audit.models import EvidencePack
from audit.pack.verify import verify
from tests.celery_worker import running_worker
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, AISystemFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_officer_requests_watches_and_downloads_a_pack(page, live_server, tmp_path):
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    with time_machine.travel(datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC), tick=False):
        AISystemFactory(name="Defect detection")
    base = live_server.url
    log_in(page, base, "officer", PASSWORD)
    page.get_by_role("link", name="Evidence packs").first.click()
    page.get_by_test_id("pack-new").click()
    page.fill("input[name=period_from]", "2026-01-01")
    page.fill("input[name=period_to]", "2026-03-31")
    page.select_option("select[name=preset]", "custom")
    page.get_by_label("Context and scope (4)").check()
    page.get_by_label("Change log of the period").check()
    with running_worker():
        page.click("form[data-testid=pack-form] button[type=submit]")
        expect(page.get_by_test_id("pack-download")).to_be_visible(timeout=60000)
    expect(page.get_by_test_id("pack-status")).to_have_text("Done")
    pack = EvidencePack.objects.get()
    expect(page.get_by_test_id("pack-sha256")).to_have_text(pack.job.file_sha256)
    with page.expect_download() as download:
        page.get_by_test_id("pack-download").click()
    saved = tmp_path / "pack.zip"
    download.value.save_as(saved)
    result = verify(str(saved))
    assert result.ok, list(result.lines())
    names = zipfile.ZipFile(io.BytesIO(saved.read_bytes())).namelist()
    assert "4-context/ai-systems-in-scope.jsonl" in names
    assert "change-log/change-log.jsonl" in names
