"""What the controls add to the core: the navigation entry, the inbox item for an overdue
effectiveness test, the dashboard's figures, review reminders of controls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.inbox import inbox, inbox_counts
from aims.registry import registry
from controls.models import Control
from controls.services.controls import control_retire
from tests.conftest import logged_in_client
from tests.factories import AISystemFactory, ControlFactory, ControlTestFactory

pytestmark = pytest.mark.django_db


def test_the_navigation_has_the_controls_area():
    entry = next(e for e in registry.navigation() if e.code == "controls")
    assert entry.url_name == "controls"
    assert Control in registry.reviewable


def test_my_control_whose_test_is_overdue_reaches_my_inbox(operator):
    system = AISystemFactory(granted_to=[operator])
    overdue = ControlFactory(
        code="CTL-OVERDUE", ai_systems=[system], owner=operator, test_interval_days=30
    )
    ControlTestFactory(control=overdue, tested_on=timezone.localdate() - timedelta(days=45))
    fresh = ControlFactory(ai_systems=[system], owner=operator, test_interval_days=30)
    ControlTestFactory(control=fresh)
    ControlFactory(ai_systems=[system], test_interval_days=30)  # not mine
    retired = ControlFactory(ai_systems=[system], owner=operator, test_interval_days=30)
    control_retire(actor=None, control=retired)
    groups, counts = inbox(operator)
    items = [i for g in groups for i in g.items if i.source == "test:controls.control"]
    assert [i.title for i in items] == [str(overdue)]
    assert items[0].overdue and items[0].due == timezone.localdate() - timedelta(days=15)
    assert inbox_counts(operator)["review"] >= 1 and counts["review"] >= 1


def test_the_dashboard_counts_controls_with_an_overdue_test(officer):
    ControlFactory(test_interval_days=30)  # never tested
    ControlFactory(next_review_on=timezone.localdate() - timedelta(days=1))
    html = logged_in_client(officer).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "Controls: effectiveness test overdue" in text
    assert reverse("controls") + "?test_overdue=true" in text
