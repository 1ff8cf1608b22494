from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from aims.library import LibraryError, parse_library
from aims.management.base import AimsCommand
from aims.services.library import library_load

LIBRARY_DIR = Path(settings.BASE_DIR) / "library"
#: Data of the library that is not a framework or a mapping set (``aims.readiness``).
NOT_LOADED = ("readiness",)


def shipped_files() -> list[Path]:
    """Every framework and mapping file under ``library/``."""
    return sorted(
        path
        for path in LIBRARY_DIR.rglob("*.yaml")
        if path.relative_to(LIBRARY_DIR).parts[0] not in NOT_LOADED
    )


class Command(AimsCommand):
    help = (
        "Load the reference library (every YAML file under library/, or the files named). "
        "Idempotent; all-or-nothing; --check validates without writing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="library files (default: all of library/)")
        parser.add_argument("--check", action="store_true", help="validate only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(p) for p in options["paths"]] or shipped_files()
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        files = [(self._label(path), path.read_bytes()) for path in paths]
        try:
            if options["check"]:
                parsed = parse_library(files)
                for item in parsed:
                    self.stdout.write(f"ok        {item.label}  {item.urn}")
                return
            outcomes = library_load(files=files, actor=None)
        except LibraryError as exc:
            raise CommandError("\n".join(exc.summary)) from None
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        for outcome in outcomes:
            self.stdout.write(f"{outcome.result:<10}{outcome.label}  {outcome.urn}")

    @staticmethod
    def _label(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(settings.BASE_DIR))
        except ValueError:
            return str(path)
