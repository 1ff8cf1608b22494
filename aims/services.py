"""Every write of the core app. Keyword-only, typed, atomic, actor passed in explicitly."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aims.changelog import change_record, snapshot
from aims.choices import Action, NotificationKind, Role, TokenScope
from aims.models import ApiToken, Notification, UserProfile
from aims.roles import Capability, forget_roles, has_capability

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
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    change_record(actor=actor, action=Action.REVOKE, obj=token, before=before)
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

        notification_id = notification.pk
        transaction.on_commit(lambda: send_notification_email.delay(notification_id))
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


# --- Reference library ----------------------------------------------------------------------
@dataclass
class LibraryOutcome:
    label: str
    urn: str
    result: str  # created | updated | unchanged | official_text


def _framework_fields(parsed: Any) -> dict[str, Any]:
    return {
        "urn_prefix": parsed.urn_prefix, "ref_id": parsed.ref_id, "version": parsed.version,
        "category": parsed.category, "publisher": parsed.publisher, "source": parsed.source,
        "name_en": parsed.name_en, "name_ja": parsed.name_ja,
        "description_en": parsed.description_en, "description_ja": parsed.description_ja,
        "file_sha256": parsed.sha256,
    }  # fmt: skip


_REQUIREMENT_FIELDS = (
    "ref_id", "order", "depth", "assessable", "name_en", "name_ja", "summary_en", "summary_ja",
    "typical_evidence_en", "typical_evidence_ja", "tags", "attributes",
)  # fmt: skip


def _library_summary(obj: Any, count: int) -> dict[str, Any]:
    return {"version": obj.version, "items": count, "sha256": obj.file_sha256}


def _load_framework(parsed: Any, *, actor: Actor, shipped: bool) -> str:
    from aims.models import Framework, Requirement

    framework = Framework.objects.filter(urn=parsed.urn).first()
    if framework is not None:
        if parsed.version < framework.version:
            raise ValidationError(
                f"{parsed.label}: version {parsed.version} is older than the loaded "
                f"version {framework.version} of {parsed.urn}"
            )
        if parsed.version == framework.version:
            if parsed.has_official_text:
                return _import_official_text(parsed, framework, actor=actor)
            if parsed.sha256 == framework.file_sha256:
                return "unchanged"
            raise ValidationError(
                f"{parsed.label}: the content of {parsed.urn} changed but its version did not "
                f"(still {parsed.version}); raise the version to update it"
            )
    before = (
        None if framework is None else _library_summary(framework, framework.requirements.count())
    )
    if framework is None:
        framework = Framework(urn=parsed.urn, shipped=shipped)
    for name, value in _framework_fields(parsed).items():
        setattr(framework, name, value)
    framework.save()
    existing = {r.urn: r for r in Requirement.objects.filter(framework=framework)}
    by_ref: dict[str, Any] = {}
    # Free the ref ids first, so renumbered items cannot collide with each other.
    Requirement.objects.filter(framework=framework).update(
        ref_id=Concat(Value("~"), Cast("id", CharField()), output_field=CharField())
    )
    for item in parsed.requirements:
        requirement = existing.pop(item.urn, None) or Requirement(framework=framework, urn=item.urn)
        for name in _REQUIREMENT_FIELDS:
            setattr(requirement, name, getattr(item, name))
        if item.official_text_en or item.official_text_ja:
            requirement.official_text_en = item.official_text_en
            requirement.official_text_ja = item.official_text_ja
        requirement.parent = by_ref[item.parent_ref] if item.parent_ref else None
        requirement.withdrawn = False
        requirement.save()
        by_ref[item.ref_id] = requirement
    for gone in existing.values():  # no longer in the file: kept for references, withdrawn
        gone.ref_id = f"{gone.urn.rsplit(':', 1)[-1]}~withdrawn"
        gone.withdrawn = True
        gone.save(update_fields=["ref_id", "withdrawn"])
    change_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=framework,
        before=before,
        after=_library_summary(framework, len(parsed.requirements)),
    )
    return "created" if before is None else "updated"


def _import_official_text(parsed: Any, framework: Any, *, actor: Actor) -> str:
    from aims.models import Requirement

    rows = {r.urn: r for r in Requirement.objects.filter(framework=framework)}
    unknown = [item.urn for item in parsed.requirements if item.urn not in rows]
    if unknown:
        raise ValidationError(f"{parsed.label}: unknown requirements {', '.join(unknown[:5])}")
    count = 0
    for item in parsed.requirements:
        if item.official_text_en or item.official_text_ja:
            row = rows[item.urn]
            row.official_text_en, row.official_text_ja = (
                item.official_text_en,
                item.official_text_ja,
            )
            row.save(update_fields=["official_text_en", "official_text_ja"])
            count += 1
    change_record(
        actor=actor, action=Action.UPDATE, obj=framework, before=None,
        after={"official_text_imported": count, "sha256": parsed.sha256},
    )  # fmt: skip
    return "official_text"


def _load_mapping_set(parsed: Any, *, actor: Actor) -> str:
    from aims.models import Framework, Mapping, MappingSet, Requirement

    mapping_set = MappingSet.objects.filter(urn=parsed.urn).first()
    if mapping_set is not None:
        if parsed.version < mapping_set.version or (
            parsed.version == mapping_set.version and parsed.sha256 != mapping_set.file_sha256
        ):
            raise ValidationError(
                f"{parsed.label}: {parsed.urn} is loaded at version {mapping_set.version}; "
                f"raise the version above it to change the mappings"
            )
        if parsed.sha256 == mapping_set.file_sha256:
            return "unchanged"
    frameworks = {f.urn: f for f in Framework.objects.filter(
        urn__in=[parsed.source_framework, parsed.target_framework])}  # fmt: skip
    errors = [
        f"{parsed.label}: framework {urn} is not in the library"
        for urn in (parsed.source_framework, parsed.target_framework)
        if urn not in frameworks
    ]
    if errors:
        raise ValidationError(errors)
    requirements: dict[str, Any] = {
        r.urn: r for r in Requirement.objects.filter(
            framework__urn__in=frameworks, urn__in={m.source for m in parsed.mappings}
            | {m.target for m in parsed.mappings})
    }  # fmt: skip
    source_fw, target_fw = frameworks[parsed.source_framework], frameworks[parsed.target_framework]
    for index, item in enumerate(parsed.mappings, start=1):
        for side, urn, framework in (("source", item.source, source_fw),
                                     ("target", item.target, target_fw)):  # fmt: skip
            row = requirements.get(urn)
            if row is None or row.framework_id != framework.pk:
                errors.append(
                    f"{parsed.label}: mapping {index}: {side} {urn} does not resolve to a "
                    f"requirement of {framework.urn}"
                )
    if errors:
        raise ValidationError(errors)
    before = None
    if mapping_set is None:
        mapping_set = MappingSet(urn=parsed.urn)
    else:
        before = _library_summary(mapping_set, mapping_set.mappings.count())
        mapping_set.mappings.all().delete()
    for name in ("version", "name_en", "name_ja", "description_en", "description_ja"):
        setattr(mapping_set, name, getattr(parsed, name))
    mapping_set.source_framework, mapping_set.target_framework = source_fw, target_fw
    mapping_set.file_sha256 = parsed.sha256
    mapping_set.save()
    Mapping.objects.bulk_create(
        Mapping(mapping_set=mapping_set, source=requirements[m.source],
                target=requirements[m.target], relationship=m.relationship,
                rationale_en=m.rationale_en, rationale_ja=m.rationale_ja)
        for m in parsed.mappings
    )  # fmt: skip
    change_record(
        actor=actor, action=Action.CREATE if before is None else Action.UPDATE, obj=mapping_set,
        before=before, after=_library_summary(mapping_set, len(parsed.mappings)),
    )  # fmt: skip
    return "created" if before is None else "updated"


@transaction.atomic
def library_load(
    *,
    files: Iterable[tuple[str, bytes]],
    actor: Actor,
    shipped: bool = True,
    allow_official_text: bool = False,
) -> list[LibraryOutcome]:
    """Load library files all-or-nothing. Raises ``ValidationError`` naming every problem."""
    from aims.library import LibraryError, ParsedFramework, parse_library

    try:
        parsed = parse_library(files, allow_official_text=allow_official_text)
    except LibraryError as exc:
        raise ValidationError(exc.errors) from None
    outcomes = []
    for item in parsed:
        if isinstance(item, ParsedFramework):
            result = _load_framework(item, actor=actor, shipped=shipped)
        else:
            result = _load_mapping_set(item, actor=actor)
        outcomes.append(LibraryOutcome(item.label, item.urn, result))
    return outcomes
