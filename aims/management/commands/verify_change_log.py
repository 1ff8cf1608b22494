from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aims.changelog_anchors import LogVerification, verify_log
from aims.management.base import AimsCommand

SHOWN = 50


def warnings(result: LogVerification) -> list[str]:
    """What does not break the log but limits what the check can prove."""
    found = []
    chain = result.chain
    if chain.unsigned_count:
        found.append(
            _(
                "Records #%(first)s to #%(last)s (%(count)d, the last written at %(time)s) carry "
                "no HMAC: they were written before HMACs were introduced. Run manage.py "
                "anchor_change_log once to give them one."
            )
            % {
                "first": chain.unsigned_first,
                "last": chain.unsigned_last,
                "count": chain.unsigned_count,
                "time": chain.unsigned_last_time.isoformat(),
            }
        )
    if chain.checked and result.newest_anchor is None:
        found.append(
            _(
                "No anchor of the log has been exported to %(path)s yet: a deletion of the "
                "newest records cannot be detected. The beat task exports one every "
                "%(minutes)d minutes; manage.py anchor_change_log exports one now."
            )
            % {"path": result.anchor_file, "minutes": settings.CHANGE_LOG_ANCHOR_MINUTES}
        )
    return found


class Command(AimsCommand):
    help = (
        "Check the change log: its hash chain, every record's HMAC and every anchor exported "
        "outside the database. Names each broken record and why; exit code 1 if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the report (default: the active language, LANGUAGE_CODE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("language"):
            with translation.override(options["language"]):
                self.report(verify_log())
        else:
            self.report(verify_log())

    def report(self, result: LogVerification) -> None:
        checked = result.chain.checked
        if not result.intact:
            count = result.break_count
            lines = [
                ngettext(
                    "Change log broken: %(count)d problem found in %(checked)d records read.",
                    "Change log broken: %(count)d problems found in %(checked)d records read.",
                    count,
                )
                % {"count": count, "checked": checked}
            ]
            lines += [found.describe(result.anchor_file) for found in result.breaks[:SHOWN]]
            if count > SHOWN:
                lines.append(_("… and %(count)d more.") % {"count": count - SHOWN})
            lines += warnings(result)
            raise CommandError("\n".join(lines))
        self.stdout.write(
            _("Change log intact: %(checked)d records verified.") % {"checked": checked}
        )
        anchor = result.newest_anchor
        if anchor is not None:
            self.stdout.write(
                ngettext(
                    "%(count)d exported anchor checked; the newest: record #%(id)s, exported "
                    "at %(time)s.",
                    "%(count)d exported anchors checked; the newest: record #%(id)s, exported "
                    "at %(time)s.",
                    result.anchors_checked,
                )
                % {
                    "count": result.anchors_checked,
                    "id": anchor.record_id,
                    "time": anchor.exported_at,
                }
            )
        for warning in warnings(result):
            self.stdout.write(self.style.WARNING(warning))
