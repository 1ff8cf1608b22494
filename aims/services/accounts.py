"""Writes of accounts: API tokens, profiles, users and roles, notifications."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged, snapshot
from aims.choices import Action, NotificationKind, Role, TokenScope
from aims.models import ApiToken, Notification, UserProfile
from aims.roles import Capability, forget_roles, has_capability
from aims.unavailable import send_task_on_commit

logger = logging.getLogger(__name__)
User = get_user_model()
Actor = AbstractBaseUser | AnonymousUser | None


# --- API tokens -----------------------------------------------------------------------------
def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(
    *, user: Any, actor: Actor, name: str, scope: str, days: int = 90
) -> tuple[ApiToken, str]:
    """Create a personal token for ``user``. Returns the row and the token string, which is
    shown once and never stored."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the token a name.")]
    elif len(name) > 100:
        errors["name"] = [_("The name is at most 100 characters.")]
    if scope not in TokenScope.values:
        errors["scope"] = [_("Choose read or write.")]
    max_days = settings.API_TOKEN_MAX_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= max_days:
        errors["days"] = [_("A token lives between 1 and %(max)d days.") % {"max": max_days}]
    if not has_capability(user, Capability.OWN_API_TOKENS):
        errors["user"] = [_("This user's role does not allow API tokens.")]
    if actor is None or (actor != user and not has_capability(actor, Capability.MANAGE_USERS)):
        errors["user"] = [_("You can only create tokens for yourself.")]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    raw = f"{settings.AIMS_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=token_digest(raw),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    change_record(actor=actor, action=Action.CREATE, obj=token)
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    if token.revoked_at is not None:
        return token
    with logged(token, actor=actor, action=Action.REVOKE, always=True):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_touch(*, token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (not a governed change)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Profiles -------------------------------------------------------------------------------
def profile_for(user: Any) -> UserProfile:
    profile, _created = UserProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *, user: Any, language: str | None = None, email_notifications: bool | None = None
) -> UserProfile:
    profile = profile_for(user)
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": [_("Unknown language.")]})
        profile.language = language
    if email_notifications is not None:
        profile.email_notifications = email_notifications
    profile.full_clean()
    profile.save()
    return profile


# --- Users and roles ------------------------------------------------------------------------
def _role_groups(roles: Iterable[str]) -> list[Group]:
    roles = list(dict.fromkeys(roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise ValidationError({"roles": [_("Unknown role: %(role)s") % {"role": unknown[0]}]})
    return list(Group.objects.filter(name__in=roles))


def _validate_password(password: str, user: Any) -> None:
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None


def _user_snapshot(user: Any) -> dict[str, Any]:
    data = {
        key: value for key, value in snapshot(user).items() if key not in {"password", "last_login"}
    }
    data["roles"] = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    data.pop("groups", None)
    data.pop("user_permissions", None)
    return data


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[str] = (),
    password: str | None = None,
    language: str = "",
) -> Any:
    """Create a user with the given roles. Without a password the account cannot log in
    until one is set."""
    groups = _role_groups(roles)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        _validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(groups)
    UserProfile.objects.create(user=user, language=language)
    change_record(actor=actor, action=Action.CREATE, obj=user, after=_user_snapshot(user))
    return user


@transaction.atomic
def user_update(
    *,
    actor: Actor,
    user: Any,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> Any:
    before = _user_snapshot(user)
    if actor is not None and actor == user and is_active is False:
        raise ValidationError({"is_active": [_("You cannot deactivate your own account.")]})
    if email is not None:
        user.email = email
    if first_name is not None:
        user.first_name = first_name
    if last_name is not None:
        user.last_name = last_name
    if is_active is not None:
        user.is_active = is_active
    user.full_clean(exclude=["password"])
    user.save()
    if roles is not None:
        user.groups.set(_role_groups(roles))
        forget_roles(user)
    after = _user_snapshot(user)
    if after != before:
        change_record(actor=actor, action=Action.UPDATE, obj=user, before=before, after=after)
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user: Any, password: str) -> Any:
    """Set a password (validated). The change log notes that it changed, never the value."""
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    change_record(
        actor=actor,
        action=Action.UPDATE,
        obj=user,
        before={"password": "(previous)"},
        after={"password": "(changed)"},
    )
    return user


# --- Notifications --------------------------------------------------------------------------
def in_recipient_language(message: str, **params: Any) -> Any:
    """``message`` (marked with ``gettext_noop``) with ``params``, translated only when it is
    rendered, so that ``notification_create`` writes it in the recipient's language."""
    return lazy(lambda: _(message) % params, str)()


@transaction.atomic
def notification_create(
    *,
    recipient: Any,
    subject: Any,
    body: Any = "",
    url: str = "",
    kind: str = NotificationKind.GENERAL,
    dedupe_key: str = "",
    send_email: bool = True,
) -> Notification | None:
    """Notify ``recipient`` in their language. Returns None when a notification with the same
    ``dedupe_key`` exists already (the job that sends it has run before)."""
    if (
        dedupe_key
        and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists()
    ):
        return None
    profile = profile_for(recipient)
    with translation.override(profile.language or settings.LANGUAGE_CODE):
        subject_text, body_text = str(subject), str(body)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                subject=subject_text[:200],
                body=body_text,
                url=url,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None  # a concurrent run created the same one
    if send_email and profile.email_notifications and recipient.email:
        from aims.tasks import send_notification_email

        send_task_on_commit(send_notification_email, notification.pk)
    return notification


@transaction.atomic
def notification_send_email(*, notification_id: int) -> bool:
    """Send one notification by e-mail, once. Returns True when a mail went out now."""
    notification = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    recipient = notification.recipient
    if not recipient.email or not profile_for(recipient).email_notifications:
        return False
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL}{notification.url}".strip()
    send_mail(
        subject=notification.subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[recipient.email],
    )
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())
