"""``changes/``: the change log. Append-only: the API reads it and offers no write. An
operational member reads the changes of the AI systems granted to them (and their own)."""

from __future__ import annotations

from itertools import count

from aims.models import AISystem, ChangeRecord
from aims.services.inventory import ai_system_update
from tests.api_cases import APIViewTestCase
from tests.factories import ContextIssueFactory

REVISIONS = count(1)


def change_of(obj) -> ChangeRecord:
    return ChangeRecord.objects.filter(object_id=str(obj.pk)).order_by("-id").first()


def a_change() -> ChangeRecord:
    return change_of(ContextIssueFactory())


def a_change_of(system: AISystem) -> ChangeRecord:
    ai_system_update(actor=None, system=system, description=f"Revision {next(REVISIONS)}")
    return change_of(system)


class TestChanges(APIViewTestCase):
    basename = "change"
    model = ChangeRecord
    factory = staticmethod(a_change)
    fields = (
        "id",
        "timestamp",
        "actor",
        "actor_username",
        "action",
        "model",
        "object_id",
        "object_repr",
        "before",
        "after",
        "source",
        "correlation_id",
        "previous_hash",
        "record_hash",
    )
    can_create = can_update = False
    of_system = staticmethod(a_change_of)
