"""Demo organisation and one user per role. Never part of the reference data, never loaded in
production unless asked for explicitly."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from aims import urns
from aims.changelog import change_record
from aims.choices import Action, Role
from aims.management.base import AimsCommand
from aims.models import Organization
from aims.registry import registry
from aims.services.accounts import user_create, user_set_password, user_update

DEMO_USERS = [
    ("officer", Role.GOVERNANCE_OFFICER, "Aiko", "Sato", "ja"),
    ("executive", Role.TOP_MANAGEMENT, "Kenji", "Tanaka", "ja"),
    ("operator", Role.OPERATIONAL_MEMBER, "Yuki", "Suzuki", "ja"),
    ("auditor", Role.INTERNAL_AUDITOR, "Haruto", "Ito", "en"),
    ("external_auditor", Role.EXTERNAL_AUDITOR, "Emma", "Clark", "en"),
    ("viewer", Role.VIEWER, "Mei", "Kobayashi", "ja"),
]


class Command(AimsCommand):
    help = "Load the demo organisation and the demo users (one per role). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo users even in production mode (never done by default).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo users in production mode (use --allow-production)."
            )
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(12)
        if not Organization.objects.exists():
            org = Organization.objects.create(
                name="Example Robotics K.K.",
                name_ja="株式会社サンプルロボティクス",
                description="Demo organisation: develops and operates AI-powered services.",
            )
            change_record(actor=None, action=Action.CREATE, obj=org)
        User = get_user_model()
        for username, role, first, last, language in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user_create(
                    actor=None,
                    username=username,
                    email=f"{username}@example.com",
                    first_name=first,
                    last_name=last,
                    roles=[role],
                    password=password,
                    language=language,
                )
            else:
                user_update(actor=None, user=user, roles=[role], is_active=True)
                if not user.check_password(password):
                    user_set_password(actor=None, user=user, password=password)
        from aims.models import Framework

        if not Framework.objects.filter(urn=urns.ISO_42001).exists():
            call_command("load_library", stdout=self.stdout)
        users = {username: User.objects.get(username=username) for username, *_r in DEMO_USERS}
        # Every app adds its demo records through the loader it registered (the core first),
        # so the core never imports a domain app.
        for _name, loader in registry.demo_loaders:
            loader(users=users)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {password}):")
        for username, role, *_rest in DEMO_USERS:
            self.stdout.write(f"  {username:<17} {Role(role).label}")
