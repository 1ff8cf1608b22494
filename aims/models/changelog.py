from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.choices import Action, ChangeSource
from aims.scope import ChangeLog

GENESIS_HASH = "0" * 64


def keyed_hash(record_hash: str, *, key: str | None = None) -> str:
    """The HMAC of a record: HMAC-SHA256 of its hash, keyed with ``CHANGE_LOG_HMAC_KEY`` (a
    secret the database never holds). The prefix keeps it apart from the anchor file's HMACs."""
    secret = (key if key is not None else settings.CHANGE_LOG_HMAC_KEY).encode("utf-8")
    message = f"aims-change-record:{record_hash}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete a change record through the ORM."""


class ChangeRecordQuerySet(models.QuerySet["ChangeRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Change records are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Change records are append-only.")


class ChangeRecord(models.Model):
    """One entry of the change log (DESIGN §7): who did what to which record, and when.

    Append-only (the ORM refuses updates and deletes; database triggers refuse them and
    TRUNCATE too) and hash-chained: ``record_hash`` is the SHA-256 of the record's canonical
    content, which includes the previous record's hash. ``record_hmac`` keys that hash with a
    secret the database does not hold (``CHANGE_LOG_HMAC_KEY``), so whoever can write to the
    database cannot re-hash a forged record unseen; the head of the chain is exported outside
    the database (``aims.changelog_anchors``). ``manage.py verify_change_log`` checks all three.
    """

    timestamp = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="change_records",
        null=True,
        blank=True,
        help_text=_("Empty for changes made by the system itself."),
    )
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=300)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ChangeSource.choices)
    correlation_id = models.CharField(
        _("request or task id"), max_length=64, blank=True, db_index=True
    )
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    record_hash = models.CharField(_("hash"), max_length=64, unique=True)
    record_hmac = models.CharField(
        _("HMAC"),
        max_length=64,
        blank=True,
        help_text=_(
            "HMAC-SHA256 of the hash, keyed with a secret kept outside the database. Empty on "
            "records written before HMACs were introduced, until anchor_change_log gives them "
            "one."
        ),
    )

    objects = ChangeRecordQuerySet.as_manager()

    SCOPE = ChangeLog()

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-id"], name="aims_change_object"),
            models.Index(fields=["actor", "-id"], name="aims_change_actor"),
            models.Index(fields=["timestamp", "id"], name="aims_change_timestamp"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=Action.values), name="%(app_label)s_%(class)s_action"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Change records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Change records are append-only.")

    def canonical_content(self, *, model_label: str | None = None) -> bytes:
        """The bytes that are hashed: every field that matters, in a fixed order and form."""
        label = model_label or f"{self.content_type.app_label}.{self.content_type.model}"
        content = {
            "timestamp": self.timestamp.isoformat(),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "action": self.action,
            "model": label,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "source": self.source,
            "correlation_id": self.correlation_id,
            "previous_hash": self.previous_hash,
        }
        return json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def compute_hash(self, *, model_label: str | None = None) -> str:
        return hashlib.sha256(self.canonical_content(model_label=model_label)).hexdigest()

    def has_valid_hmac(self) -> bool:
        """Whether ``record_hmac`` is the HMAC of ``record_hash`` under the configured key."""
        return hmac.compare_digest(self.record_hmac, keyed_hash(self.record_hash))
