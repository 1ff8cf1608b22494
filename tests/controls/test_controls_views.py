"""Pages of the controls: the list (filters, constant queries), a control's page, the forms
(register, edit, requirements, a test), retiring; the AI system's and the requirement's
tabs; a risk's treatment action showing its controls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.models import ChangeRecord
from controls.choices import ControlStatus
from controls.models import Control, ControlTest
from controls.services.controls import control_retire
from tests.api_cases import last_record_id, records_since
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import (
    AISystemFactory,
    ControlFactory,
    ControlTestFactory,
    RequirementFactory,
    RiskFactory,
    TreatmentActionFactory,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _make(n, **kwargs):
    requirement = RequirementFactory()
    for _ in range(n - Control.objects.count()):
        control = ControlFactory(requirement_links=[(requirement, "note")], **kwargs)
        ControlTestFactory(control=control)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["officer", "operator"])
def test_the_list_page_runs_the_same_queries_for_1_and_30_controls(request, persona):
    user = request.getfixturevalue(persona)
    system = AISystemFactory(granted_to=[user])
    client = logged_in_client(user)
    url = reverse("controls") + "?test_overdue=false&sort=name"
    _make(1, ai_systems=[system])
    client.get(url)
    one = _count(client, url)
    _make(31, ai_systems=[system])
    assert _count(client, url) == one


def test_the_list_api_runs_the_same_queries_for_1_and_30_controls(officer):
    system = AISystemFactory()
    client = logged_in_api_client(officer)
    url = reverse("api:control-list")
    _make(1, ai_systems=[system])
    client.get(url)
    one = _count(client, url)
    _make(31, ai_systems=[system])
    assert _count(client, url) == one


def test_the_list_shows_controls_and_marks_an_overdue_test(officer):
    ControlFactory(code="CTL-001", name="Fairness monitoring", test_interval_days=30)
    tested = ControlFactory(code="CTL-002", name="Training", test_interval_days=30)
    ControlTestFactory(control=tested)
    html = logged_in_client(officer).get(reverse("controls"), **EN).content.decode()
    assert "Fairness monitoring" in html and "Training" in html
    assert html.count('data-testid="test-overdue"') == 1
    assert 'name="kind" value="control_register"' in html
    filtered = logged_in_client(officer).get(reverse("controls"), {"q": "train"}, **EN)
    assert "Fairness monitoring" not in filtered.content.decode()


def test_the_detail_page_shows_requirements_tests_risks_and_history(officer):
    system = AISystemFactory()
    requirement = RequirementFactory()
    control = ControlFactory(
        code="CTL-010",
        ai_systems=[system],
        requirement_links=[(requirement, "See procedure 3.2")],
    )
    ControlTestFactory(control=control, findings="Two records missing", result="partly_effective")
    risk = RiskFactory(ai_systems=[system], title="Biased shortlists")
    TreatmentActionFactory(risk=risk, title="Monthly review", implementing_controls=[control])
    html = logged_in_client(officer).get(control.get_absolute_url(), **EN).content.decode()
    assert "See procedure 3.2" in html and requirement.ref_id in html
    assert "Two records missing" in html and "Partly effective" in html
    assert "Biased shortlists" in html and "Monthly review" in html
    assert 'id="history-heading"' in html
    assert reverse("control_edit", args=[control.pk]) in html


def test_the_detail_page_hides_risks_the_reader_may_not_see(operator):
    system = AISystemFactory(granted_to=[operator])
    control = ControlFactory(ai_systems=[system])
    TreatmentActionFactory(risk=RiskFactory(title="Hidden risk"), implementing_controls=[control])
    html = logged_in_client(operator).get(control.get_absolute_url(), **EN).content.decode()
    assert "Hidden risk" not in html


def test_register_and_edit_a_control_through_the_form(officer):
    system = AISystemFactory()
    client = logged_in_client(officer)
    response = client.post(
        reverse("control_create"),
        {
            "code": "CTL-050",
            "name": "ログの保存",
            "control_type": "technical",
            "status": "planned",
            "ai_systems": [system.pk],
            "owner": officer.pk,
            "test_interval_days": "90",
        },
    )
    control = Control.objects.get(code="CTL-050")
    assert response.status_code == 302 and response["Location"] == control.get_absolute_url()
    assert list(control.ai_systems.all()) == [system]
    form = client.get(reverse("control_edit", args=[control.pk])).content.decode()
    assert 'value="operating"' not in form  # planned → implementing only (or retire)
    response = client.post(
        reverse("control_edit", args=[control.pk]),
        {
            "code": "CTL-050",
            "name": "ログの保存",
            "control_type": "technical",
            "status": "implementing",
        },
    )
    assert response.status_code == 302
    control.refresh_from_db()
    assert control.status == ControlStatus.IMPLEMENTING


def test_the_form_shows_the_services_error_and_changes_nothing(officer):
    ControlFactory(code="CTL-001")
    mark = last_record_id()
    response = logged_in_client(officer).post(
        reverse("control_create"),
        {"code": "CTL-001", "name": "Duplicate", "control_type": "policy", "status": "planned"},
        **EN,
    )
    assert response.status_code == 400
    assert "Another control has the code" in response.content.decode()
    assert Control.objects.count() == 1 and not records_since(mark).exists()


def test_the_form_refuses_a_test_interval_beyond_ten_years(officer):
    mark = last_record_id()
    fields = {"code": "CTL-9", "name": "n", "control_type": "policy", "status": "planned"}
    response = logged_in_client(officer).post(
        reverse("control_create"), {**fields, "test_interval_days": "3651"}, **EN
    )
    assert response.status_code == 400
    assert "from 1 to 3,650 (ten years)" in response.content.decode()
    assert not Control.objects.exists() and not records_since(mark).exists()


def test_requirements_page_adds_changes_and_removes_links(officer):
    first, second = RequirementFactory(), RequirementFactory()
    control = ControlFactory(requirement_links=[(first, "old")])
    url = reverse("control_requirements", args=[control.pk])
    client = logged_in_client(officer)
    page = client.get(url).content.decode()
    assert "old" in page
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "1",
        "form-0-requirement": str(first.pk),
        "form-0-note": "new",
        "form-0-DELETE": "on",
        "form-1-requirement": str(second.pk),
        "form-1-note": "added",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert [(lnk.requirement, lnk.note) for lnk in control.requirement_links.all()] == [
        (second, "added")
    ]
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-requirement": str(first.pk),
        "form-1-requirement": str(first.pk),
    }
    mark = last_record_id()
    response = client.post(url, data, **EN)
    assert response.status_code == 400 and "named twice" in response.content.decode()
    assert control.requirement_links.count() == 1 and not records_since(mark).exists()


def test_record_a_test_on_the_page_and_refuse_a_future_date(officer):
    control = ControlFactory(test_interval_days=30)
    client = logged_in_client(officer)
    url = reverse("control_test_create", args=[control.pk])
    assert client.get(url).status_code == 200
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        url, {"tested_on": tomorrow, "method": "inspection", "result": "effective"}, **EN
    )
    assert response.status_code == 400 and "future" in response.content.decode()
    assert not ControlTest.objects.exists()
    response = client.post(
        url,
        {"tested_on": timezone.localdate(), "method": "inspection", "result": "effective"},
    )
    assert response.status_code == 302
    control.refresh_from_db()
    assert control.last_test_result == "effective"


def test_retire_on_the_page_and_a_retired_control_is_not_edited(officer):
    control = ControlFactory()
    client = logged_in_client(officer)
    assert client.post(reverse("control_retire", args=[control.pk])).status_code == 302
    control.refresh_from_db()
    assert control.status == ControlStatus.RETIRED
    response = client.get(reverse("control_edit", args=[control.pk]))
    assert response.status_code == 302 and response["Location"] == control.get_absolute_url()
    html = client.get(control.get_absolute_url()).content.decode()
    assert 'data-testid="retire"' not in html
    assert client.post(reverse("control_retire", args=[control.pk])).status_code == 302
    assert ChangeRecord.objects.filter(object_id=str(control.pk), action="update").count() == 1


def test_an_operator_may_not_edit_an_organisation_wide_control(operator):
    control = ControlFactory(ai_systems=[])
    client = logged_in_client(operator)
    assert client.get(control.get_absolute_url()).status_code == 200
    assert client.get(reverse("control_edit", args=[control.pk])).status_code == 404
    assert client.post(reverse("control_retire", args=[control.pk])).status_code == 404
    control.refresh_from_db()
    assert control.status != ControlStatus.RETIRED


def test_the_ai_system_tab_lists_its_controls(officer):
    system, other = AISystemFactory(), AISystemFactory()
    ControlFactory(code="CTL-A", ai_systems=[system])
    ControlFactory(code="CTL-B", ai_systems=[other])
    url = reverse("ai_system", args=[system.pk]) + "?tab=controls"
    html = logged_in_client(officer).get(url).content.decode()
    assert "CTL-A" in html and "CTL-B" not in html


def test_the_requirement_page_has_controls_and_evidence_tabs(operator):
    requirement = RequirementFactory()
    ControlFactory(
        code="CTL-MINE",
        ai_systems=[AISystemFactory(granted_to=[operator])],
        requirement_links=[(requirement, "週次で確認")],
    )
    ControlFactory(code="CTL-HIDDEN", requirement_links=[(requirement, "")])
    client = logged_in_client(operator)
    url = reverse("library_requirement", args=[requirement.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="requirement-tab-controls"' in page
    assert 'data-testid="requirement-tab-evidence"' in page
    html = client.get(url + "?tab=controls").content.decode()
    assert "CTL-MINE" in html and "週次で確認" in html and "CTL-HIDDEN" not in html
    assert client.get(url + "?tab=evidence").status_code == 200


def test_the_risk_page_links_a_treatment_actions_controls(officer):
    system = AISystemFactory()
    control = ControlFactory(code="CTL-077", ai_systems=[system])
    risk = RiskFactory(ai_systems=[system])
    client = logged_in_client(officer)
    response = client.post(
        reverse("risk_action_create", args=[risk.pk]),
        {"title": "Monitoring", "status": "planned", "implementing_controls": [control.pk]},
    )
    assert response.status_code == 302
    action = risk.actions.get()
    assert list(action.implementing_controls.all()) == [control]
    assert records_since(0, action).get().after["implementing_controls"] == [control.pk]
    html = client.get(risk.get_absolute_url()).content.decode()
    assert reverse("control", args=[control.pk]) in html and "CTL-077" in html


def test_a_retired_control_is_no_choice_for_a_new_treatment_action(officer):
    control = ControlFactory(code="CTL-OLD")
    control_retire(actor=None, control=control)
    risk = RiskFactory()
    html = logged_in_client(officer).get(reverse("risk_action_create", args=[risk.pk]))
    assert "CTL-OLD" not in html.content.decode()


def test_the_risk_page_names_no_control_hidden_from_the_reader(operator):
    system = AISystemFactory(granted_to=[operator])
    risk = RiskFactory(ai_systems=[system])
    mine = ControlFactory(code="CTL-MINE", ai_systems=[system])
    hidden = ControlFactory(code="CTL-HIDDEN")
    TreatmentActionFactory(risk=risk, implementing_controls=[mine, hidden])
    html = logged_in_client(operator).get(risk.get_absolute_url()).content.decode()
    assert "CTL-MINE" in html and "CTL-HIDDEN" not in html


def test_evidence_of_a_control_shows_on_its_page_and_the_requirement_tab(operator):
    # Evidence is written by its own services (the evidence part of the app); rows are made
    # directly here to check what the controls' pages read of them.
    from controls.models import Evidence

    requirement = RequirementFactory()
    system = AISystemFactory(granted_to=[operator])
    control = ControlFactory(ai_systems=[system], requirement_links=[(requirement, "")])
    yesterday = timezone.localdate() - timedelta(days=1)
    expired = Evidence.objects.create(title="Bias report 2025", valid_until=yesterday)
    expired.controls.add(control)
    expired.ai_systems.add(system)
    hidden = Evidence.objects.create(title="Hidden evidence")
    hidden.controls.add(control)
    hidden.ai_systems.add(AISystemFactory())
    client = logged_in_client(operator)
    html = client.get(control.get_absolute_url(), **EN).content.decode()
    assert "Bias report 2025" in html and 'data-testid="evidence-expired"' in html
    assert "Hidden evidence" not in html
    url = reverse("library_requirement", args=[requirement.pk]) + "?tab=evidence"
    tab = client.get(url, **EN).content.decode()
    assert "Bias report 2025" in tab and "Expired" in tab and "Hidden evidence" not in tab
