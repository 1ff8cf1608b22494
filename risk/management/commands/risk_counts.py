from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aims.management.base import AimsCommand
from risk.counts import kept_counts_drift, kept_counts_rebuild

SHOWN = 20


class Command(AimsCommand):
    help = (
        "Check the risk register's kept counts (heat maps, dashboard) against a fresh "
        "aggregate of the risks; exit code 1 if they differ. --rebuild replaces them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Replace the kept counts by a fresh aggregate of the risks, then check.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            written = kept_counts_rebuild()
            self.stdout.write(
                ngettext(
                    "Kept counts rebuilt: %(count)d row.",
                    "Kept counts rebuilt: %(count)d rows.",
                    written,
                )
                % {"count": written}
            )
        drift = kept_counts_drift()
        if drift.exact:
            self.stdout.write(_("The kept risk counts equal the risks."))
            return
        for table, key, kept, actual in drift.rows[:SHOWN]:
            self.stderr.write(
                _("%(table)s %(key)s: kept %(kept)d, risks %(actual)d")
                % {"table": table, "key": ", ".join(map(str, key)), "kept": kept, "actual": actual}
            )
        raise CommandError(
            ngettext(
                "%(count)d row of the kept risk counts differs from the risks; "
                "run manage.py risk_counts --rebuild.",
                "%(count)d rows of the kept risk counts differ from the risks; "
                "run manage.py risk_counts --rebuild.",
                len(drift.rows),
            )
            % {"count": len(drift.rows)}
        )
