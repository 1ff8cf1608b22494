"""Notifications: in-app list, once-only by key, e-mail through a real Celery worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models import Notification
from aims.services.accounts import notification_create, notifications_mark_read, profile_update
from aims.tasks import send_notification_email
from tests.celery_worker import running_worker, wait_until


def test_dedupe_key_makes_a_notification_once(officer):
    first = notification_create(recipient=officer, subject="Review due", dedupe_key="risk:1:2026")
    second = notification_create(recipient=officer, subject="Review due", dedupe_key="risk:1:2026")
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=officer).count() == 1


def test_subject_is_rendered_in_the_recipients_language(officer):
    profile_update(user=officer, language="en")
    english = notification_create(recipient=officer, subject=_("Notifications"), send_email=False)
    profile_update(user=officer, language="ja")
    japanese = notification_create(recipient=officer, subject=_("Notifications"), send_email=False)
    assert english.subject == "Notifications"
    assert japanese.subject == "通知"


def test_list_and_mark_read_in_the_ui(officer, viewer, client_for):
    mine = notification_create(recipient=officer, subject="Mine", send_email=False)
    notification_create(recipient=viewer, subject="Not mine", send_email=False)
    client = client_for(officer)
    html = client.get(reverse("notifications")).content.decode()
    assert "Mine" in html and "Not mine" not in html
    client.post(reverse("notifications"), {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_api_lists_only_own_and_marks_read(officer, viewer, api_client_for):
    theirs = notification_create(recipient=viewer, subject="Theirs", send_email=False)
    notification_create(recipient=officer, subject="A", send_email=False)
    notification_create(recipient=officer, subject="B", send_email=False)
    client = api_client_for(officer)
    assert client.get(reverse("api:notification-list")).json()["count"] == 2
    assert client.get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api:notification-read-all")).json() == {"marked_read": 2}
    unread = client.get(reverse("api:notification-list"), {"read_at__isnull": "true"}).json()
    assert unread["count"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_touches_only_own(officer, viewer):
    theirs = notification_create(recipient=viewer, subject="x", send_email=False)
    assert notifications_mark_read(user=officer, ids=[theirs.pk]) == 0


def test_no_email_when_the_user_opted_out(officer, django_capture_on_commit_callbacks):
    profile_update(user=officer, email_notifications=False)
    with django_capture_on_commit_callbacks() as callbacks:
        notification_create(recipient=officer, subject="Quiet")
    assert callbacks == []


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_email_is_sent_once_by_a_real_worker(make_user):
    user = make_user("viewer", username="mailme", email="mailme@example.com")
    with running_worker() as finished:
        with transaction.atomic():
            note = notification_create(recipient=user, subject="Hello", body="Body", url="/x/")
        assert wait_until(lambda: Notification.objects.get(pk=note.pk).emailed_at is not None)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["mailme@example.com"]
        assert mail.outbox[0].body.endswith("/x/")
        # The same task again (a retry, a duplicate delivery) sends nothing more.
        result = send_notification_email.delay(note.pk)
        assert wait_until(lambda: result.id in finished)
        assert len(mail.outbox) == 1
