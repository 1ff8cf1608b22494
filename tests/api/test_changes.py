"""``changes/``: the change log. Append-only: the API reads it and offers no write. An
operational member reads the changes of the AI systems granted to them (and their own)."""

from __future__ import annotations

from itertools import count

import pytest
from django.urls import reverse

from aims.models import AISystem, ChangeRecord
from aims.services.inventory import ai_system_update
from tests.api_cases import APIViewTestCase, assert_error
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


@pytest.mark.parametrize(
    ("since", "listed"),
    [
        ("2000-01-01T09:00:00+15:59", True),  # the furthest offset PostgreSQL takes itself
        ("2000-01-01T09:00:00+16:56", True),  # ISO 8601 allows it: compared as UTC
        ("2905-08-18T11:53:05.7-17:43", False),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC: no such time
        ("9999-12-31T23:00:00-15:00", None),  # after year 9999 in UTC
    ],
)
def test_a_time_with_any_offset_is_compared_or_refused_never_a_500(
    officer, api_client_for, since, listed
):
    change = a_change()
    response = api_client_for(officer).get(reverse("api:change-list"), {"since": since})
    if listed is None:
        assert_error(response, 400, "since")
    else:
        assert response.status_code == 200, response.content[:300]
        ids = [row["id"] for row in response.json()["results"]]
        assert (change.pk in ids) is listed
