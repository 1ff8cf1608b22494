"""The daily review-reminder job (DESIGN §8): owners hear once per record and due date.

``review_reminders_send`` finds every record whose review (or validity) date is due within
``REVIEW_REMINDER_DAYS`` or overdue, in every model the apps registered as reviewable, makes
one ``ReviewReminder`` and one in-app notification per record, date and owner, and enqueues
one digest e-mail per owner. ``review_digest_send`` sends that digest, once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from aims.choices import NotificationKind
from aims.models import Notification, ReviewableModel, ReviewReminder, UserProfile
from aims.people import person_name
from aims.registry import registry
from aims.services.accounts import profile_for
from aims.unavailable import send_task_on_commit

logger = logging.getLogger(__name__)
User = get_user_model()

# Rows per INSERT / UPDATE statement: a few thousand reminders take a handful of statements.
BATCH_SIZE = 500


@dataclass(frozen=True)
class ReviewReminderOutcome:
    """What one run of the reminder job did."""

    due: int  # records (per date field and owner) due within the window or overdue
    created: int  # new reminders, each with one in-app notification
    digests: int  # digest e-mails enqueued (one per owner with new reminders and e-mail on)


@dataclass(frozen=True)
class _Due:
    """One record's date that is due, before it is a reminder."""

    item: ReviewableModel
    content_type_id: int
    date_field: str
    due_on: date
    recipient_id: int

    @property
    def key(self) -> tuple[int, str, str, date, int]:
        return (
            self.content_type_id,
            str(self.item.pk),
            self.date_field,
            self.due_on,
            self.recipient_id,
        )


def reviewable_models() -> list[type[ReviewableModel]]:
    """The models the apps registered as reviewable (``registry.add_reviewable``), in
    registration order. A test checks that every concrete ``ReviewableModel`` is registered."""
    return list(registry.reviewable)  # type: ignore[arg-type]


def reminder_sources() -> list[tuple[type[ReviewableModel], str]]:
    """(model, date field) for every reviewable model and each of its
    ``REMINDER_DATE_FIELDS``; a name that is not a ``DateField`` of the model fails loudly."""
    sources: list[tuple[type[ReviewableModel], str]] = []
    for model in reviewable_models():
        for name in model.REMINDER_DATE_FIELDS:
            field = model._meta.get_field(name)  # FieldDoesNotExist names a wrong one
            if not isinstance(field, models.DateField) or isinstance(field, models.DateTimeField):
                raise ImproperlyConfigured(
                    f"{model._meta.label}.REMINDER_DATE_FIELDS: {name} is not a DateField."
                )
            sources.append((model, name))
    return sources


