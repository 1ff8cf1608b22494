"""The change log as people read it (issue 11, item 4): record types, field labels, choice
labels, names of linked records and users in the reader's language, never codes or ids; a
linked record that is gone or hidden said so honestly; a page of history in a constant number
of queries; an edit that changes nothing logs nothing; the export of a period with its chain.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

from aims.changelog import ChainCheck, change_record
from aims.changelog_export import parse_csv_row
from aims.choices import Role
from aims.history import readable
from aims.models import ChangeRecord
from aims.services.inventory import ai_system_grant
from risk.services.register import risk_update
from tests.aims.browser_form import form_fields
from tests.factories import UserFactory
from tests.factories.inventory import AISystemFactory
from tests.factories.library import taxonomy_item
from tests.factories.records import ContextIssueFactory
from tests.factories.risk import RiskFactory, TreatmentActionFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def named_officer(make_user):
    return make_user(
        Role.GOVERNANCE_OFFICER, username="h_officer", first_name="Hana", last_name="Officer"
    )


@pytest.fixture
def named_operator(make_user):
    return make_user(
        Role.OPERATIONAL_MEMBER, username="h_operator", first_name="Oto", last_name="Operator"
    )


def _risk_with_changes(officer, operator):
    taxonomy_item("ai-risk-categories", "fairness-and-bias")
    category = taxonomy_item("ai-risk-categories", "privacy")
    risk = RiskFactory(actor=officer, owner=officer)
    risk_update(
        actor=officer,
        risk=risk,
        owner=operator,
        categories=[category],
        treatment_option="avoid",
    )
    return risk, category


def test_a_history_tab_reads_as_labels_choices_and_names(named_officer, named_operator, client_for):
    risk, category = _risk_with_changes(named_officer, named_operator)
    html = client_for(named_officer).get(reverse("risk", args=[risk.pk]), **EN).content.decode()
    history = html[html.index('id="history-heading"') :]
    for code in ("owner_id", "categories<", "treatment_option", "[", "risk.risk"):
        assert code not in history
    assert "<dt>Owner</dt>" in history and "<dt>Categories</dt>" in history
    assert "Oto Operator" in history and "Hana Officer" in history
    assert category.name in history
    assert "Avoid" in history  # the choice label, not the code "avoid"
    assert 'title="h_officer"' in history  # the username on hover


def test_the_change_log_page_names_record_types_and_people(
    named_officer, named_operator, client_for
):
    _risk_with_changes(named_officer, named_operator)
    html = client_for(named_officer).get(reverse("changes"), **EN).content.decode()
    table = html[html.index("<table") :]
    assert "risk.risk" not in table and "owner_id" not in table
    assert "<td>Risk</td>" in table
    assert "Oto Operator" in table and "Hana Officer" in table


def test_the_change_log_is_filtered_by_a_person_chosen_by_name(
    named_officer, named_operator, client_for
):
    _risk_with_changes(named_officer, named_operator)
    client = client_for(named_officer)
    html = client.get(reverse("changes"), **EN).content.decode()
    assert '<option value="h_operator">Oto Operator</option>' in html
    assert '<option value="">Any</option>' in html
    mine = client.get(reverse("changes"), {"actor_username": "h_officer"}, **EN)
    assert {e.record.actor_username for e in mine.context["entries"]} == {"h_officer"}
    # A username no longer among the users (deleted since) still filters and stays chosen.
    gone = client.get(reverse("changes"), {"actor_username": "someone_gone"}, **EN)
    assert gone.status_code == 200 and list(gone.context["entries"]) == []
    assert '<option value="someone_gone" selected>someone_gone</option>' in gone.content.decode()


def test_a_linked_record_that_is_gone_reads_as_deleted(named_officer, client_for):
    system = AISystemFactory(actor=named_officer)
    change_record(
        actor=named_officer,
        action="update",
        obj=system,
        before={"business_unit_id": None},
        after={"business_unit_id": 987654},
    )
    html = client_for(named_officer).get(reverse("changes"), **EN).content.decode()
    assert "#987654 (deleted)" in html


def test_a_linked_record_the_reader_may_not_see_keeps_its_name(
    named_officer, named_operator, client_for
):
    granted = AISystemFactory(actor=named_officer, name="Visible system")
    hidden = AISystemFactory(actor=named_officer, name="Secret system")
    ai_system_grant(actor=named_officer, system=granted, user=named_operator)
    risk = RiskFactory(actor=named_officer, ai_systems=[granted])
    risk_update(actor=named_officer, risk=risk, ai_systems=[granted, hidden])
    url = reverse("risk", args=[risk.pk])
    operator_html = client_for(named_operator).get(url, **EN).content.decode()
    history = operator_html[operator_html.index('id="history-heading"') :]
    assert "Secret system" not in operator_html
    assert "a record you cannot see" in history and "Visible system" in history
    officer_html = client_for(named_officer).get(url, **EN).content.decode()
    assert "Secret system" in officer_html[officer_html.index('id="history-heading"') :]


def test_a_page_of_history_runs_a_constant_number_of_queries(named_officer, client_for):
    client = client_for(named_officer)
    url = reverse("changes")
    categories = [taxonomy_item("ai-risk-categories", c) for c in ("fairness-and-bias", "privacy")]

    def changes(n):
        for i in range(n):
            owner = UserFactory(roles=[Role.OPERATIONAL_MEMBER])
            risk = RiskFactory(actor=named_officer, owner=named_officer)
            risk_update(
                actor=named_officer, risk=risk, owner=owner, categories=categories[: i % 2 + 1]
            )

    changes(1)
    client.get(url)  # caches of the process (content types, session)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    changes(20)  # each a risk, an AI system, an owner: more than a page of 50 records
    assert ChangeRecord.objects.count() > 50
    # Names are looked up once per type of record on the page: the first page also holds the
    # library load's framework records, which the full page of risks no longer shows.
    assert count() <= one


def test_submitting_a_risk_form_unchanged_logs_nothing(named_officer, client_for):
    """A browser sends a textarea's line breaks as CR LF: a description written with LF (by
    the platform: a risk created from an impact consequence) is not changed by a form that
    changes nothing else, and no change record says it was."""
    risk = RiskFactory(
        actor=named_officer, description="First line\nSecond line", treatment_plan="a\nb"
    )
    client = client_for(named_officer)
    url = reverse("risk_edit", args=[risk.pk])
    data = form_fields(client.get(url).content.decode())
    assert data["description"] == "First line\r\nSecond line"
    last = ChangeRecord.objects.order_by("-id").first().pk
    assert client.post(url, data).status_code == 302
    assert list(ChangeRecord.objects.filter(pk__gt=last)) == []
    data["title"] = "A new title"
    assert client.post(url, data).status_code == 302
    record = ChangeRecord.objects.order_by("-id").first()
    assert set(record.after) - {"updated_at"} >= {"title"}
    changed = {k for k in record.after if record.after[k] != record.before[k]}
    assert changed == {"title"}
    risk.refresh_from_db()
    assert risk.description == "First line\nSecond line"


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        (
            "ai_system_edit",
            lambda actor: AISystemFactory(actor=actor, description="One\nTwo", purpose="p\nq"),
        ),
        (
            "context_issue_edit",
            lambda actor: ContextIssueFactory(actor=actor, description="One\nTwo"),
        ),
        (
            "risk_action_edit",
            lambda actor: TreatmentActionFactory(
                actor=actor, risk__actor=actor, description="One\nTwo"
            ),
        ),
    ],
    ids=["ai system", "context issue", "treatment action"],
)
def test_other_edit_forms_submitted_unchanged_log_nothing(
    named_officer, client_for, url_name, make
):
    obj = make(named_officer)
    client = client_for(named_officer)
    url = reverse(url_name, args=[obj.pk])
    data = form_fields(client.get(url).content.decode())
    last = ChangeRecord.objects.order_by("-id").first().pk
    assert client.post(url, data).status_code == 302
    assert list(ChangeRecord.objects.filter(pk__gt=last)) == []


def test_an_ai_system_edited_in_its_form_logs_the_change(named_officer, client_for):
    """The edit form validates on a copy of the record: the service's "before" is the record as
    it was, so the change log holds the change (it held none when the form wrote into the
    record the service then snapshotted)."""
    system = AISystemFactory(actor=named_officer, name="Old name")
    client = client_for(named_officer)
    url = reverse("ai_system_edit", args=[system.pk])
    data = form_fields(client.get(url).content.decode())
    data["name"] = "New name"
    assert client.post(url, data).status_code == 302
    record = ChangeRecord.objects.order_by("-id").first()
    assert record.action == "update"
    assert (record.before["name"], record.after["name"]) == ("Old name", "New name")


# --- Export -----------------------------------------------------------------------------------
def _as_records(rows):
    """Exported rows back into (unsaved) change records, to be checked by ``ChainCheck``, the
    algorithm of ``manage.py verify_change_log``."""
    records = []
    for row in rows:
        app_label, model = row["model"].split(".")
        records.append(
            ChangeRecord(
                id=row["id"],
                timestamp=parse_datetime(row["timestamp"]),
                actor_id=row["actor_id"],
                actor_username=row["actor_username"],
                action=row["action"],
                content_type=ContentType.objects.get_by_natural_key(app_label, model),
                object_id=row["object_id"],
                object_repr=row["object_repr"],
                before=row["before"],
                after=row["after"],
                source=row["source"],
                correlation_id=row["correlation_id"],
                previous_hash=row["previous_hash"],
                record_hash=row["record_hash"],
                record_hmac=row["record_hmac"],
            )
        )
    return records


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def logged_changes(named_officer, named_operator):
    for _ in range(3):
        _risk_with_changes(named_officer, named_operator)
    return list(ChangeRecord.objects.order_by("id"))


def test_the_jsonl_export_of_a_period_verifies_from_its_anchor(
    named_officer, client_for, logged_changes
):
    first = logged_changes[2]
    # A period that starts after the first records: its anchor is the record before it.
    response = client_for(named_officer).get(
        reverse("changes_export"), {"file_format": "jsonl", "object_id": ""}
    )
    assert response.status_code == 200 and response.streaming
    lines = [json.loads(line) for line in _body(response).splitlines()]
    header, rows = lines[0], lines[1:]
    assert [row["id"] for row in rows] == [r.pk for r in logged_changes]
    assert header["anchor"] is None  # the whole log: its first record follows the genesis
    check = ChainCheck().run(_as_records(rows))
    assert check.break_count == 0 and check.checked == len(logged_changes)
    # From the third record on (a filter that drops the first two): the anchor is the second.
    later = [row for row in rows if row["id"] >= first.pk]
    anchor = {"id": logged_changes[1].pk, "record_hash": logged_changes[1].record_hash}
    assert later[0]["previous_hash"] == anchor["record_hash"]
    assert (
        ChainCheck(_expected_previous=anchor["record_hash"]).run(_as_records(later)).break_count
        == 0
    )
    # A tampered export does not verify.
    tampered = [dict(row) for row in rows]
    tampered[1]["object_repr"] = "something else"
    assert ChainCheck().run(_as_records(tampered)).break_count == 1


def test_the_csv_export_carries_the_anchor_and_verifies(named_officer, client_for, logged_changes):
    since = logged_changes[0].timestamp.date().isoformat()
    response = client_for(named_officer).get(
        reverse("changes_export"), {"file_format": "csv", "since": since, "model": "risk.risk"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(_body(response))))
    risks = [r for r in logged_changes if r.content_type.model == "risk"]
    rows = [parse_csv_row(row) for row in table if row["kind"] == "record"]
    assert [row["id"] for row in rows] == [r.pk for r in risks]
    anchor = [row for row in table if row["kind"] == "anchor"]
    previous = ChangeRecord.objects.filter(pk__lt=risks[0].pk).order_by("-id").first()
    assert anchor[0]["id"] == str(previous.pk) and anchor[0]["record_hash"] == previous.record_hash
    assert rows[0]["previous_hash"] == previous.record_hash
    # Filtered (risks only): each record still checks against its own hash.
    for record in _as_records(rows):
        assert record.compute_hash() == record.record_hash


def test_the_export_is_for_those_who_may_export_and_shows_only_their_part(
    named_officer, named_operator, viewer, client_for, logged_changes
):
    url = reverse("changes_export")
    assert client_for(viewer).get(url, {"file_format": "csv"}).status_code == 403
    assert client_for(named_officer).get(url, {"file_format": "pdf"}).status_code == 400
    mine = change_record(actor=named_operator, action="update", obj=logged_changes[0].content_type)
    lines = _body(client_for(named_operator).get(url, {"file_format": "jsonl"})).splitlines()
    assert [json.loads(line)["id"] for line in lines[1:]] == [mine.pk]


def test_the_api_exports_the_change_log_with_its_chain(
    named_officer, viewer, api_client_for, logged_changes
):
    url = reverse("api:change-export")
    response = api_client_for(named_officer).get(url, {"file_format": "jsonl"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in _body(response).splitlines()[1:]]
    assert [row["id"] for row in rows] == [r.pk for r in logged_changes]
    assert ChainCheck().run(_as_records(rows)).break_count == 0
    assert api_client_for(named_officer).get(url, {"file_format": "xml"}).status_code == 400
    assert api_client_for(viewer).get(url).status_code == 403
    schema = api_client_for(named_officer).get(reverse("api:schema"), {"format": "json"}).json()
    assert "/api/v1/changes/export/" in schema["paths"]


def test_levels_of_impact_entries_and_accepted_levels_read_as_their_matrix_labels(
    named_officer, named_operator
):
    from datetime import date

    from impact.models import ImpactEntry
    from risk.services.acceptance import risk_accept
    from tests.factories.impact import ImpactEntryFactory

    entry = ImpactEntryFactory(actor=named_officer, severity=3, likelihood=3)
    label = entry.assessment.matrix.level_label(entry.level)
    assert label != entry.level
    created = ChangeRecord.objects.get(
        content_type__model="impactentry", object_id=str(entry.pk), action="create"
    )
    (read,) = readable([created], user=named_officer)
    assert {c.code: c.new for c in read.changes}["level"] == label

    risk = RiskFactory(
        actor=named_officer,
        owner=named_operator,
        inherent_likelihood=1,
        inherent_impact=1,
        residual_likelihood=1,
        residual_impact=1,
    )
    risk_accept(actor=named_officer, risk=risk, rationale="Low", expires_on=date(2099, 1, 1))
    accepted = ChangeRecord.objects.filter(
        content_type__model="risk", object_id=str(risk.pk)
    ).latest("id")
    (read,) = readable([accepted], user=named_officer)
    acceptance = {c.code: c.new for c in read.changes}["acceptance"]
    level = risk.matrix.level_label(risk.residual_level)
    assert f": {level}" in acceptance and f": {risk.residual_level}\n" not in acceptance
    assert ImpactEntry.objects.count() == 1


def test_the_change_log_names_a_record_in_the_readers_language_and_keeps_the_stored_name(
    named_officer, client_for
):
    item = taxonomy_item("ai-risk-categories", "privacy")
    with translation.override("en"):  # the log keeps the name as it read when written
        change_record(
            actor=None,
            action="update",
            obj=item,
            before={"name_en": "Old"},
            after={"name_en": item.name_en},
        )
        written = str(item)
    gone = AISystemFactory(actor=named_officer)
    gone_id = gone.pk
    change_record(
        actor=named_officer, action="delete", obj=gone, before={}, after=None, object_id=gone_id
    )
    gone.delete()
    client = client_for(named_officer)
    ja = client.get(reverse("changes"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert f">{item.name_ja}</td>" in ja
    assert f'title="{written}"' in ja and item.name_ja not in written
    en = client.get(reverse("changes"), **EN).content.decode()
    assert f">{item.name_en}</td>" in en
    # A record that no longer exists keeps the name the log wrote.
    assert f"<td>{gone}</td>" in en
