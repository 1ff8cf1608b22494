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
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aims.changelog import change_record, logged, logged_update, snapshot
from aims.choices import Action, NotificationKind, Role, RoleGrantStatus, TokenScope
from aims.models import ApiToken, Notification, RoleGrant, UserProfile
from aims.roles import Capability, forget_roles, has_capability, roles_with
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
#: Roles that approve, accept risks or manage users. Giving one takes two people: the officer
#: who asks (a pending ``RoleGrant``) and another who confirms.
APPROVING_ROLES = (
    roles_with(Capability.APPROVE)
    | roles_with(Capability.ACCEPT_RISK_ABOVE_CRITERIA)
    | roles_with(Capability.MANAGE_USERS)
)


def _role_names(roles: Iterable[str]) -> set[str]:
    names = list(dict.fromkeys(roles))
    unknown = [role for role in names if role not in Role.values]
    if unknown:
        raise ValidationError({"roles": [_("Unknown role: %(role)s") % {"role": unknown[0]}]})
    return set(names)


def _role_groups(roles: Iterable[str]) -> list[Group]:
    return list(Group.objects.filter(name__in=_role_names(roles)))


def _current_roles(user: Any) -> set[str]:
    if user.pk is None:
        return set()
    return set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


def _person(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _grants_directly(actor: Actor) -> bool:
    """Whether ``actor`` gives approving roles without a second person: the platform itself (a
    command such as the demo loader) and a superuser, the break-glass account that creates the
    first governance officer. Both are written to the change log like everyone else."""
    person = _person(actor)
    return person is None or bool(person.is_superuser)


def _validate_password(password: str, user: Any) -> None:
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None


def user_snapshot(user: Any) -> dict[str, Any]:
    """An account as the change log holds it: its fields and role codes, never the password
    hash."""
    data = {
        key: value for key, value in snapshot(user).items() if key not in {"password", "last_login"}
    }
    data["roles"] = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    data.pop("groups", None)
    data.pop("user_permissions", None)
    return data


def _check_not_privileged(actor: Actor, user: Any) -> None:
    """Staff and superuser accounts reach the admin; only a superuser changes them."""
    person = _person(actor)
    if person is None or person.is_superuser or person.pk == user.pk:
        return
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Staff and superuser accounts are changed by a superuser only.")]}
        )


def _check_officers_remain(user: Any, *, roles_after: set[str], active_after: bool) -> None:
    """Refuse to leave the organisation without an active governance officer (nobody would
    manage users any more). Locks the officers' group row so that two officers demoting each
    other at the same moment are decided one after the other."""
    officer = Role.GOVERNANCE_OFFICER
    was = user.pk is not None and user.is_active and officer in _current_roles(user)
    if not was or (active_after and officer in roles_after):
        return
    list(Group.objects.select_for_update().filter(name=officer))
    others = User.objects.filter(is_active=True, groups__name=officer).exclude(pk=user.pk)
    if not others.exists():
        field = "is_active" if officer in roles_after else "roles"
        raise ValidationError(
            {
                field: [
                    _(
                        "The last active governance officer cannot be demoted or deactivated: "
                        "give the role to someone else first."
                    )
                ]
            }
        )


def _notify_officers(grant: RoleGrant) -> None:
    """Tell every other active officer that a role grant awaits a second person."""
    from django.urls import reverse

    officers = User.objects.filter(is_active=True, groups__name=Role.GOVERNANCE_OFFICER).exclude(
        pk__in=[grant.requested_by_id, grant.user_id]
    )
    role = Role(grant.role).label
    for officer in officers:
        notification_create(
            recipient=officer,
            subject=in_recipient_language(
                gettext_noop("Role to confirm: %(role)s for %(user)s"),
                role=role,
                user=str(grant.user),
            ),
            body=in_recipient_language(
                gettext_noop(
                    "%(requester)s asks to give %(user)s the role “%(role)s”. It takes effect "
                    "when another governance officer confirms it on the users page."
                ),
                requester=str(grant.requested_by),
                user=str(grant.user),
                role=role,
            ),
            url=reverse("users"),
            dedupe_key=f"role-grant:{grant.pk}",
        )


