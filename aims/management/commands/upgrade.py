"""``manage.py upgrade``: what a new release needs before the app starts, in one step."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Apply the migrations, then load the shipped reference library: a file of a higher "
        "version updates its framework in place, an unchanged one is left alone. The "
        "organisation's records are not touched. Run before the app starts (the compose "
        "file's one-shot migrate service does)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        call_command("load_library", stdout=self.stdout)
