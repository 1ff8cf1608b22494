"""The register in a 1440 px window, in Japanese, with long titles, several AI systems and
long treatment names: ids, level and status badges and dates keep to one line; an overdue
review says so; a heat-map cell opens the register filtered to exactly that cell."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aims.choices import Role
from aims.services.inventory import ai_system_create
from risk.choices import TreatmentOption
from risk.defaults import create_shipped_matrices
from risk.models import RiskCriteria, RiskMatrix
from risk.services.register import risk_create
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ONE_LINE = 32  # px: a badge or link of one line of .75–1rem text is well under this


def test_the_register_at_1440_px_keeps_ids_and_badges_on_one_line(browser, live_server):
    officer = UserFactory(
        username="officer",
        roles=[Role.GOVERNANCE_OFFICER],
        profile="ja",
        first_name="統括",
        last_name="管理者",
    )
    create_shipped_matrices(RiskMatrix, RiskCriteria)
    systems = [
        ai_system_create(actor=None, name=f"{name}AIシステム", purpose="業務支援")
        for name in ("採用選考支援", "製品不良検知", "送電線点検", "対話型問い合わせ応答")
    ]
    today = timezone.localdate()
    for n in range(6):
        risk_create(
            actor=officer,
            title="生成AIの出力に含まれる差別的な表現が利用者及び影響を受ける関係者に不利益を与える"
            * (1 + n % 2),
            ai_systems=systems[: 1 + n % 4],
            inherent_likelihood=1 + n % 5,
            inherent_impact=5 - n % 5,
            residual_likelihood=1 + n % 3,
            residual_impact=2,
            treatment_option=TreatmentOption.PURSUE,
            next_review_on=today - timedelta(days=5) if n == 0 else today + timedelta(days=n),
        )

    context = browser.new_context(locale="ja-JP", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "officer", PASSWORD)
        page.goto(live_server.url + "/risks/")
        rows = page.locator("table.risk-register tbody tr")
        expect(rows).to_have_count(6)
        for selector in ("td.nw a", "td.nw .badge", "td.review .date", "td.owner .name"):
            cells = page.locator(f"table.risk-register tbody {selector}")
            assert cells.count() >= 6, selector
            for index in range(cells.count()):
                box = cells.nth(index).bounding_box()
                assert box is not None and box["height"] < ONE_LINE, (selector, index, box)
                assert box["width"] > box["height"], (selector, index, box)  # not a column
        header = page.locator("table.risk-register thead tr").bounding_box()
        assert header is not None and header["height"] < 2 * ONE_LINE, header  # one line
        overdue = page.locator("table.risk-register tbody tr.overdue")
        expect(overdue).to_have_count(1)
        expect(overdue.get_by_test_id("overdue")).to_be_visible()

        # The inherent cell likelihood 1 × impact 5 holds two risks (n = 0 and n = 5).
        bottom = page.locator("table.heatmap").first.locator("tbody tr").last  # likelihood 1
        link = bottom.locator("a.heat-link").last  # impact 5
        expect(link).to_have_text("2")
        link.click()
        expect(page).to_have_url(
            f"{live_server.url}/risks/?matrix={RiskMatrix.objects.get(is_default=True).pk}"
            "&inherent_likelihood=1&inherent_impact=5"
        )
        expect(rows).to_have_count(2)
        expect(page.get_by_test_id("cell-filter")).to_be_visible()
    finally:
        context.close()