def _item_url(item: models.Model) -> str:
    get_url = getattr(item, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


def _due_items(*, horizon: date) -> list[_Due]:
    """One query per reviewable model and date field: rows with an active owner whose date is
    on or before ``horizon`` (overdue ones included)."""
    found: list[_Due] = []
    sources = reminder_sources()
    content_types = ContentType.objects.get_for_models(*{model for model, _name in sources})
    for model, date_field in sources:
        rows = model.reminder_queryset().filter(
            owner__isnull=False,
            owner__is_active=True,
            **{f"{date_field}__isnull": False, f"{date_field}__lte": horizon},
        )
        for item in rows.order_by(date_field, "pk"):
            found.append(
                _Due(
                    item=item,
                    content_type_id=content_types[model].pk,
                    date_field=date_field,
                    due_on=getattr(item, date_field),
                    recipient_id=item.owner_id,  # type: ignore[arg-type]
                )
            )
    return found


def _existing_keys(due: list[_Due]) -> set[tuple[int, str, str, date, int]]:
    """The keys of ``due`` that already have a reminder, in one query."""
    by_source: dict[tuple[int, str], set[str]] = defaultdict(set)
    for entry in due:
        by_source[(entry.content_type_id, entry.date_field)].add(str(entry.item.pk))
    condition = models.Q()
    for (content_type_id, date_field), object_ids in by_source.items():
        condition |= models.Q(
            content_type_id=content_type_id, date_field=date_field, object_id__in=object_ids
        )
    rows = ReviewReminder.objects.filter(
        condition, due_on__in={entry.due_on for entry in due}
    ).values_list("content_type_id", "object_id", "date_field", "due_on", "recipient_id")
    return set(rows)


def _insert_reminders(due: list[_Due]) -> list[tuple[ReviewReminder, _Due]]:
    """Insert a reminder for each entry and return the ones this run created.

    The unique constraint decides: when a concurrent run inserted some of the same reminders
    first, the bulk insert fails and each reminder is tried on its own, keeping only ours."""
    reminders = [
        ReviewReminder(
            content_type_id=entry.content_type_id,
            object_id=str(entry.item.pk),
            date_field=entry.date_field,
            due_on=entry.due_on,
            recipient_id=entry.recipient_id,
        )
        for entry in due
    ]
    try:
        with transaction.atomic():
            ReviewReminder.objects.bulk_create(reminders, batch_size=BATCH_SIZE)
        return list(zip(reminders, due, strict=True))
    except IntegrityError:
        logger.info("Review reminders: a concurrent run got there first; inserting one by one.")
    created: list[tuple[ReviewReminder, _Due]] = []
    for entry in due:
        reminder, was_created = ReviewReminder.objects.get_or_create(
            content_type_id=entry.content_type_id,
            object_id=str(entry.item.pk),
            date_field=entry.date_field,
            due_on=entry.due_on,
            recipient_id=entry.recipient_id,
        )
        if was_created:
            created.append((reminder, entry))
    return created


def _recipients(user_ids: Iterable[int]) -> dict[int, tuple[Any, str, bool]]:
    """user id → (user, language, wants e-mail), in one query. A user without a profile has
    the defaults (the site's language, e-mail on), as ``notification_create`` would give."""
    found: dict[int, tuple[Any, str, bool]] = {}
    for user in User.objects.filter(pk__in=set(user_ids)).select_related("profile"):
        try:
            profile: UserProfile | None = user.profile
        except UserProfile.DoesNotExist:
            profile = None
        language = (profile.language if profile else "") or settings.LANGUAGE_CODE
        wants_email = profile.email_notifications if profile else True
        found[user.pk] = (user, language, wants_email)
    return found


def _labels(model: type[models.Model], date_field: str) -> tuple[str, str]:
    """The record type and the date field's label, in the active language."""
    field = model._meta.get_field(date_field)
    return str(model._meta.verbose_name), str(field.verbose_name)  # type: ignore[union-attr]


def _notification(reminder: ReviewReminder, entry: _Due, *, today: date) -> Notification:
    """The in-app notification of a new reminder, in the active language."""
    record_type, field_label = _labels(type(entry.item), entry.date_field)
    values = {
        "item": str(entry.item),
        "date": entry.due_on.isoformat(),
        "type": record_type,
        "field": field_label,
    }
    if entry.due_on < today:
        subject = _("Review overdue: %(item)s (due on %(date)s)")
        body = _(
            "The %(field)s of the %(type)s “%(item)s”, which you own, was due on %(date)s "
            "and is overdue."
        )
    else:
        subject = _("Review due: %(item)s on %(date)s")
        body = _("The %(field)s of the %(type)s “%(item)s”, which you own, is due on %(date)s.")
    subject, body = subject % values, body % values
    return Notification(
        recipient_id=entry.recipient_id,
        kind=NotificationKind.REVIEW_DUE,
        subject=subject[:200],
        body=body,
        url=_item_url(entry.item)[:500],
        dedupe_key=f"review-reminder:{reminder.pk}",
    )


@transaction.atomic
def review_reminders_send(*, today: date | None = None) -> ReviewReminderOutcome:
    """Remind owners of records due for review within ``REVIEW_REMINDER_DAYS`` or overdue.

    For every concrete ``ReviewableModel`` and each of its ``REMINDER_DATE_FIELDS``, the rows
    of ``reminder_queryset()`` with an active owner and a date on or before ``today`` + the
    window get one ``ReviewReminder`` per (record, date field, due date, owner) — only if
    there is none yet, so a second run on the same day (or a concurrent one) creates and
    sends nothing. Each new reminder gets one in-app notification in the owner's language;
    each owner with new reminders and e-mail notifications on gets one digest e-mail, sent by
    a task after the commit.

    Queries are bounded by the number of reviewable models, not by the number of records:
    the notifications are inserted in bulk (rendered as ``notification_create`` renders them)
    rather than one ``notification_create`` call per reminder.
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.REVIEW_REMINDER_DAYS)
    due = _due_items(horizon=horizon)
    if not due:
        return ReviewReminderOutcome(due=0, created=0, digests=0)
    existing = _existing_keys(due)
    new = [entry for entry in due if entry.key not in existing]
    created = _insert_reminders(new) if new else []
    if not created:
        return ReviewReminderOutcome(due=len(due), created=0, digests=0)

    recipients = _recipients(entry.recipient_id for _reminder, entry in created)
    notifications: list[Notification] = []
    for reminder, entry in created:
        _user, language, _wants_email = recipients[entry.recipient_id]
        with translation.override(language):
            notifications.append(_notification(reminder, entry, today=today))
    Notification.objects.bulk_create(notifications, batch_size=BATCH_SIZE)
    reminder_ids: dict[int, list[int]] = defaultdict(list)
    for (reminder, entry), notification in zip(created, notifications, strict=True):
        reminder.notification = notification
        reminder_ids[entry.recipient_id].append(reminder.pk)
    ReviewReminder.objects.bulk_update(
        [reminder for reminder, _entry in created], ["notification"], batch_size=BATCH_SIZE
    )

    from aims.tasks import send_review_digest

    digests = 0
    for user_id, ids in reminder_ids.items():
        user, _language, wants_email = recipients[user_id]
        if wants_email and user.email:
            send_task_on_commit(send_review_digest, user_id, ids)
            digests += 1
    logger.info("Review reminders: %d due, %d new, %d digests.", len(due), len(created), digests)
    return ReviewReminderOutcome(due=len(due), created=len(created), digests=digests)


# --- The digest e-mail ----------------------------------------------------------------------
def _items_of(reminders: list[ReviewReminder]) -> dict[tuple[int, str], models.Model]:
    """(content type id, object id) → record, one query per record type."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for reminder in reminders:
        wanted[reminder.content_type_id].add(reminder.object_id)
    found: dict[tuple[int, str], models.Model] = {}
    for content_type_id, object_ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:  # the model was removed from the code
            continue
        pk_field = model._meta.pk
        assert pk_field is not None
        pks = [pk_field.to_python(object_id) for object_id in object_ids]
        for pk, item in model._default_manager.in_bulk(pks).items():
            found[(content_type_id, str(pk))] = item
    return found


@transaction.atomic
def review_digest_send(*, user_id: int, reminder_ids: Iterable[int]) -> bool:
    """E-mail ``user_id`` one digest of their reminders ``reminder_ids``, once.

    Only reminders not e-mailed yet are listed (locked while the mail goes out, so a repeated
    or concurrent task sends nothing), overdue ones first, then those due soon, each with an
    absolute link. The e-mail is in the recipient's language. Nothing is sent when the user
    has no address, is deactivated, or has turned e-mail notifications off meanwhile.
    Returns True when a mail went out now."""
    reminders = list(
        ReviewReminder.objects.select_for_update()
        .filter(recipient_id=user_id, pk__in=list(reminder_ids), emailed_at__isnull=True)
        .order_by("due_on", "pk")
    )
    if not reminders:
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    profile = profile_for(user)
    if not profile.email_notifications:
        return False
    items = _items_of(reminders)
    today = timezone.localdate()
    with translation.override(profile.language or settings.LANGUAGE_CODE):
        overdue: list[dict[str, str]] = []
        due_soon: list[dict[str, str]] = []
        listed: list[int] = []
        for reminder in reminders:
            item = items.get((reminder.content_type_id, reminder.object_id))
            if item is None:  # deleted since the reminder was made
                continue
            listed.append(reminder.pk)
            record_type, field_label = _labels(type(item), reminder.date_field)
            url = _item_url(item)
            entry = {
                "type": capfirst(record_type),
                "name": str(item),
                "field": capfirst(field_label),
                "due_on": reminder.due_on.isoformat(),
                "url": f"{settings.SITE_URL}{url}" if url else "",
            }
            (overdue if reminder.due_on < today else due_soon).append(entry)
        if not listed:
            return False
        subject = _("Reviews: %(overdue)d overdue, %(due_soon)d due soon") % {
            "overdue": len(overdue),
            "due_soon": len(due_soon),
        }
        body = render_to_string(
            "aims/email/review_digest.txt",
            {
                "name": person_name(user),
                "overdue": overdue,
                "due_soon": due_soon,
                "preferences_url": f"{settings.SITE_URL}{reverse('preferences')}",
            },
        ).strip()
    send_mail(
        subject=subject,
        message=f"{body}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    ReviewReminder.objects.filter(pk__in=listed).update(emailed_at=timezone.now())
    return True
