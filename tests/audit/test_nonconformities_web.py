"""Nonconformities through the pages and the API: the board (constant queries, filters,
overdue marks), the detail page and its steps, the corrective actions list, the API's loop
and its refusals, the plug-ins (inbox, dashboard, clause 10.2) and the demo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.models import ChangeRecord
from audit.choices import NonconformityStatus, VerificationResult
from audit.models import CorrectiveAction, Nonconformity
from audit.services.nonconformities import (
    corrective_action_complete,
    nonconformity_submit,
    nonconformity_update,
)
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import (
    AISystemFactory,
    CorrectiveActionFactory,
    NonconformityFactory,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def system(operator):
    return AISystemFactory(granted_to=[operator])


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **EN)
        assert response.status_code == 200
    return len(queries)


def _make(n, system, owner):
    while Nonconformity.objects.count() < n:
        nc = NonconformityFactory(ai_systems=[system], owner=owner)
        CorrectiveActionFactory(nonconformity=nc, owner=owner)


@pytest.mark.parametrize("persona", ["auditor", "operator"])
def test_the_board_runs_the_same_queries_for_1_and_31_nonconformities(request, persona, system):
    user = request.getfixturevalue(persona)
    owner = request.getfixturevalue("operator")
    client = logged_in_client(user)
    url = reverse("nonconformities") + "?overdue=false&severity=minor"
    _make(1, system, owner)
    client.get(url)
    one = _count(client, url)
    _make(31, system, owner)
    assert _count(client, url) == one


def test_the_actions_list_and_the_api_lists_run_constant_queries(auditor, operator, system):
    _make(1, system, operator)
    pages = logged_in_client(auditor)
    api = logged_in_api_client(auditor)
    urls = [
        reverse("corrective_actions") + "?overdue=false",
        reverse("api:nonconformity-list"),
        reverse("api:corrective-action-list"),
    ]
    counts = []
    for url in urls:
        (pages if not url.startswith("/api/") else api).get(url)
        with CaptureQueriesContext(connection) as queries:
            (pages if not url.startswith("/api/") else api).get(url)
        counts.append(len(queries))
    _make(31, system, operator)
    for url, before in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as queries:
            response = (pages if not url.startswith("/api/") else api).get(url)
            assert response.status_code == 200
        assert len(queries) == before, url


def test_the_board_marks_overdue_and_filters(auditor, operator, system):
    late = NonconformityFactory(
        ai_systems=[system],
        owner=operator,
        raised_on=timezone.localdate() - timedelta(days=40),
        due_on=timezone.localdate() - timedelta(days=10),
        title="Late one",
    )
    NonconformityFactory(ai_systems=[system], title="On time one")
    client = logged_in_client(auditor)
    page = client.get(reverse("nonconformities"), **EN).content.decode()
    assert "Late one" in page and "On time one" in page and 'data-testid="nc-overdue"' in page
    overdue = client.get(reverse("nonconformities") + "?overdue=true", **EN).content.decode()
    assert late.reference in overdue and "On time one" not in overdue


def test_an_operator_sees_only_the_nonconformities_of_their_systems(operator, system):
    mine = NonconformityFactory(ai_systems=[system], title="Mine")
    other = NonconformityFactory(title="Not mine")
    client = logged_in_client(operator)
    page = client.get(reverse("nonconformities"), **EN).content.decode()
    assert "Mine" in page and "Not mine" not in page
    assert client.get(reverse("nonconformity", args=[other.pk])).status_code == 404
    assert client.get(reverse("nonconformity", args=[mine.pk])).status_code == 200


def test_the_loop_through_the_pages(auditor, officer, operator, system):
    raiser = logged_in_client(auditor)
    response = raiser.post(
        reverse("nonconformity_create"),
        {
            "source": "direct",
            "title": "Evaluation records missing",
            "description": "Three evaluations have no record.",
            "severity": "minor",
            "ai_systems": [system.pk],
            "owner": operator.pk,
            "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    nc = Nonconformity.objects.get()
    member = logged_in_client(operator)
    assert (
        member.post(
            reverse("nonconformity_respond", args=[nc.pk]),
            {
                "correction": "Restored",
                "why_chain": "No record\nNobody named",
                "root_cause": "Nobody named",
            },
        ).status_code
        == 302
    )
    assert (
        member.post(
            reverse("nonconformity_action_create", args=[nc.pk]),
            {"title": "Name a keeper", "owner": operator.pk, "status": "in_progress"},
        ).status_code
        == 302
    )
    action = CorrectiveAction.objects.get()
    member.post(reverse("corrective_action_complete", args=[action.pk]))
    member.post(reverse("nonconformity_submit", args=[nc.pk]))
    nc.refresh_from_db()
    assert nc.why_chain == ["No record", "Nobody named"]
    assert nc.status == NonconformityStatus.AWAITING_VERIFICATION
    # The operator is never offered the verification, and a post of it is refused.
    page = member.get(reverse("nonconformity", args=[nc.pk]), **EN).content.decode()
    assert 'data-testid="verify"' not in page
    member.post(reverse("nonconformity_verify", args=[nc.pk]), {"result": "effective"})
    nc.refresh_from_db()
    assert nc.verification_result == ""
    page = raiser.get(reverse("nonconformity", args=[nc.pk]), **EN).content.decode()
    assert 'data-testid="verify"' in page
    raiser.post(
        reverse("nonconformity_verify", args=[nc.pk]), {"result": "effective", "note": "ok"}
    )
    raiser.post(reverse("nonconformity_close", args=[nc.pk]))
    nc.refresh_from_db()
    assert nc.status == NonconformityStatus.CLOSED


def test_closing_on_the_page_without_verification_says_why(auditor, operator, system):
    nc = NonconformityFactory(ai_systems=[system], owner=operator)
    client = logged_in_client(auditor)
    response = client.post(reverse("nonconformity_close", args=[nc.pk]), follow=True, **EN)
    assert "verified effective" in response.content.decode()
    nc.refresh_from_db()
    assert nc.status == NonconformityStatus.OPEN


def test_a_viewer_is_offered_no_step_and_cannot_raise(viewer, system):
    nc = NonconformityFactory(ai_systems=[system])
    client = logged_in_client(viewer)
    page = client.get(reverse("nonconformity", args=[nc.pk]), **EN).content.decode()
    for step in ("respond", "add-action", "verify", "close", "reopen"):
        assert f'data-testid="{step}"' not in page
    response = client.post(reverse("nonconformity_create"), {"title": "x"}, **EN)
    assert response.status_code in (302, 400)
    assert Nonconformity.objects.count() == 1


# --- API ----------------------------------------------------------------------------------------
def test_the_loop_through_the_api(auditor, officer, operator, system):
    api_auditor = logged_in_api_client(auditor)
    response = api_auditor.post(
        reverse("api:nonconformity-list"),
        {
            "source": "direct",
            "title": "Bias test not run",
            "description": "The quarterly bias test was skipped.",
            "severity": "major",
            "ai_systems": [system.pk],
            "owner": operator.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    member = logged_in_api_client(operator)
    response = member.patch(
        reverse("api:nonconformity-detail", args=[pk]),
        {"root_cause": "Nobody owned the test.", "why_chain": ["Skipped", "No owner"]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = member.post(
        reverse("api:corrective-action-list"),
        {"nonconformity": pk, "title": "Assign an owner", "owner": operator.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    action = response.json()["id"]
    # Submitting with an action still planned is refused with the reason.
    refused = member.post(reverse("api:nonconformity-submit", args=[pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "done or cancelled" in str(refused.json())
    assert member.post(reverse("api:corrective-action-complete", args=[action])).status_code == 200
    assert member.post(reverse("api:nonconformity-submit", args=[pk])).status_code == 200
    # The operator may not verify; closing before verification is refused.
    assert (
        member.post(
            reverse("api:nonconformity-verify", args=[pk]), {"result": "effective"}, format="json"
        ).status_code
        == 400
    )
    closing = api_auditor.post(reverse("api:nonconformity-close", args=[pk]))
    assert closing.status_code == 400
    assert Nonconformity.objects.get(pk=pk).status == NonconformityStatus.AWAITING_VERIFICATION
    response = api_auditor.post(
        reverse("api:nonconformity-verify", args=[pk]),
        {"result": VerificationResult.EFFECTIVE, "note": "Checked"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["verification_result"] == "effective"
    response = api_auditor.post(reverse("api:nonconformity-close", args=[pk]))
    assert response.status_code == 200 and response.json()["status"] == "closed"
    refused = api_auditor.post(
        reverse("api:nonconformity-reopen", args=[pk]), {"reason": ""}, format="json"
    )
    assert refused.status_code == 400
    response = api_auditor.post(
        reverse("api:nonconformity-reopen", args=[pk]), {"reason": "Recurred"}, format="json"
    )
    assert response.status_code == 200 and response.json()["reopened_count"] == 1


def test_the_api_filters_mine_and_overdue(operator, system):
    nc = NonconformityFactory(ai_systems=[system], owner=operator)
    CorrectiveActionFactory(
        nonconformity=nc, owner=operator, due_on=timezone.localdate() - timedelta(days=1)
    )
    CorrectiveActionFactory(nonconformity=nc, owner=None)
    api = logged_in_api_client(operator)
    rows = api.get(reverse("api:corrective-action-list") + "?mine=true&overdue=true").json()
    assert [row["overdue"] for row in rows["results"]] == [True]


# --- Plug-ins -----------------------------------------------------------------------------------
def test_inbox_dashboard_and_clause_evidence(auditor, operator, system):
    from aims.inbox import inbox_counts
    from audit.plug.nonconformities import clause_evidence, my_actions, to_respond, to_verify

    nc = NonconformityFactory(ai_systems=[system], owner=operator)
    action = CorrectiveActionFactory(nonconformity=nc, owner=operator)
    assert list(to_respond(operator)) == [nc]
    assert list(my_actions(operator)) == [action]
    assert to_verify(operator) is None
    nonconformity_update(actor=operator, nonconformity=nc, root_cause="Cause")
    corrective_action_complete(actor=operator, action=action)
    nonconformity_submit(actor=operator, nonconformity=nc)
    assert list(to_verify(auditor)) == [nc]
    assert inbox_counts(auditor)  # counted with the other sources in one statement
    evidence = clause_evidence(auditor)
    assert evidence.figures[0].count == 1
    page = logged_in_client(auditor).get(reverse("home"), **EN).content.decode()
    assert "Open nonconformities" in page


def test_the_demo_raises_the_incident_and_is_idempotent(officer, operator, auditor):
    from audit.demo.nonconformities import INCIDENT_TITLE, load

    AISystemFactory(name="製品不良検知AI", granted_to=[operator])
    users = {"officer": officer, "operator": operator, "auditor": auditor}
    load(users=users)
    load(users=users)
    nc = Nonconformity.objects.get(title=INCIDENT_TITLE)
    assert nc.source == "incident" and nc.correction
    assert ChangeRecord.objects.filter(object_id=str(nc.pk)).exists()


def test_the_demo_answers_the_audit_findings(officer, operator, auditor):
    from audit.demo.nonconformities import load
    from tests.factories.nonconformities import stand_in_finding

    first, second = stand_in_finding(), stand_in_finding()
    load(users={"officer": officer, "operator": operator, "auditor": auditor})
    closed = Nonconformity.objects.get(finding=first)
    assert closed.status == NonconformityStatus.CLOSED
    assert closed.verified_by == auditor and closed.actions.get().status == "done"
    still_open = Nonconformity.objects.get(finding=second)
    assert still_open.status == NonconformityStatus.IN_PROGRESS
    assert still_open.actions.get().owner == operator


def test_reminders_skip_closed_nonconformities_and_finished_actions(operator, system):
    nc = NonconformityFactory(ai_systems=[system], owner=operator)
    action = CorrectiveActionFactory(nonconformity=nc, owner=operator)
    assert list(CorrectiveAction.reminder_queryset()) == [action]
    corrective_action_complete(actor=operator, action=action)
    assert list(CorrectiveAction.reminder_queryset()) == []
    assert list(Nonconformity.reminder_queryset()) == [nc]


def test_the_auditor_edits_the_record_and_the_new_owner_is_told(auditor, operator, system):
    from aims.models import Notification

    nc = NonconformityFactory(ai_systems=[system])
    client = logged_in_client(auditor)
    assert client.get(reverse("nonconformity_edit", args=[nc.pk])).status_code == 200
    response = client.post(
        reverse("nonconformity_edit", args=[nc.pk]),
        {
            "title": "Renamed",
            "description": nc.description,
            "severity": "major",
            "ai_systems": [system.pk],
            "owner": operator.pk,
        },
    )
    assert response.status_code == 302
    nc.refresh_from_db()
    assert (nc.title, nc.severity, nc.owner) == ("Renamed", "major", operator)
    assert Notification.objects.filter(recipient=operator, url=nc.get_absolute_url()).exists()
    # The operator who responds is not offered the record's form.
    member = logged_in_client(operator)
    assert member.get(reverse("nonconformity_edit", args=[nc.pk])).status_code == 302
    refused = member.post(
        reverse("nonconformity_edit", args=[nc.pk]),
        {"title": "Mine", "description": "x", "severity": "minor", "ai_systems": [system.pk]},
    )
    assert refused.status_code == 400
    nc.refresh_from_db()
    assert nc.title == "Renamed"


def test_the_actions_page_lists_mine(operator, auditor, system):
    nc = NonconformityFactory(ai_systems=[system], owner=operator)
    CorrectiveActionFactory(nonconformity=nc, owner=operator, title="My action")
    CorrectiveActionFactory(nonconformity=nc, owner=auditor, title="Their action")
    page = logged_in_client(operator).get(reverse("corrective_actions") + "?mine=true", **EN)
    text = page.content.decode()
    assert "My action" in text and "Their action" not in text


def test_the_detail_page_runs_the_same_queries_for_1_and_10_actions(auditor, operator, system):
    nc = NonconformityFactory(ai_systems=[system], owner=operator)
    CorrectiveActionFactory(nonconformity=nc, owner=operator)
    client = logged_in_client(auditor)
    url = reverse("nonconformity", args=[nc.pk])
    client.get(url)
    one = _count(client, url)
    for _ in range(9):
        CorrectiveActionFactory(nonconformity=nc, owner=operator)
    assert _count(client, url) == one
