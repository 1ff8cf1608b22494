"""Every history entry of the demo reads without a field code or a raw id (issue 11, item 4:
"done when")."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from aims.history import readable
from aims.models import ChangeRecord

CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")  # owner_id, treatment_option…


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_history_entry_of_the_demo_reads_without_codes_or_ids(demo, language):
    records = ChangeRecord.objects.select_related("actor", "content_type").order_by("id")
    assert records.count() > 50
    problems = []
    usernames = set(demo)
    with translation.override(language):
        for entry in readable(records, user=demo["officer"]):
            if "." in entry.record_type or CODE.match(entry.record_type):
                problems.append((entry.record.pk, "type", entry.record_type))
            model = entry.record.content_type.model_class()
            fields = {f.attname: f for f in model._meta.concrete_fields}
            fields.update({f.name: f for f in model._meta.many_to_many})
            for change in entry.changes:
                field = fields.get(change.code)
                if change.label == change.code or "_" in change.label:
                    problems.append((entry.record.pk, "label", change.code, change.label))
                for value in (change.old, change.new):
                    relation = field is not None and field.is_relation
                    if relation and re.fullmatch(r"[\d, \[\]]+", value):
                        problems.append((entry.record.pk, "id", change.code, value))
                    if change.code == "username":
                        continue  # the one field whose value is the username itself
                    if CODE.match(value) or (change.code == "user" and value in usernames):
                        problems.append((entry.record.pk, "code", change.code, value))
    print(
        sorted({(ChangeRecord.objects.get(pk=p[0]).content_type.model, *p[1:]) for p in problems})
    )
    assert problems == []


def test_the_change_log_pages_of_the_demo_render_in_japanese(demo, client_for):
    client = client_for(demo["officer"])
    pages = (ChangeRecord.objects.count() + 49) // 50
    for page in range(1, pages + 1):
        html = client.get(reverse("changes"), {"page": page}).content.decode()
        table = html[html.index("<table") : html.index("</table>")]
        assert "owner_id" not in table and "risk.risk" not in table
