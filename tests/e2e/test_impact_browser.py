"""Browser journey: an operational member creates an impact assessment of their AI system with
two consequences, creates a risk from one and submits it; the governance officer approves."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aims.choices import Role
from aims.services.inventory import ai_system_create, ai_system_grant
from impact.models import ImpactAssessment
from risk.models import Risk
from tests.e2e.test_browser import log_in
from tests.factories import PASSWORD, UserFactory
from tests.impact.conftest import shipped  # noqa: F401  (matrices and taxonomies)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_consequence(page, party: str, area: str, text: str, severity: str, likelihood: str):
    page.click("text=Add a consequence")
    page.select_option("select[name=party_type]", label=party)
    page.select_option("select[name=impact_area]", label=area)
    page.fill("textarea[name=description]", text)
    page.select_option("select[name=severity]", severity)
    page.select_option("select[name=likelihood]", likelihood)
    page.click("form button[type=submit]:has-text('Save')")
    expect(page.locator("body")).to_contain_text(text)


def test_operator_assesses_and_the_officer_approves(page, live_server, shipped):  # noqa: F811
    operator = UserFactory(username="operator", roles=[Role.OPERATIONAL_MEMBER], profile="en")
    UserFactory(username="officer", roles=[Role.GOVERNANCE_OFFICER], profile="en")
    system = ai_system_create(
        actor=None, name="Face recognition", version="2.2", purpose="Detect suspicious persons"
    )
    ai_system_grant(actor=None, system=system, user=operator)
    base = live_server.url

    log_in(page, base, "operator", PASSWORD)
    page.goto(f"{base}/ai-systems/{system.pk}/?tab=impact")
    page.click("text=Start an impact assessment")
    page.fill("textarea[name=foreseeable_misuse]", "Innocent passers-by flagged")
    page.check("input[name=scope][value=use]")
    page.check("input[name=affected_parties][value=groups]")
    page.select_option("select[name=severity]", "3")
    page.select_option("select[name=likelihood]", "2")
    page.fill("textarea[name=hj_bias_risk]", "Skewed training data")
    page.click("form button[type=submit]:has-text('Save')")
    expect(page.get_by_test_id("assessment-level")).to_have_text("High")

    add_consequence(
        page,
        "Minority groups",
        "Fairness and discrimination",
        "Members of a group wrongly treated as suspects",
        "3",
        "2",
    )
    add_consequence(page, "Bystanders", "Privacy", "Faces captured without notice", "2", "3")
    page.get_by_test_id("reflect-1").click()
    page.click("text=Create a risk from this consequence")
    # The risk form opens prefilled from the consequence; the operator saves it as it is.
    expect(page.locator("textarea[name=description]")).to_contain_text(
        "Members of a group wrongly treated as suspects"
    )
    page.click("form button[type=submit]:has-text('Save')")
    expect(page).to_have_url(re.compile(r"/impact-assessments/\d+/$"))
    risk = Risk.objects.get()
    expect(page.get_by_test_id("reflected-risks")).to_contain_text(risk.code)
    page.click("text=Submit for review")
    expect(page.get_by_test_id("assessment-status")).to_have_text("In review")
    page.click("details.usermenu summary")
    page.click("details.usermenu button:has-text('Log out')")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    log_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/impact-assessments/")
    page.get_by_role("link", name="Face recognition 2.2").click()
    page.click("form button:has-text('Approve')")
    expect(page.get_by_test_id("assessment-status")).to_have_text("Approved")
    assessment = ImpactAssessment.objects.get()
    assert assessment.approved_by.username == "officer" and assessment.author == operator
    assert assessment.entries.count() == 2
