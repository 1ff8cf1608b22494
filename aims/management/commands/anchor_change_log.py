from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aims.changelog_anchors import anchor_path
from aims.management.base import AimsCommand
from aims.services.changelog import (
    ChangeLogBrokenError,
    change_log_anchor_export,
    change_log_sign_unsigned,
)


class Command(AimsCommand):
    help = (
        "Anchor the change log now: give records written before HMACs were introduced their "
        "HMAC (once, after checking the whole log), then export the head of the log to the "
        "anchor file outside the database (as the beat task does periodically)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the messages (default: the active language, LANGUAGE_CODE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("language"):
            with translation.override(options["language"]):
                self.anchor()
        else:
            self.anchor()

    def anchor(self) -> None:
        try:
            signed = change_log_sign_unsigned()
        except ChangeLogBrokenError as error:
            raise CommandError(
                _(
                    "Change log broken: %(first)s (problems in all: %(count)d; see manage.py "
                    "verify_change_log). Nothing was signed or exported."
                )
                % {"first": error.first_break.describe(anchor_path()), "count": error.count}
            ) from None
        if signed:
            self.stdout.write(
                ngettext(
                    "%(count)d record written before HMACs were introduced was given its HMAC.",
                    "%(count)d records written before HMACs were introduced were given their HMAC.",
                    signed,
                )
                % {"count": signed}
            )
        anchor = change_log_anchor_export()
        if anchor is not None:
            self.stdout.write(
                _("Anchor exported: record #%(id)s (%(hash)s) to %(path)s.")
                % {"id": anchor.record_id, "hash": anchor.record_hash, "path": anchor_path()}
            )
        else:
            self.stdout.write(
                _("Nothing new to export: the log is empty or its head is already exported.")
            )
