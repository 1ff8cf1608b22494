from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.choices import NotificationKind
from aims.scope import Personal


class Notification(models.Model):
    """An in-app message to one user, optionally also sent by e-mail.

    Subject and body are rendered in the recipient's language when the notification is made.
    ``dedupe_key`` lets a job say "this exact message once": a second notification with the
    same key for the same user is not created.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=NotificationKind.choices, default="general"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    SCOPE = Personal("recipient")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="aims_notif_unread"),
            # One's notifications, newest first (the list), read off one index.
            models.Index(
                fields=["recipient", "created_at", "id"], name="aims_notif_recipient_created"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="%(app_label)s_%(class)s_unique_dedupe_key",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="%(app_label)s_%(class)s_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.subject
