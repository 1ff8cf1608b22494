"""The risk pages' choice lists (issue 11, item 10): the register's multiple-choice filters are
checkbox groups, and a treatment action picks its Annex A controls from a searchable group of
checkboxes instead of a 38-line list box."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from aims.models import Requirement
from risk.models import TreatmentAction
from risk.services.register import risk_create
from risk.services.treatment import ANNEX_A_CONTROLS


@pytest.fixture
def risk(system, m5):
    return risk_create(
        actor=None, title="偏り", ai_systems=[system], inherent_likelihood=3, inherent_impact=3
    )


def test_the_register_filters_are_checkbox_groups_and_any(officer, client_for, risk):
    html = client_for(officer).get(reverse("risks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    bar = html[html.index('<form method="get" class="filters') :]
    bar = bar[: bar.index("</form>")]
    assert " multiple" not in bar
    for name in ("inherent_level", "residual_level", "status", "treatment_option"):
        assert re.search(rf'<input type="checkbox" name="{name}" value=', bar), name
    assert '<option value="unknown" selected>Any</option>' in bar  # review due
    assert "Unknown" not in bar and "---------" not in bar


def test_a_treatment_action_picks_annex_a_controls_by_search(officer, client_for, risk):
    call_command("load_library", verbosity=0)
    controls = list(Requirement.objects.filter(**ANNEX_A_CONTROLS).order_by("order"))
    assert len(controls) == 38
    client = client_for(officer)
    html = client.get(reverse("risk_action_create", args=[risk.pk])).content.decode()
    assert '<select name="controls"' not in html
    group = re.search(r'<div class="checks" role="group" id="id_controls"([^>]*)>', html)
    assert group and "data-searchable" in group.group(1)
    assert len(re.findall(r'<input type="checkbox" name="controls"', html)) == 38
    assert f"{controls[0].ref_id} {controls[0].name_ja}" in html

    chosen = [controls[3], controls[20]]
    response = client.post(
        reverse("risk_action_create", args=[risk.pk]),
        {"title": "Logging", "status": "planned", "controls": [c.pk for c in chosen]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action = TreatmentAction.objects.get()
    assert set(action.controls.all()) == set(chosen)
    edit = client.get(reverse("risk_action_edit", args=[action.pk])).content.decode()
    assert re.search(rf'value="{chosen[0].pk}" id="id_controls_3" checked', edit)
