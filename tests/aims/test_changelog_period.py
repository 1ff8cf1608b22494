"""The change log page's period is of local days (TIME_ZONE), read as a range of instants."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from tests.factories.inventory import AISystemFactory


def _ids(client, **period):
    page = client.get(reverse("changes"), period).context["page"]
    return {row.pk for row in page}


def test_a_period_of_local_days_keeps_the_records_of_those_days(officer, client_for, db):
    AISystemFactory(actor=officer)
    from aims.models import ChangeRecord

    record = ChangeRecord.objects.latest("id")
    local = timezone.localtime(record.timestamp)
    day = local.date()
    one = datetime.timedelta(days=1)
    client = client_for(officer)
    assert record.pk in _ids(client, since=day.isoformat(), until=day.isoformat())
    assert record.pk in _ids(client, since=(day - one).isoformat())
    assert record.pk not in _ids(client, since=(day + one).isoformat())
    assert record.pk not in _ids(client, until=(day - one).isoformat())
    # The local day, not the UTC one: in Tokyo a record made before 09:00 is on the UTC
    # calendar's previous day.
    utc_day = record.timestamp.astimezone(datetime.UTC).date()
    if utc_day != day:
        assert record.pk not in _ids(client, since=utc_day.isoformat(), until=utc_day.isoformat())
