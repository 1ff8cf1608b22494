"""The daily review-reminder job (DESIGN §8): every reviewable record that is due soon or
overdue reaches its owner once per record and due date, as in-app notifications and one
digest e-mail per person."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aims.celery import app
from aims.choices import NotificationKind
from aims.models import AISystem, Document, Notification, ReviewableModel, ReviewReminder
from aims.services.accounts import profile_update
from aims.services.documents import document_create
from aims.services.inventory import ai_system_create, ai_system_retire, ai_system_update
from aims.services.reminders import (
    reminder_sources,
    review_digest_send,
    review_reminders_send,
    reviewable_models,
)
from aims.tasks import send_review_digest, send_review_reminders
from tests.celery_worker import running_worker, wait_until

TODAY = date(2026, 6, 1)
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: date):
    """Travel to 09:00 in Japan on ``day`` (the clock keeps running: a worker needs it)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=TOKYO))


@pytest.fixture(autouse=True)
def _today():
    with at(TODAY):
        yield


@pytest.fixture
def run(django_capture_on_commit_callbacks, monkeypatch):
    """Run the reminder job; the digest tasks it enqueues on commit run here, in-process,
    instead of going to the broker."""
    monkeypatch.setattr(
        send_review_digest, "delay", lambda *args: send_review_digest.apply(args=args)
    )

    def run_job(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return review_reminders_send(**kwargs)

    return run_job


def system(name: str, owner, due: date | None, **fields) -> AISystem:
    return ai_system_create(
        actor=None, name=name, purpose=f"{name} purpose", owner=owner, next_review_on=due, **fields
    )


def document(title: str, owner, due: date | None) -> Document:
    return document_create(actor=None, title=title, owner=owner, next_review_on=due)


def english(*users) -> None:
    """Users without a language get the site's (Japanese); these tests read English."""
    for user in users:
        profile_update(user=user, language="en")


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


# --- What is found ----------------------------------------------------------------------------
def test_overdue_and_due_soon_records_are_reminded(officer, operator, run):
    english(officer, operator)
    late = system("Screener", officer, TODAY - timedelta(days=3))
    policy = document("AI policy", operator, TODAY + timedelta(days=14))  # last day of window

    outcome = run()

    assert (outcome.due, outcome.created, outcome.digests) == (2, 2, 2)
    overdue = Notification.objects.get(recipient=officer)
    assert overdue.kind == NotificationKind.REVIEW_DUE
    assert overdue.subject == "Review overdue: Screener (due on 2026-05-29)"
    assert "overdue" in overdue.body and "AI system" in overdue.body
    assert overdue.url == f"/ai-systems/{late.pk}/"
    due = Notification.objects.get(recipient=operator)
    assert due.subject == "Review due: AI policy on 2026-06-15"
    assert due.url == f"/documents/{policy.pk}/"
    reminder = ReviewReminder.objects.get(recipient=officer)
    assert reminder.content_type == ContentType.objects.get_for_model(AISystem)
    assert (reminder.object_id, reminder.date_field) == (str(late.pk), "next_review_on")
    assert reminder.due_on == TODAY - timedelta(days=3)
    assert reminder.notification == overdue
    assert reminder.emailed_at is not None


def test_not_due_ownerless_retired_and_deactivated_owners_are_skipped(officer, make_user, run):
    system("Later", officer, TODAY + timedelta(days=15))  # one day beyond the window
    system("No date", officer, None)
    system("Nobody's", None, TODAY)
    retired = system("Old", officer, TODAY - timedelta(days=30))
    ai_system_retire(actor=None, system=retired)
    gone = make_user("operator", username="gone")
    gone.is_active = False
    gone.save()
    document("Orphaned procedure", gone, TODAY)

    outcome = run()

    assert (outcome.due, outcome.created) == (0, 0)
    assert not ReviewReminder.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_window_is_the_setting(officer, settings, run):
    system("Today", officer, TODAY)
    system("Tomorrow", officer, TODAY + timedelta(days=1))
    settings.REVIEW_REMINDER_DAYS = 0
    assert run().created == 1
    settings.REVIEW_REMINDER_DAYS = 1
    assert run().created == 1
    assert set(ReviewReminder.objects.values_list("due_on", flat=True)) == {
        TODAY,
        TODAY + timedelta(days=1),
    }


def _concrete_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        if not sub._meta.abstract and not sub._meta.proxy:
            found.add(sub)
        found |= _concrete_subclasses(sub)
    return found


def test_every_concrete_reviewable_model_is_registered():
    """Whatever subclasses ReviewableModel (in this app or in risk, impact, controls, …) is
    registered by its app, so nothing due is forgotten; each named date field is a date."""
    discovered = set(reviewable_models())
    assert discovered == _concrete_subclasses(ReviewableModel)
    assert {AISystem, Document} <= discovered
    sources = reminder_sources()
    assert (AISystem, "next_review_on") in sources and (Document, "next_review_on") in sources
    assert {model for model, _field in sources} == discovered


def test_both_hooks_are_honoured(officer, monkeypatch, run):
    english(officer)
    document("Kept", officer, TODAY)
    document("Left out", officer, TODAY)
    monkeypatch.setattr(
        Document,
        "reminder_queryset",
        classmethod(lambda cls: cls._default_manager.filter(title="Kept")),
    )
    run()
    assert list(Notification.objects.values_list("subject", flat=True)) == [
        "Review due: Kept on 2026-06-01"
    ]
    monkeypatch.setattr(Document, "REMINDER_DATE_FIELDS", ("next_review_on", "created_at"))
    with pytest.raises(ImproperlyConfigured, match="created_at is not a DateField"):
        run()


# --- Once per record and due date -------------------------------------------------------------
def test_two_runs_on_one_day_send_once(officer, operator, run):
    english(officer, operator)
    screener = system("Screener", officer, TODAY - timedelta(days=1))
    system("Chatbot", officer, TODAY + timedelta(days=5))
    document("AI policy", officer, TODAY - timedelta(days=10))
    system("Scorer", operator, TODAY + timedelta(days=2))

    first = run()
    second = run()

    assert (first.created, first.digests) == (4, 2)
    assert (second.due, second.created, second.digests) == (4, 0, 0)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(recipient=officer).count() == 3
    assert Notification.objects.filter(recipient=operator).count() == 1
    # One digest lists all of the officer's records: overdue first (by date), then due soon.
    [digest] = mails_to(officer)
    assert digest.subject == "Reviews: 2 overdue, 1 due soon"
    body = digest.body
    assert body.index("AI policy") < body.index("Screener") < body.index("Due soon")
    assert body.index("Due soon") < body.index("Chatbot")
    assert f"{settings.SITE_URL}/ai-systems/{screener.pk}/" in body
    # The next day the same due dates are still the same reminders: nothing new.
    with at(TODAY + timedelta(days=1)):
        assert run().created == 0
    assert len(mail.outbox) == 2


def test_a_new_due_date_is_a_new_reminder(officer, run):
    screener = system("Screener", officer, TODAY)
    run()
    ai_system_update(actor=officer, system=screener, next_review_on=TODAY + timedelta(days=7))
    outcome = run()
    assert outcome.created == 1
    assert list(
        ReviewReminder.objects.filter(recipient=officer).values_list("due_on", flat=True)
    ) == [TODAY, TODAY + timedelta(days=7)]
    assert Notification.objects.filter(recipient=officer).count() == 2
    assert len(mails_to(officer)) == 2


def test_a_repeated_digest_task_sends_nothing(officer, django_capture_on_commit_callbacks):
    system("Screener", officer, TODAY)
    with django_capture_on_commit_callbacks() as callbacks:
        review_reminders_send()
    assert len(callbacks) == 1  # one digest for the officer, enqueued after the commit
    ids = list(ReviewReminder.objects.values_list("pk", flat=True))
    assert review_digest_send(user_id=officer.pk, reminder_ids=ids) is True
    assert review_digest_send(user_id=officer.pk, reminder_ids=ids) is False
    assert len(mail.outbox) == 1
    # Another user's ids never reach this user's digest.
    assert review_digest_send(user_id=officer.pk + 999, reminder_ids=ids) is False


def test_the_digest_is_plain_text(officer, run):
    english(officer)
    system("Q&A <bot>", officer, TODAY)
    run()
    [digest] = mails_to(officer)
    assert "- AI system “Q&A <bot>”: Next review 2026-06-01\n" in digest.body
    assert "&amp;" not in digest.body and "&lt;" not in digest.body
    assert digest.body.endswith(f"{settings.SITE_URL}/accounts/preferences/\n")


def test_email_off_gets_notifications_only(officer, make_user, django_capture_on_commit_callbacks):
    profile_update(user=officer, email_notifications=False)
    no_address = make_user("operator", username="no_address", email="")
    system("Screener", officer, TODAY)
    system("Scorer", no_address, TODAY)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = review_reminders_send()
    assert (outcome.created, outcome.digests) == (2, 0)
    assert callbacks == []
    assert Notification.objects.filter(recipient=officer).count() == 1
    assert Notification.objects.filter(recipient=no_address).count() == 1
    assert mail.outbox == []


def test_notifications_and_digest_are_in_the_recipients_language(officer, operator, run):
    profile_update(user=officer, language="ja")
    profile_update(user=operator, language="en")
    screener = system("Screener", officer, TODAY - timedelta(days=1))
    system("Scorer", operator, TODAY + timedelta(days=1))

    run()

    with translation.override("ja"):
        ja_type = str(AISystem._meta.verbose_name)
        ja_field = str(AISystem._meta.get_field("next_review_on").verbose_name)
    assert (ja_type, ja_field) != ("AI system", "next review")  # the catalogue translates them
    assert translation.get_language() == "en"  # the test itself speaks English
    ja_body = mails_to(officer)[0].body
    assert ja_type in ja_body and ja_field in ja_body and "AI system" not in ja_body
    assert f"{settings.SITE_URL}/ai-systems/{screener.pk}/" in ja_body
    assert ja_type in Notification.objects.get(recipient=officer).body
    en_body = mails_to(operator)[0].body
    assert "AI system “Scorer”: Next review 2026-06-02" in en_body
    assert "Due soon" in en_body and "Overdue" not in en_body
    assert "AI system" in Notification.objects.get(recipient=operator).body


# --- Bounded queries and concurrency ----------------------------------------------------------
def test_queries_do_not_grow_with_the_number_of_due_records(
    make_user, django_capture_on_commit_callbacks
):
    def queries_for(count: int) -> int:
        owner = make_user("operator", username=f"owner_of_{count}")
        for number in range(count):
            system(f"System {count}-{number}", owner, TODAY + timedelta(days=number % 10))
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
            outcome = review_reminders_send()
        assert outcome.created == count
        return len(queries)

    one, thirty = queries_for(1), queries_for(30)
    assert one == thirty
    # One query per reviewable model and date field, plus a fixed handful (content types,
    # existing reminders, insert, recipients, notifications, linking them, savepoints).
    assert thirty <= len(reminder_sources()) + 10


def test_the_digest_runs_the_same_queries_for_1_and_30_records(
    make_user, django_capture_on_commit_callbacks
):
    def queries_for(count: int) -> int:
        owner = make_user("operator", username=f"digest_of_{count}")
        for number in range(count):
            document(f"Procedure {count}-{number}", owner, TODAY + timedelta(days=number % 10))
        with django_capture_on_commit_callbacks():
            review_reminders_send()
        ids = list(ReviewReminder.objects.filter(recipient=owner).values_list("pk", flat=True))
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            assert review_digest_send(user_id=owner.pk, reminder_ids=ids) is True
        assert mails_to(owner)[0].body.count("Procedure") == count
        return len(queries)

    assert queries_for(1) == queries_for(30)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_run_creates_nothing_twice(make_user, caplog):
    """Two runs at once: the second waits on the first's uncommitted reminders (the unique
    constraint), then finds them and creates nothing."""
    # The message is logged at INFO: captured whatever level an earlier test (a Celery worker
    # configuring logging) left the loggers at.
    caplog.set_level(logging.INFO, logger="aims.services.reminders")
    owner = make_user("operator", username="owner", email="")  # no e-mail: no digest task
    system("Screener", owner, TODAY)
    document("AI policy", owner, TODAY - timedelta(days=2))
    outcomes = {}
    first_inserted, may_commit = threading.Event(), threading.Event()

    def first_run():
        try:
            with transaction.atomic():
                outcomes["first"] = review_reminders_send()
                first_inserted.set()
                may_commit.wait(10)
        finally:
            connections.close_all()

    def second_run():
        try:
            outcomes["second"] = review_reminders_send()
        finally:
            connections.close_all()

    first = threading.Thread(target=first_run)
    first.start()
    assert first_inserted.wait(10)
    second = threading.Thread(target=second_run)
    second.start()

    def second_is_waiting() -> bool:
        with connection.cursor() as cursor:
            # A lock this test's database waits for: other databases on the server (other
            # test runs) have waits of their own.
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
            return cursor.fetchone()[0] > 0

    assert wait_until(second_is_waiting, timeout=10)
    may_commit.set()
    first.join(10)
    second.join(10)
    assert outcomes["first"].created == 2
    assert outcomes["second"].created == 0
    assert "a concurrent run got there first" in caplog.text
    assert ReviewReminder.objects.count() == 2
    assert Notification.objects.count() == 2


# --- The schedule and a real worker -----------------------------------------------------------
def test_the_job_is_scheduled_daily_at_six_in_japan():
    entry = settings.CELERY_BEAT_SCHEDULE["send-review-reminders"]
    assert entry["task"] == send_review_reminders.name == "aims.tasks.send_review_reminders"
    assert entry["schedule"] == crontab(hour=21, minute=0)
    assert settings.CELERY_TIMEZONE == "UTC"
    assert "aims.tasks.send_review_digest" in app.tasks


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job_twice_and_mails_each_owner_once(make_user):
    alice = make_user("operator", username="alice", email="alice@example.com")
    bob = make_user("operator", username="bob", email="bob@example.com")
    system("Screener", alice, TODAY - timedelta(days=1))
    document("AI policy", alice, TODAY + timedelta(days=3))
    system("Scorer", bob, TODAY + timedelta(days=7))
    with running_worker() as finished:
        for _run in range(2):
            result = send_review_reminders.delay()
            assert wait_until(lambda result=result: result.id in finished)
        # The first run's digests were enqueued on its commit; wait until they are out.
        assert wait_until(lambda: not ReviewReminder.objects.filter(emailed_at=None).exists())
        assert wait_until(lambda: len(mail.outbox) >= 2)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert ReviewReminder.objects.count() == 3
    assert Notification.objects.filter(recipient=alice).count() == 2
    assert Notification.objects.filter(recipient=bob).count() == 1
