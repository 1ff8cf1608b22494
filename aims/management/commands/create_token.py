from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from aims.choices import TokenScope
from aims.management.base import AimsCommand
from aims.services.accounts import token_create


class Command(AimsCommand):
    help = "Create a personal API token for a user and print only the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--scope", required=True, choices=TokenScope.values)
        parser.add_argument("--days", type=int, default=90, help="days until expiry")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        try:
            # The command is run by an operator on the user's behalf: the user is the actor.
            _token, raw = token_create(
                user=user,
                actor=user,
                name=options["name"],
                scope=options["scope"],
                days=options["days"],
            )
        except ValidationError as error:
            messages = "; ".join(
                f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items()
            )
            raise CommandError(messages) from None
        self.stdout.write(raw)
