from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from aims.changelog import verify_chain
from aims.management.base import AimsCommand


class Command(AimsCommand):
    help = "Recompute the change log's hash chain and name the first broken record."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, first_break = verify_chain()
        if first_break is not None:
            raise CommandError(
                _("Change log broken at record #%(id)s: %(reason)s. %(checked)d records read.")
                % {"id": first_break.record_id, "reason": first_break.reason, "checked": checked}
            )
        self.stdout.write(
            _("Change log intact: %(checked)d records verified.") % {"checked": checked}
        )
