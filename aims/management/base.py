from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand

from aims.choices import ChangeSource
from aims.context import change_context


class AimsCommand(BaseCommand):
    """A management command whose change records say which command run made them."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        name = type(self).__module__.rsplit(".", 1)[-1]
        with change_context(ChangeSource.COMMAND, f"{name}:{uuid.uuid4().hex[:12]}"):
            return super().execute(*args, **options)
