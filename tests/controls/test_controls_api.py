"""``controls/`` (+ ``{id}/tests/``) and ``control-tests/``: the organisation's controls and
the tests of their effectiveness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from controls.models import Control, ControlTest
from tests.api_cases import APIViewTestCase, assert_error, last_record_id, records_since
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import (
    AISystemFactory,
    ControlFactory,
    ControlTestFactory,
    RequirementFactory,
)


def control(**extra):
    return {"code": "CTL-900", "name": "人による最終確認", **extra}


class TestControls(APIViewTestCase):
    basename = "control"
    model = Control
    factory = ControlFactory
    fields = (
        "id",
        "code",
        "name",
        "control_type",
        "status",
        "ai_systems",
        "other_ai_systems",
        "owner",
        "requirements",
        "last_tested_on",
        "last_test_result",
        "test_overdue",
        "next_review_on",
    )
    unchecked_fields = ("requirements",)

    @staticmethod
    def create_data(officer):
        requirement = RequirementFactory()
        return [
            control(ai_systems=[AISystemFactory().pk]),
            control(
                code="CTL-901",
                name="AI方針の周知",
                description="全従業員に周知する",
                control_type="policy",
                status="operating",
                ai_systems=[],
                owner=officer.pk,
                requirements=[{"requirement": requirement.pk, "note": "方針 2.1"}],
                test_interval_days=365,
                review_interval_days=365,
                next_review_on="2027-03-31",
            ),
        ]

    update_data = {"name": "人による最終確認（改訂）", "status": "implementing"}

    @staticmethod
    def bad_create_data():
        system = AISystemFactory().pk
        ControlFactory(code="CTL-TAKEN")
        return [
            ("name", {"code": "CTL-1", "ai_systems": [system]}),
            ("code", control(code="CTL-TAKEN", ai_systems=[system])),
            ("status", control(status="retired", ai_systems=[system])),
            ("ai_systems", control(ai_systems=[999999])),
            ("test_interval_days", control(ai_systems=[system], test_interval_days=0)),
            ("test_interval_days", control(ai_systems=[system], test_interval_days=3651)),
            ("test_interval_days", control(ai_systems=[system], test_interval_days=2**31 - 1)),
        ]

    bad_update_data = [
        ("status", {"status": "operating"}),  # planned → operating skips implementing
        ("name", {"name": ""}),
        ("code", {"code": ""}),
    ]

    @staticmethod
    def of_system(system):
        return ControlFactory(ai_systems=[system])


class TestControlsWrittenByAnOperationalMember(TestControls):
    """An operational member registers and changes the controls of the systems granted to
    them; organisation-wide controls are the governance officer's."""

    writer = "operator"

    @staticmethod
    def factory(operator):
        return ControlFactory(ai_systems=[AISystemFactory(granted_to=[operator])])

    @staticmethod
    def create_data(operator):
        return [control(ai_systems=[AISystemFactory(granted_to=[operator]).pk])]

    @staticmethod
    def bad_create_data(operator):
        return [
            ("ai_systems", control(ai_systems=[])),
            ("ai_systems", control(ai_systems=[AISystemFactory().pk])),  # not granted
        ]


class TestControlTests(APIViewTestCase):
    basename = "control-test"
    model = ControlTest
    factory = ControlTestFactory
    fields = ("id", "control", "tested_on", "tester", "method", "result", "findings")
    can_update = False

    @staticmethod
    def create_data(officer):
        return [
            {
                "control": ControlFactory().pk,
                "tested_on": str(timezone.localdate()),
                "method": "reperformance",
                "result": "partly_effective",
                "findings": "2件のうち1件で記録漏れ",
                "tester": officer.pk,
            }
        ]

    @staticmethod
    def bad_create_data():
        target = ControlFactory().pk
        tomorrow = str(timezone.localdate() + timedelta(days=1))
        return [
            ("tested_on", {"control": target, "tested_on": tomorrow, "result": "effective"}),
            ("result", {"control": target, "tested_on": "2026-01-05", "result": "great"}),
            ("control", {"control": 999999, "tested_on": "2026-01-05", "result": "effective"}),
        ]

    @staticmethod
    def of_system(system):
        return ControlTestFactory(control=ControlFactory(ai_systems=[system]))


