from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.choices import Language, Role, RoleGrantStatus, TokenScope
from aims.roles import Capability
from aims.scope import Personal


class UserProfile(models.Model):
    """A user's preferences: language of the UI and e-mails, e-mail notifications on/off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        blank=True,
        help_text=_("Language of the interface and of e-mails. Empty follows the browser."),
    )
    email_notifications = models.BooleanField(
        _("e-mail notifications"),
        default=True,
        help_text=_("Send reminders and notifications by e-mail as well as in the app."),
    )

    SCOPE = Personal("user")

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored.

    The token string is ``aims_<prefix>_<secret>``; the prefix finds the row, the digest
    proves the secret. It expires, can be revoked, and is read-only or read-write.
    """

    CHANGE_LOG_EXCLUDE = ("digest", "last_used_at")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the CI pipeline.")
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    digest = models.CharField(_("digest"), max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=5, choices=TokenScope.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    SCOPE = Personal("user", sees_all=Capability.MANAGE_USERS, requires=Capability.OWN_API_TOKENS)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="aims_apitoken_created"),
            models.Index(fields=["expires_at", "id"], name="aims_apitoken_expires"),
            models.Index(fields=["name", "id"], name="aims_apitoken_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="%(app_label)s_%(class)s_scope"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="%(app_label)s_%(class)s_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class RoleGrant(models.Model):
    """A request to give ``user`` a role that approves or accepts (governance officer, top
    management): it takes effect only when a second person who manages users confirms it.

    Whoever asks, and the person who would get the role, never confirm it; the request is
    listed for every other officer and each step is written to the change log. The rule is in
    the database as well as in ``aims.services.accounts``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RoleGrantStatus.choices,
        default=RoleGrantStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    SCOPE = Personal("user", sees_all=Capability.MANAGE_USERS, requires=Capability.MANAGE_USERS)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(status=RoleGrantStatus.PENDING),
                name="%(app_label)s_%(class)s_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoleGrantStatus.values),
                name="%(app_label)s_%(class)s_status",
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="%(app_label)s_%(class)s_role"
            ),
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("user")),
                name="%(app_label)s_%(class)s_not_for_oneself",
            ),
            models.CheckConstraint(
                condition=Q(status=RoleGrantStatus.PENDING, decided_at__isnull=True)
                | ~Q(status=RoleGrantStatus.PENDING) & Q(decided_at__isnull=False),
                name="%(app_label)s_%(class)s_decision_recorded",
            ),
            # Four eyes: a confirmation comes from a second person, never the one asking
            # nor the one who gets the role (a withdrawal is the requester's own decision).
            models.CheckConstraint(
                condition=~Q(status=RoleGrantStatus.CONFIRMED)
                | Q(decided_by__isnull=False)
                & ~Q(decided_by=models.F("requested_by"))
                & ~Q(decided_by=models.F("user")),
                name="%(app_label)s_%(class)s_confirmed_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.user}"
