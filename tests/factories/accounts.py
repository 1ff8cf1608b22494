"""Users, their API tokens and their notifications."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from aims.choices import NotificationKind, Role, TokenScope
from aims.models import ApiToken, Notification, UserProfile
from aims.services.accounts import notification_create, token_create
from tests.factories.base import ServiceFactory

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with ``roles`` (role codes, the names of the role groups) and the password
    ``PASSWORD``. Users are the personas of the tests, not governed records: they are saved
    directly, without a change record."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests truncate the groups the migration made.
            self.groups.set([Group.objects.get_or_create(name=role)[0] for role in extracted])

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        if create:
            UserProfile.objects.get_or_create(user=self, defaults={"language": extracted or ""})


class ApiTokenFactory(ServiceFactory):
    """A personal API token of ``user`` (an operational member unless given), made by
    ``token_create``; read-only unless ``scope="write"``. The token string, shown once in
    production, is kept on the returned row as ``token.raw`` for ``Authorization: Bearer``.
    The actor defaults to the user themself (only those who manage users make tokens for
    others)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory, roles=[Role.OPERATIONAL_MEMBER])
    name = factory.Sequence(lambda n: f"token {n}")
    scope = TokenScope.READ
    days = 30

    @classmethod
    def create_through_service(cls, *, actor: Any, user: Any, **fields: Any) -> ApiToken:
        token, raw = token_create(user=user, actor=actor or user, **fields)
        token.raw = raw  # type: ignore[attr-defined]
        return token


class NotificationFactory(ServiceFactory):
    """An in-app notification to ``recipient`` made by ``notification_create`` (no e-mail
    unless ``send_email=True``). Notifications are not governed: no change record."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something needs your attention."
    url = ""
    kind = NotificationKind.GENERAL
    send_email = False

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> Notification:
        notification = notification_create(**fields)
        if notification is None:
            raise ValueError(f"a notification with dedupe key {fields.get('dedupe_key')!r} exists")
        return notification