@pytest.mark.django_db
def test_tests_of_a_control_are_listed_and_recorded(officer):
    target = ControlFactory(test_interval_days=30)
    ControlTestFactory(control=target, tested_on=timezone.localdate() - timedelta(days=3))
    client = logged_in_api_client(officer)
    url = reverse("api:control-tests", args=[target.pk])
    listed = client.get(url).json()
    assert [row["result"] for row in listed["results"]] == ["effective"]
    mark = last_record_id()
    response = client.post(
        url,
        {"tested_on": str(timezone.localdate()), "result": "not_effective", "method": "automated"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert records_since(mark, model=ControlTest).get().actor == officer
    detail = client.get(reverse("api:control-detail", args=[target.pk])).json()
    assert (detail["last_test_result"], detail["test_overdue"]) == ("not_effective", False)


@pytest.mark.django_db
def test_a_test_in_the_future_through_the_control_is_400_and_changes_nothing(officer):
    target = ControlFactory()
    mark = last_record_id()
    response = logged_in_api_client(officer).post(
        reverse("api:control-tests", args=[target.pk]),
        {"tested_on": str(timezone.localdate() + timedelta(days=2)), "result": "effective"},
        format="json",
    )
    assert_error(response, 400, "tested_on")
    assert not ControlTest.objects.exists() and not records_since(mark).exists()


@pytest.mark.django_db
def test_an_operator_records_no_test_on_an_organisation_wide_control(operator):
    target = ControlFactory(ai_systems=[])
    client = logged_in_api_client(operator)
    assert client.get(reverse("api:control-detail", args=[target.pk])).status_code == 200
    response = client.post(
        reverse("api:control-tests", args=[target.pk]),
        {"tested_on": str(timezone.localdate()), "result": "effective"},
        format="json",
    )
    assert response.status_code == 404
    response = client.post(
        reverse("api:control-test-list"),
        {"control": target.pk, "tested_on": str(timezone.localdate()), "result": "effective"},
        format="json",
    )
    assert_error(response, 400, "control")
    assert not ControlTest.objects.exists()


@pytest.mark.django_db
def test_requirements_written_through_the_api_replace_the_links(officer):
    first, second = RequirementFactory(), RequirementFactory()
    target = ControlFactory(requirement_links=[(first, "old")])
    response = logged_in_api_client(officer).patch(
        reverse("api:control-detail", args=[target.pk]),
        {"requirements": [{"requirement": second.pk, "note": "new"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["requirements"] == [
        {"requirement": second.pk, "ref_id": second.ref_id, "note": "new"}
    ]
    assert [link.requirement for link in target.requirement_links.all()] == [second]


@pytest.mark.django_db
def test_treatment_actions_link_only_controls_the_writer_may_see(operator):
    from risk.models import TreatmentAction
    from tests.factories import RiskFactory

    system = AISystemFactory(granted_to=[operator])
    risk = RiskFactory(ai_systems=[system])
    mine = ControlFactory(ai_systems=[system])
    hidden = ControlFactory()
    client = logged_in_api_client(operator)
    url = reverse("api:risk-action-list")
    response = client.post(
        url,
        {"risk": risk.pk, "title": "監視", "implementing_controls": [hidden.pk]},
        format="json",
    )
    assert_error(response, 400, "implementing_controls")
    assert not TreatmentAction.objects.exists()
    response = client.post(
        url, {"risk": risk.pk, "title": "監視", "implementing_controls": [mine.pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["implementing_controls"] == [mine.pk]
    action = TreatmentAction.objects.get()
    assert list(action.implementing_controls.all()) == [mine]


@pytest.mark.django_db
def test_an_interval_stored_past_the_bound_does_not_break_the_controls(officer):
    """The test interval is at most ten years; one stored before that bound (up to 2³¹ days,
    which took the due date past the calendar's end and failed every list of controls with a
    500) is read as ten years."""
    target = ControlFactory(test_interval_days=30)
    ControlTestFactory(control=target, tested_on=timezone.localdate() - timedelta(days=3))
    Control.objects.filter(pk=target.pk).update(test_interval_days=2**31 - 1)
    client = logged_in_api_client(officer)
    detail = client.get(reverse("api:control-detail", args=[target.pk]))
    assert detail.status_code == 200
    due = timezone.localdate() - timedelta(days=3) + timedelta(days=3650)
    assert (detail.json()["test_due_on"], detail.json()["test_overdue"]) == (str(due), False)
    assert client.get(reverse("api:control-list")).status_code == 200
    assert client.get(reverse("api:control-tests", args=[target.pk])).status_code == 200
    page = logged_in_client(officer).get(reverse("controls"))
    assert page.status_code == 200 and target.code in page.content.decode()
