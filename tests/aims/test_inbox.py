"""The personal inbox ("My work"): what waits for each person reaches them, on the page, in
the navigation's count and in the API, and they hear of it in their language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aims.choices import Role
from aims.inbox import inbox_counts, inbox_items
from aims.models import DocumentVersion, Notification
from aims.registry import registry
from aims.roles import user_roles
from aims.services.approval import can_review, reviewable_by
from aims.services.documents import document_approve, document_return, document_submit
from aims.tasks import send_notification_email
from impact.models import ImpactAssessment
from impact.services import impact_entry_update
from tests.factories import (
    AISystemFactory,
    DocumentFactory,
    ImpactAssessmentFactory,
    ImpactEntryFactory,
    RiskFactory,
    TreatmentActionFactory,
)


@pytest.fixture
def mails(monkeypatch, django_capture_on_commit_callbacks):
    """E-mails of notifications are sent here, in-process, when the transaction commits."""
    monkeypatch.setattr(
        send_notification_email, "delay", lambda *args: send_notification_email.apply(args=args)
    )

    def run(step):
        with django_capture_on_commit_callbacks(execute=True):
            return step()

    return run


def draft_assessment(author, **fields):
    system = fields.pop("ai_system", None) or AISystemFactory()
    assessment = ImpactAssessmentFactory(actor=author, ai_system=system, **fields)
    ImpactEntryFactory(assessment=assessment, actor=author)
    return assessment


def badge(html: str) -> int:
    found = re.search(r'data-testid="inbox-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def kinds(user) -> dict[str, list[str]]:
    return {group.kind: [item.title for item in group.items] for group in inbox_items(user)}


# --- The "done when" -----------------------------------------------------------------
def test_a_submitted_assessment_reaches_the_executive_and_the_result_its_author(
    make_user, client_for, api_client_for, mails
):
    officer = make_user(Role.GOVERNANCE_OFFICER, username="officer_o", email="o@example.com")
    executive = make_user(Role.TOP_MANAGEMENT, username="exec_e", email="e@example.com")
    assessment = draft_assessment(officer)
    officer_client, executive_client = client_for(officer), client_for(executive)
    assert badge(executive_client.get(reverse("inbox")).content.decode()) == 0

    response = mails(
        lambda: officer_client.post(reverse("impact_assessment_submit", args=[assessment.pk]))
    )
    assert response.status_code == 302

    page = executive_client.get(reverse("inbox")).content.decode()
    assert 'data-testid="inbox-approval"' in page
    assert str(assessment) in page and assessment.get_absolute_url() in page
    assert badge(page) == 1
    api = api_client_for(executive).get(reverse("api:inbox")).json()
    assert api["counts"]["approval"] == 1 and api["counts"]["total"] == 1
    assert [row["url"] for row in api["results"]] == [assessment.get_absolute_url()]
    assert api["results"][0]["kind"] == "approval"

    to_executive = [m for m in mail.outbox if m.to == ["e@example.com"]]
    assert len(to_executive) == 1
    with translation.override("ja"):
        record_type = str(ImpactAssessment._meta.verbose_name)
    assert record_type == "影響評価"  # the catalogue's Japanese: the mail is in Japanese
    assert record_type in to_executive[0].body
    assert assessment.get_absolute_url() in to_executive[0].body
    # The author submitted it: nobody is told of their own step, and it is not theirs to approve.
    assert not [m for m in mail.outbox if m.to == ["o@example.com"]]
    assert "approval" not in kinds(officer)

    mails(lambda: executive_client.post(reverse("impact_assessment_approve", args=[assessment.pk])))
    assert kinds(officer)["result"] == [str(assessment)]
    officer_page = officer_client.get(reverse("inbox")).content.decode()
    assert 'data-testid="inbox-result"' in officer_page and str(assessment) in officer_page
    assert badge(officer_page) == 0  # a result asks for no action
    assert badge(executive_client.get(reverse("inbox")).content.decode()) == 0
    assert [m.to for m in mail.outbox if m.to == ["o@example.com"]] == [["o@example.com"]]
    assert Notification.objects.filter(recipient=executive).count() == 1  # not of own approval


def test_english_readers_get_english(make_user, client_for, mails):
    officer = make_user(Role.GOVERNANCE_OFFICER, username="officer_en")
    executive = make_user(Role.TOP_MANAGEMENT, username="exec_en", profile="en")
    assessment = draft_assessment(officer)
    mails(
        lambda: client_for(officer).post(reverse("impact_assessment_submit", args=[assessment.pk]))
    )
    note = Notification.objects.get(recipient=executive)
    assert note.subject == f"Approval requested: {assessment}"
    assert "impact assessment" in mail.outbox[-1].body
    page = client_for(executive).get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Waiting for my approval" in page.content.decode()


def test_a_returned_version_waits_for_its_author_with_the_comment(make_user, mails):
    officer = make_user(Role.GOVERNANCE_OFFICER, username="officer_r")
    executive = make_user(Role.TOP_MANAGEMENT, username="exec_r")
    document = DocumentFactory(actor=officer, state="in_review", owner=officer)
    assert kinds(executive)["approval"] == [str(document.versions.get())]
    mails(lambda: document_return(actor=executive, document=document, comment="Say who signs."))
    groups = {group.kind: group for group in inbox_items(officer)}
    returned = groups["returned"].items
    assert [item.comment for item in returned] == ["Say who signs."]
    assert inbox_counts(officer)["returned"] == 1
    assert "approval" not in kinds(executive)
    note = Notification.objects.get(recipient=officer)
    assert "Say who signs." in note.body
    mails(lambda: document_submit(actor=officer, document=document))
    assert "returned" not in kinds(officer)


def test_approval_tells_the_author_and_the_owner_but_not_the_approver(make_user, mails):
    author = make_user(Role.GOVERNANCE_OFFICER, username="author_o", email="a@example.com")
    owner = make_user(Role.OPERATIONAL_MEMBER, username="owner_o", email="w@example.com")
    executive = make_user(Role.TOP_MANAGEMENT, username="exec_o", email="x@example.com")
    document = DocumentFactory(actor=author, state="in_review", owner=owner)
    mail.outbox.clear()
    mails(lambda: document_approve(actor=executive, document=document))
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "w@example.com"]
    assert set(
        Notification.objects.filter(subject__contains=str(document)).values_list(
            "recipient__username", flat=True
        )
    ) == {"author_o", "owner_o", "exec_o"}  # the executive only of the submission
    assert Notification.objects.filter(recipient=executive).count() == 1


# --- Who may approve -------------------------------------------------------------------------
def test_nobody_sees_their_own_work_or_what_they_changed_as_waiting(make_user, mails):
    author = make_user(Role.GOVERNANCE_OFFICER, username="author_a")
    editor = make_user(Role.GOVERNANCE_OFFICER, username="editor_a")
    executive = make_user(Role.TOP_MANAGEMENT, username="exec_a")
    viewer = make_user(Role.VIEWER, username="viewer_a")
    edited = draft_assessment(author)
    impact_entry_update(actor=editor, entry=edited.entries.get(), description="Changed by editor")
    untouched = draft_assessment(author)
    for assessment in (edited, untouched):
        mails(lambda a=assessment: _submit(author, a))
    rows = ImpactAssessment.objects.all()
    for user in (author, editor, executive, viewer):
        expected = {a.pk for a in rows if can_review(user, a)}
        assert set(reviewable_by(rows, user).values_list("pk", flat=True)) == expected
    assert set(reviewable_by(rows, editor).values_list("pk", flat=True)) == {untouched.pk}
    assert set(reviewable_by(rows, executive).values_list("pk", flat=True)) == {
        edited.pk,
        untouched.pk,
    }
    # Who is told: those who may approve, never the author nor the editor of the content.
    told = set(
        Notification.objects.filter(subject__contains=str(edited)).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"exec_a"}


def _submit(author, assessment):
    from impact.services import impact_assessment_submit

    return impact_assessment_submit(actor=author, assessment=assessment)


def test_a_deleted_entry_bars_its_deleter_as_can_review_does(make_user):
    from impact.services import impact_entry_delete

    author = make_user(Role.GOVERNANCE_OFFICER, username="author_d")
    deleter = make_user(Role.GOVERNANCE_OFFICER, username="deleter_d")
    assessment = draft_assessment(author)
    extra = ImpactEntryFactory(assessment=assessment, actor=author)
    impact_entry_delete(actor=deleter, entry=extra)
    _submit(author, assessment)
    assessment.refresh_from_db()
    assert not can_review(deleter, assessment)
    assert not reviewable_by(ImpactAssessment.objects.all(), deleter).exists()


# --- Reviews, actions and visibility ---------------------------------------------------------
def test_reviews_and_actions_i_own_and_may_see(make_user, operator):
    from aims.services.inventory import ai_system_grant, ai_system_revoke

    mine = AISystemFactory(name="Granted system")
    ai_system_grant(actor=None, system=mine, user=operator)
    hidden = AISystemFactory(name="Hidden system")
    today = timezone.localdate()
    due = RiskFactory(
        ai_systems=[mine], owner=operator, title="Due soon", next_review_on=today + timedelta(3)
    )
    RiskFactory(
        ai_systems=[mine], owner=operator, title="Later", next_review_on=today + timedelta(90)
    )
    RiskFactory(ai_systems=[hidden], owner=operator, title="Not mine to see", next_review_on=today)
    late = TreatmentActionFactory(
        risk=due, owner=operator, title="Mask the faces", due_on=today - timedelta(1)
    )
    TreatmentActionFactory(risk__ai_systems=[hidden], owner=operator, title="Secret step")
    found = kinds(operator)
    assert found["review"] == [str(due)]
    assert found["action"] == [f"{due.code} {late.title}"]
    [action] = [i for g in inbox_items(operator) if g.kind == "action" for i in g.items]
    assert action.overdue
    assert inbox_counts(operator)["total"] == 2
    ai_system_revoke(actor=None, system=mine, user=operator)
    assert inbox_items(operator) == []
    assert inbox_counts(operator)["total"] == 0


def test_the_inbox_is_for_signed_in_users_only(client, api_client_for):
    assert client.get(reverse("inbox")).status_code == 302
    assert api_client_for(None).get(reverse("api:inbox")).status_code == 401


def test_nothing_waiting_says_so(viewer, client_for):
    html = client_for(viewer).get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing is waiting for you." in html


# --- Queries do not grow with the items ------------------------------------------------------
def _fill(officer, operator, n: int) -> None:
    """n documents in review, n assessments in review, n actions and reviews due for the
    operator, n versions returned to the officer."""
    system = AISystemFactory(granted_to=[operator])
    for _ in range(n - DocumentVersion.objects.filter(status="in_review").count()):
        DocumentFactory(actor=officer, state="in_review")
        draft = draft_assessment(officer, ai_system=system)
        _submit(officer, draft)
        risk = RiskFactory(ai_systems=[system], owner=operator, next_review_on=timezone.localdate())
        TreatmentActionFactory(risk=risk, owner=operator)
        returned = DocumentFactory(actor=officer, state="in_review")
        document_return(actor=executive_for_fill(), document=returned, comment="Again")
    # keep one of them approved: a result
    approved = DocumentFactory(actor=officer, state="in_review")
    document_approve(actor=executive_for_fill(), document=approved)


def executive_for_fill():
    from tests.factories import UserFactory

    return UserFactory(username="fill_exec", roles=[Role.TOP_MANAGEMENT])


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["executive", "officer", "operator"])
def test_inbox_queries_do_not_grow_with_items(
    persona, officer, executive, operator, client_for, api_client_for
):
    user = {"officer": officer, "executive": executive, "operator": operator}[persona]
    page, api = client_for(user), api_client_for(user)
    _fill(officer, operator, 1)
    page.get(reverse("inbox"))  # warm per-process caches
    api.get(reverse("api:inbox"))
    first = (_queries(page, reverse("inbox")), _queries(api, reverse("api:inbox")))
    first_nav = _queries(page, reverse("notifications"))
    _fill(officer, operator, 6)
    assert sum(inbox_counts(user).values()) > 0
    again = (_queries(page, reverse("inbox")), _queries(api, reverse("api:inbox")))
    assert again == first, f"{persona}: {first} queries with 1 item each, {again} with 6"
    assert _queries(page, reverse("notifications")) == first_nav
    # The page's own queries, and one list per kind of work the apps register.
    limit = 13 + len(registry.inbox())
    assert first[0] <= limit, f"the inbox page runs {first[0]} queries"


def test_the_badge_counts_in_one_query(officer, operator, executive):
    _fill(officer, operator, 3)
    for user in (officer, executive):
        user_roles(user)  # the user's roles are read once per request anyway
        with CaptureQueriesContext(connection) as queries:
            counts = inbox_counts(user)
        assert len(queries) == 1, [q["sql"][:120] for q in queries.captured_queries]
        assert counts["total"] > 0
    assert inbox_counts(executive)["approval"] == 6
    assert inbox_counts(officer)["returned"] == 3


def test_the_badge_stops_counting_at_its_limit(
    monkeypatch, officer, operator, executive, client_for
):
    """Every page shows the badge, so it never counts a whole table: each source is counted
    up to the limit, the total is exact below it and shown as "99+"-style from it on."""
    import aims.inbox

    _fill(officer, operator, 3)
    exact = inbox_counts(executive)["total"]
    assert exact == 6
    assert inbox_counts(executive, limit=2)["total"] == 4  # two sources, each counted up to 2
    page = client_for(executive)
    monkeypatch.setattr(aims.inbox, "BADGE_LIMIT", 7)
    assert 'data-testid="inbox-count">6<' in page.get(reverse("inbox_badge")).content.decode()
    monkeypatch.setattr(aims.inbox, "BADGE_LIMIT", 6)
    assert 'data-testid="inbox-count">5+<' in page.get(reverse("inbox_badge")).content.decode()


def test_pages_ask_for_the_badge_once_shown_and_do_not_count_it(
    officer, operator, executive, client_for, client
):
    """Every page but the inbox leaves a slot the badge fills in (htmx): rendering a page
    never waits for the count of every inbox source."""
    _fill(officer, operator, 2)
    page = client_for(executive)
    html = page.get(reverse("notifications")).content.decode()
    assert 'data-testid="inbox-count-slot"' in html and 'data-testid="inbox-count"' not in html
    assert f'hx-get="{reverse("inbox_badge")}"' in html
    badge_response = page.get(reverse("inbox_badge"))
    assert badge_response.status_code == 200 and badge(badge_response.content.decode()) == 4
    assert badge_response["Cache-Control"] == "private, no-store"
    inbox_page = page.get(reverse("inbox")).content.decode()  # counted there anyway: inline
    assert badge(inbox_page) == 4 and 'data-testid="inbox-count-slot"' not in inbox_page
    assert client.get(reverse("inbox_badge")).status_code == 302  # signed out: to the login