def _request_grants(actor: Actor, user: Any, roles: set[str]) -> list[RoleGrant]:
    pending = set(
        RoleGrant.objects.filter(
            user=user, role__in=roles, status=RoleGrantStatus.PENDING
        ).values_list("role", flat=True)
    )
    grants = []
    for role in sorted(roles - pending):
        grant = RoleGrant.objects.create(user=user, role=role, requested_by=_person(actor))
        change_record(actor=actor, action=Action.CREATE, obj=grant)
        _notify_officers(grant)
        grants.append(grant)
    return grants


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
    until one is set. A role that approves or accepts is requested, not given: it takes
    effect when a second officer confirms it (``role_grant_confirm``)."""
    wanted = _role_names(roles)
    asked = set() if _grants_directly(actor) else wanted & APPROVING_ROLES
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        _validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _set_roles(user, wanted - asked)
    UserProfile.objects.create(user=user, language=language)
    change_record(actor=actor, action=Action.CREATE, obj=user, after=user_snapshot(user))
    _request_grants(actor, user, asked)
    return user


def _set_roles(user: Any, roles: set[str]) -> None:
    """Give ``user`` exactly ``roles``, leaving groups that are not roles alone."""
    user.groups.remove(*Group.objects.filter(name__in=set(Role.values) - roles))
    user.groups.add(*_role_groups(roles))
    forget_roles(user)


def user_change_check(
    *, actor: Actor, user: Any, roles: Iterable[str] | None = None, is_active: bool | None = None
) -> tuple[set[str], set[str]]:
    """Check a change of ``user``'s roles or active flag by ``actor`` (raises
    ``ValidationError`` naming the field). Returns the roles the user will hold now and those
    newly asked for, which wait for a second officer. Every path that changes accounts (the
    users page, the admin) asks this before changing anything."""
    current = _current_roles(user)
    wanted = current if roles is None else _role_names(roles)
    person = _person(actor)
    errors: dict[str, list[str]] = {}
    if person is not None and person.pk == user.pk:
        if wanted != current:
            errors["roles"] = [_("Nobody changes their own roles: ask another governance officer.")]
        if is_active is False:
            errors["is_active"] = [_("You cannot deactivate your own account.")]
    if errors:
        raise ValidationError(errors)
    _check_not_privileged(actor, user)
    asked = set() if _grants_directly(actor) else (wanted - current) & APPROVING_ROLES
    applied = wanted - asked
    _check_officers_remain(
        user,
        roles_after=applied,
        active_after=user.is_active if is_active is None else is_active,
    )
    return applied, asked


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
    """Change an account. Nobody changes their own roles or deactivates themselves; only a
    superuser changes a staff or superuser account; the last active governance officer stays
    one. A role that approves or accepts, newly given, is requested (a pending
    ``RoleGrant`` another officer confirms); every other change applies at once."""
    before = user_snapshot(user)
    current = _current_roles(user)
    applied, asked = user_change_check(actor=actor, user=user, roles=roles, is_active=is_active)
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
    if applied != current:
        _set_roles(user, applied)
    after = user_snapshot(user)
    if after != before:
        change_record(actor=actor, action=Action.UPDATE, obj=user, before=before, after=after)
    _request_grants(actor, user, asked)
    return user


def _decider(actor: Actor, grant: RoleGrant) -> Any:
    person = _person(actor)
    if person is None or not (
        person.is_superuser or has_capability(person, Capability.MANAGE_USERS)
    ):
        raise ValidationError(_("Only a governance officer decides on a role grant."))
    if grant.status != RoleGrantStatus.PENDING:
        raise ValidationError(_("This role grant was decided already."))
    if person.pk == grant.user_id:
        raise ValidationError(_("Nobody decides on a role for themselves."))
    return person


@transaction.atomic
def role_grant_confirm(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    """The second person confirms a pending role grant: the user gets the role. Neither the
    officer who asked nor the user who gets it confirms."""
    grant = RoleGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    person = _decider(actor, grant)
    if person.pk == grant.requested_by_id:
        raise ValidationError(
            _("You asked for this role grant: another governance officer confirms it.")
        )
    user = grant.user
    _check_not_privileged(actor, user)
    before = user_snapshot(user)
    logged_update(
        grant,
        actor=actor,
        action=Action.APPROVE,
        status=RoleGrantStatus.CONFIRMED,
        decided_by=person,
        decided_at=timezone.now(),
    )
    user.groups.add(*_role_groups([grant.role]))
    forget_roles(user)
    change_record(
        actor=actor, action=Action.GRANT, obj=user, before=before, after=user_snapshot(user)
    )
    return grant


@transaction.atomic
def role_grant_refuse(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    """Refuse a pending role grant (another officer), or withdraw it (the one who asked)."""
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    person = _decider(actor, grant)
    withdrawn = person.pk == grant.requested_by_id
    logged_update(
        grant,
        actor=actor,
        action=Action.REVOKE,
        status=RoleGrantStatus.WITHDRAWN if withdrawn else RoleGrantStatus.REFUSED,
        decided_by=person,
        decided_at=timezone.now(),
    )
    return grant


@transaction.atomic
def user_set_password(*, actor: Actor, user: Any, password: str) -> Any:
    """Set a password (validated). The change log notes that it changed, never the value.
    Only a superuser sets the password of someone else's staff or superuser account."""
    _check_not_privileged(actor, user)
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


def notify_people(
    people: Any,
    *,
    actor: Actor,
    subject: str,
    body: str,
    url: str,
    key: str,
    **values: Any,
) -> None:
    """Tell each of ``people`` about a workflow step, once each and never the person who took
    it, in their own language (in the app, and by e-mail when they want it). ``subject`` and
    ``body`` are ``gettext_noop`` messages; ``values`` fill them, with ``actor`` as the doer's
    name."""
    from aims.people import person_name

    doer = actor if actor is not None and actor.is_authenticated else None
    values = {"actor": person_name(doer), **values}
    seen: set[int] = set()
    for person in people:
        if person is None or not person.is_active or person.pk in seen:
            continue
        if doer is not None and person.pk == doer.pk:
            continue
        seen.add(person.pk)
        notification_create(
            recipient=person,
            kind=NotificationKind.WORKFLOW,
            subject=in_recipient_language(subject, **values),
            body=in_recipient_language(body, **values),
            url=url,
            dedupe_key=key,
        )


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
