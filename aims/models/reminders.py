"""Review reminders: the daily job's record of whom it reminded about which due date."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.models.notifications import Notification
from aims.scope import Personal


class ReviewReminder(models.Model):
    """One reminder to one owner that one record's date (its next review, or a validity or
    expiry date) is due soon or overdue.

    The row is what makes the reminder job send each reminder once: the database allows one
    row per record, date field, due date and recipient, so a second run on the same day (or a
    concurrent one) finds the row and sends nothing. A new due date (the record was reviewed
    and the next review set) is a new row and a new reminder. The record is linked generically
    (content type and id, like ``ChangeRecord``), so any ``ReviewableModel`` is covered.
    """

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(_("record id"), max_length=64)
    date_field = models.CharField(
        _("date field"),
        max_length=50,
        help_text=_("The field of the record the reminder is about, e.g. next_review_on."),
    )
    due_on = models.DateField(_("due on"), help_text=_("The date the reminder is about."))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="review_reminders",
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The in-app notification made for this reminder."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    emailed_at = models.DateTimeField(
        _("e-mailed at"),
        null=True,
        blank=True,
        help_text=_("When the reminder went out in a digest e-mail; empty if it has not."),
    )

    SCOPE = Personal("recipient")

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "date_field", "due_on", "recipient"],
                name="%(app_label)s_%(class)s_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.date_field} {self.due_on}"
