"""``manage.py verify_evidence_pack PACK.zip``: the check shipped in every pack as
``verify.py`` (the same module, ``audit.pack.verify``), run from the platform."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.pack.verify import verify


class Command(BaseCommand):
    help = (
        "Re-hash every file of an evidence pack (a ZIP file or its unzipped folder) against "
        "its manifest; report missing, added or changed files. Exits non-zero on any difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pack", help="The pack's ZIP file, or the folder it was unzipped to.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify(options["pack"])
        lines = list(result.lines())
        for line in lines[:-1]:
            self.stdout.write(line)
        if not result.ok:
            raise CommandError(lines[-1], returncode=2 if result.errors else 1)
        self.stdout.write(self.style.SUCCESS(lines[-1]))
