"""The change log (DESIGN §7): written by services, append-only, hash-chained, verifiable."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from aims import selectors
from aims.changelog import change_record, iter_chain, verify_chain
from aims.choices import Action, ChangeSource
from aims.context import change_context
from aims.models import ChangeRecord, Organization
from aims.models.changelog import GENESIS_HASH, AppendOnlyError
from aims.services.accounts import token_create


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Acme")


def _chain_of_three(org, officer):
    records = []
    for name in ("Acme 1", "Acme 2", "Acme 3"):
        before = {"name": org.name}
        org.name = name
        org.save()
        records.append(change_record(actor=officer, action=Action.UPDATE, obj=org, before=before))
    return records


def test_records_are_chained_in_order(org, officer):
    first, second, third = _chain_of_three(org, officer)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.record_hash
    assert third.previous_hash == second.record_hash
    assert len({first.record_hash, second.record_hash, third.record_hash}) == 3
    assert third.before == {"name": "Acme 2"}
    assert third.after["name"] == "Acme 3"
    assert third.actor_username == officer.username


def test_verifier_passes_on_an_intact_log(org, officer, capsys):
    _chain_of_three(org, officer)
    call_command("verify_change_log")
    assert "3 records verified" in capsys.readouterr().out


def _tamper(sql: str, params: list) -> None:
    """Change the table behind the services' back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off, as a DBA can
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = origin")


def test_verifier_names_an_altered_record(org, officer):
    _first, second, _third = _chain_of_three(org, officer)
    _tamper(
        "UPDATE aims_changerecord SET after = %s::jsonb WHERE id = %s",
        ['{"name": "Forged"}', second.pk],
    )
    with pytest.raises(CommandError, match=rf"record #{second.pk}: its content does not match"):
        call_command("verify_change_log")


def test_verifier_names_the_record_after_a_removed_one(org, officer):
    _first, second, third = _chain_of_three(org, officer)
    _tamper("DELETE FROM aims_changerecord WHERE id = %s", [second.pk])
    checked, first_break = verify_chain()
    assert first_break is not None and first_break.record_id == third.pk
    assert "previous hash" in first_break.reason
    assert checked == 2


def test_rehashing_a_forged_record_still_breaks_the_chain(org, officer):
    _first, second, third = _chain_of_three(org, officer)
    forged = ChangeRecord.objects.get(pk=second.pk)
    forged.object_repr = "Forged"
    _tamper(
        "UPDATE aims_changerecord SET object_repr = %s, record_hash = %s WHERE id = %s",
        ["Forged", forged.compute_hash(), second.pk],
    )
    # Its HMAC, keyed outside the database, gives the forged record itself away; the chain
    # breaks at the record after it as well.
    _checked, first_break = verify_chain()
    assert first_break is not None and first_break.record_id == second.pk
    assert first_break.code == "hmac"
    assert [found.record_id for found in iter_chain(ChangeRecord.objects.order_by("id"))] == [
        second.pk,
        third.pk,
    ]


def test_orm_refuses_updates_and_deletes(org, officer):
    record = change_record(actor=officer, action=Action.CREATE, obj=org)
    record.object_repr = "changed"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(pk=record.pk).update(object_repr="x")
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.all().delete()


def test_database_refuses_updates_and_deletes(org, officer):
    record = change_record(actor=officer, action=Action.CREATE, obj=org)
    for sql in (
        "UPDATE aims_changerecord SET object_repr = 'x' WHERE id = %s",
        "DELETE FROM aims_changerecord WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [record.pk])
    assert ChangeRecord.objects.get(pk=record.pk).object_repr == "Acme"


def test_record_is_rolled_back_with_the_change(org, officer):
    with pytest.raises(RuntimeError), transaction.atomic():
        change_record(actor=officer, action=Action.CREATE, obj=org)
        raise RuntimeError("the change fails after its record was written")
    assert not ChangeRecord.objects.exists()


def test_source_and_correlation_id_come_from_the_context(org, officer):
    plain = change_record(actor=officer, action=Action.CREATE, obj=org)
    assert plain.source == ChangeSource.SHELL
    with change_context(ChangeSource.TASK, "task-123"):
        in_task = change_record(actor=None, action=Action.UPDATE, obj=org)
    assert (in_task.source, in_task.correlation_id, in_task.actor) == ("task", "task-123", None)


def test_web_request_records_carry_the_request_id(officer, client_for):
    response = client_for(officer).post(
        reverse("tokens"), {"name": "ci", "scope": "read", "days": 30}
    )
    assert response.status_code == 200
    record = ChangeRecord.objects.latest("id")
    assert record.source == ChangeSource.WEB
    assert record.correlation_id == response["X-Request-ID"]


def test_command_records_say_which_command(officer):
    call_command("create_token", user=officer.username, scope="read")
    record = ChangeRecord.objects.latest("id")
    assert record.source == ChangeSource.COMMAND
    assert record.correlation_id.startswith("create_token:")


def test_secrets_never_reach_the_log(officer):
    token, raw = token_create(user=officer, actor=officer, name="ci", scope="read", days=5)
    record = ChangeRecord.objects.latest("id")
    assert "digest" not in record.after
    assert raw not in str(record.after)
    assert record.after["prefix"] == token.prefix


class TestChangesApi:
    def test_filters_by_object_actor_action_and_time(self, org, officer, auditor, api_client_for):
        other = Organization.objects.create(name="Other")
        change_record(actor=officer, action=Action.CREATE, obj=org)
        change_record(actor=auditor, action=Action.UPDATE, obj=other)
        client = api_client_for(officer)
        url = reverse("api:change-list")

        by_object = client.get(url, {"model": "aims.organization", "object_id": other.pk}).json()
        assert [r["object_repr"] for r in by_object["results"]] == ["Other"]
        by_actor = client.get(url, {"actor": officer.pk}).json()
        assert {r["actor_username"] for r in by_actor["results"]} == {officer.username}
        by_action = client.get(url, {"action": "update"}).json()
        assert by_action["count"] == 1
        first = ChangeRecord.objects.order_by("id").first()
        since = client.get(url, {"since": first.timestamp.isoformat()}).json()
        assert since["count"] == 2
        until = client.get(url, {"until": first.timestamp.isoformat()}).json()
        assert until["count"] == 0

    def test_bad_filter_is_a_clear_error(self, officer, api_client_for):
        response = api_client_for(officer).get(reverse("api:change-list"), {"since": "yesterday"})
        assert response.status_code == 400
        assert "since" in response.json()["error"]["fields"]

    def test_no_write_methods(self, org, officer, api_client_for):
        record = change_record(actor=officer, action=Action.CREATE, obj=org)
        client = api_client_for(officer)
        detail = reverse("api:change-detail", args=[record.pk])
        assert client.post(reverse("api:change-list"), {}).status_code == 405
        assert client.patch(detail, {"object_repr": "x"}).status_code == 405
        assert client.delete(detail).status_code == 405
        assert ChangeRecord.objects.get(pk=record.pk).object_repr == "Acme"

    def test_operator_sees_only_own_changes(self, org, officer, operator, api_client_for):
        change_record(actor=officer, action=Action.CREATE, obj=org)
        mine = change_record(actor=operator, action=Action.UPDATE, obj=org)
        body = api_client_for(operator).get(reverse("api:change-list")).json()
        assert [r["id"] for r in body["results"]] == [mine.pk]


def test_history_partial_shows_changes_of_one_object(org, officer, client_for):
    user_page = reverse("user_edit", args=[officer.pk])
    from aims.services.accounts import user_update

    user_update(actor=officer, user=officer, email="new@example.com")
    html = client_for(officer).get(user_page).content.decode()
    assert 'id="history-heading"' in html
    assert "new@example.com" in html


def test_operator_sees_the_history_of_granted_systems(officer, operator, api_client_for):
    from aims.services.inventory import ai_system_create, ai_system_grant, ai_system_update

    granted = ai_system_create(actor=officer, name="Granted", purpose="p")
    hidden = ai_system_create(actor=officer, name="Hidden", purpose="p")
    ai_system_grant(actor=officer, system=granted, user=operator)
    ai_system_update(actor=officer, system=granted, version="2")
    ai_system_update(actor=officer, system=hidden, version="2")
    body = api_client_for(operator).get(reverse("api:change-list"), {"model": "aims.aisystem"})
    seen = {(r["object_repr"], r["action"]) for r in body.json()["results"]}
    assert seen == {("Granted", "create"), ("Granted", "grant"), ("Granted 2", "update")}


def test_the_history_of_a_record_is_shown_to_whoever_may_see_the_record(
    officer, operator, client_for
):
    """An operational member reads the whole history of a risk of their granted system, made
    by others too; the history of a risk they may not see is not theirs to read."""
    from tests.factories import AISystemFactory, RiskFactory

    granted = AISystemFactory(granted_to=[operator])
    mine = RiskFactory(ai_systems=[granted], actor=officer, title="Shared risk")
    theirs = RiskFactory(ai_systems=[AISystemFactory()], actor=officer, title="Other risk")
    rows = selectors.change_record_history(user=operator, obj=mine)
    assert [(r.action, r.actor_id) for r in rows] == [("create", officer.pk)]
    assert selectors.change_record_history(user=operator, obj=theirs) == []
    page = client_for(operator).get(reverse("risk", args=[mine.pk])).content.decode()
    history = page.split('id="history-heading"')[1]
    assert officer.username in history and "<tbody>" in history


# --- Anchored outside the database: TRUNCATE refused, an HMAC per record, exported heads --------
def _expected_hmac(record_hash: str, key: str) -> str:
    """What a record's HMAC must be: HMAC-SHA256 of its hash, keyed with the setting."""
    return hmac.new(
        key.encode(), f"aims-change-record:{record_hash}".encode(), hashlib.sha256
    ).hexdigest()


def _anchor_lines(settings) -> list[dict]:
    path = Path(settings.CHANGE_LOG_ANCHOR_DIR) / "anchors.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_database_refuses_truncate(org, officer):
    _chain_of_three(org, officer)
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test's own inserts left deferred foreign-key checks, which TRUNCATE would
        # refuse first: run them, so the trigger is what answers.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE aims_changerecord CASCADE")
    assert ChangeRecord.objects.count() == 3


def test_records_carry_an_hmac_keyed_outside_the_database(org, officer, settings):
    first, second, third = _chain_of_three(org, officer)
    for record in (first, second, third):
        stored = ChangeRecord.objects.get(pk=record.pk)
        assert stored.record_hmac == _expected_hmac(
            stored.record_hash, settings.CHANGE_LOG_HMAC_KEY
        )
    # Whoever verifies with another key (or none of the records' key) finds every record wrong.
    settings.CHANGE_LOG_HMAC_KEY = "another-key-" + "k" * 40
    with pytest.raises(CommandError, match=rf"record #{first.pk}: its HMAC does not match"):
        call_command("verify_change_log")


def _forge_newest(record: ChangeRecord, *, hmac_value: str | None) -> None:
    """Rewrite the newest record and recompute its hash, as someone with database access but
    without the key could: keep its old HMAC, or blank it."""
    forged = ChangeRecord.objects.get(pk=record.pk)
    forged.object_repr = "Forged"
    forged.after = {"name": "Forged"}
    _tamper(
        "UPDATE aims_changerecord SET object_repr = %s, after = %s::jsonb, record_hash = %s, "
        "record_hmac = %s WHERE id = %s",
        [
            "Forged",
            json.dumps(forged.after),
            forged.compute_hash(),
            record.record_hmac if hmac_value is None else hmac_value,
            record.pk,
        ],
    )


def test_verifier_detects_a_rehashed_forgery_of_the_newest_record(org, officer):
    *_, newest = _chain_of_three(org, officer)
    _forge_newest(newest, hmac_value=None)
    with pytest.raises(
        CommandError, match=rf"record #{newest.pk}: its HMAC does not match its hash"
    ) as caught:
        call_command("verify_change_log")
    assert "1 problem found in 3 records" in str(caught.value)


def test_verifier_detects_a_forgery_whose_hmac_was_removed(org, officer):
    *_, newest = _chain_of_three(org, officer)
    _forge_newest(newest, hmac_value="")
    with pytest.raises(CommandError, match=rf"record #{newest.pk}: it carries no HMAC although"):
        call_command("verify_change_log")


def test_verifier_detects_a_deleted_tail_through_the_exported_anchor(org, officer, settings):
    _first, second, third = _chain_of_three(org, officer)
    call_command("anchor_change_log")  # what the beat task does periodically
    assert _anchor_lines(settings)[-1]["record_id"] == third.pk
    _tamper("DELETE FROM aims_changerecord WHERE id >= %s", [second.pk])
    # The application writes on: the chain from the first record is whole again.
    change_record(actor=officer, action=Action.UPDATE, obj=org, before={"name": "Acme 1"})
    assert verify_chain()[1] is None
    with pytest.raises(
        CommandError,
        match=rf"record #{third.pk}: it was exported as the head of the log at .* and is no "
        r"longer in the log \(records were deleted\)",
    ):
        call_command("verify_change_log")


def test_verifier_detects_an_anchored_record_replaced_with_another_chain(org, officer):
    """Even records without an HMAC (written before HMACs) cannot be rewritten quietly once
    an anchor was exported after them: the anchored hash no longer matches."""
    _first, second, third = _chain_of_three(org, officer)
    call_command("anchor_change_log")
    _tamper("UPDATE aims_changerecord SET record_hmac = ''", [])
    previous = GENESIS_HASH
    for record in ChangeRecord.objects.order_by("id"):
        record.previous_hash = previous
        if record.pk == second.pk:
            record.object_repr = "Forged"
        previous = record.compute_hash()
        _tamper(
            "UPDATE aims_changerecord SET object_repr = %s, previous_hash = %s, record_hash = %s "
            "WHERE id = %s",
            [record.object_repr, record.previous_hash, previous, record.pk],
        )
    assert verify_chain()[1] is None
    with pytest.raises(
        CommandError, match=rf"record #{third.pk}: it differs from the anchor exported at"
    ):
        call_command("verify_change_log")


def test_verifier_says_why_in_japanese(org, officer):
    *_, newest = _chain_of_three(org, officer)
    _forge_newest(newest, hmac_value=None)
    with pytest.raises(CommandError) as caught:
        call_command("verify_change_log", language="ja")
    message = str(caught.value)
    assert "変更履歴は破損しています" in message
    assert f"記録 #{newest.pk}：HMAC がハッシュと一致しません" in message
    with pytest.raises(CommandError) as caught, translation.override("ja"):
        call_command("verify_change_log")  # without --language: the active language
    assert str(caught.value) == message


def test_verifier_reports_in_the_chosen_language_when_intact(org, officer, capsys):
    _chain_of_three(org, officer)
    call_command("anchor_change_log")
    capsys.readouterr()
    call_command("verify_change_log", language="ja")
    out = capsys.readouterr().out
    assert "変更履歴は改ざんされていません：3 件を検証しました。" in out
    assert "書き出されたアンカー 1 件を確認しました" in out


def test_verifier_warns_while_no_anchor_was_exported(org, officer, capsys):
    _chain_of_three(org, officer)
    call_command("verify_change_log")
    out = capsys.readouterr().out
    assert "3 records verified" in out
    assert "No anchor of the log has been exported" in out


def test_unsigned_records_are_reported_until_anchor_change_log_signs_them(
    org, officer, settings, capsys
):
    """Records written before HMACs existed have none: a warning, not a break, until
    ``anchor_change_log`` gives them one (once, after checking the chain)."""
    first, _second, third = _chain_of_three(org, officer)
    _tamper("UPDATE aims_changerecord SET record_hmac = ''", [])
    call_command("verify_change_log")
    out = capsys.readouterr().out
    written = ChangeRecord.objects.get(pk=third.pk).timestamp.isoformat()
    assert f"Records #{first.pk} to #{third.pk} (3, the last written at {written}) carry" in out
    call_command("anchor_change_log")
    out = capsys.readouterr().out
    assert "3 records written before HMACs were introduced were given their HMAC" in out
    assert f"Anchor exported: record #{third.pk}" in out
    for record in ChangeRecord.objects.all():
        assert record.record_hmac == _expected_hmac(
            record.record_hash, settings.CHANGE_LOG_HMAC_KEY
        )
    call_command("verify_change_log")
    out = capsys.readouterr().out
    assert "carry no HMAC" not in out
    assert "No anchor" not in out
    assert "3 records verified" in out


def test_anchor_change_log_signs_and_exports_nothing_on_a_broken_chain(org, officer, settings):
    _first, second, _third = _chain_of_three(org, officer)
    _tamper("UPDATE aims_changerecord SET record_hmac = ''", [])
    _tamper("UPDATE aims_changerecord SET object_repr = 'Forged' WHERE id = %s", [second.pk])
    with pytest.raises(CommandError, match=rf"record #{second.pk}: its content does not match"):
        call_command("anchor_change_log")
    assert set(ChangeRecord.objects.values_list("record_hmac", flat=True)) == {""}
    assert not (Path(settings.CHANGE_LOG_ANCHOR_DIR) / "anchors.jsonl").exists()


def test_database_allows_only_giving_a_missing_hmac(org, officer):
    record = change_record(actor=officer, action=Action.CREATE, obj=org)
    _tamper("UPDATE aims_changerecord SET record_hmac = '' WHERE id = %s", [record.pk])
    refused = [
        ("UPDATE aims_changerecord SET record_hmac = 'x', object_repr = 'y' WHERE id = %s"),
        ("UPDATE aims_changerecord SET object_repr = 'y' WHERE id = %s"),
    ]
    for sql in refused:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [record.pk])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE aims_changerecord SET record_hmac = 'x' WHERE id = %s", [record.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE aims_changerecord SET record_hmac = 'z' WHERE id = %s", [record.pk])
    assert ChangeRecord.objects.get(pk=record.pk).record_hmac == "x"


def test_anchor_export_appends_only_a_new_head(org, officer, settings):
    from aims.services.changelog import change_log_anchor_export

    assert change_log_anchor_export() is None  # an empty log has no head
    *_, third = _chain_of_three(org, officer)
    anchor = change_log_anchor_export()
    assert anchor is not None and anchor.record_id == third.pk
    assert change_log_anchor_export() is None  # same head: nothing appended
    fourth = change_record(actor=officer, action=Action.UPDATE, obj=org)
    change_log_anchor_export()
    lines = _anchor_lines(settings)
    assert [line["record_id"] for line in lines] == [third.pk, fourth.pk]
    assert lines[1]["record_hash"] == fourth.record_hash
    assert lines[1]["record_hmac"] == fourth.record_hmac
    assert set(lines[1]) == {
        "record_id",
        "record_hash",
        "record_hmac",
        "record_time",
        "exported_at",
        "hmac",
    }


def test_an_altered_anchor_file_is_detected(org, officer, settings):
    *_, third = _chain_of_three(org, officer)
    call_command("anchor_change_log")
    path = Path(settings.CHANGE_LOG_ANCHOR_DIR) / "anchors.jsonl"
    line = json.loads(path.read_text(encoding="utf-8"))
    line["record_id"] = third.pk - 1
    path.write_text(json.dumps(line) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("verify_change_log")
    message = str(caught.value)
    assert f"anchor file {path}, line 1: the anchor does not carry a valid HMAC" in message
    assert f"anchor file {path}, line 2: it is not an anchor" in message


def test_anchor_export_refuses_a_forged_head(org, officer, settings, caplog):
    from aims.services.changelog import change_log_anchor_export

    *_, newest = _chain_of_three(org, officer)
    _forge_newest(newest, hmac_value=None)
    with caplog.at_level("ERROR", logger="aims.security"):
        assert change_log_anchor_export() is None
    assert f"record #{newest.pk}" in caplog.text
    assert not (Path(settings.CHANGE_LOG_ANCHOR_DIR) / "anchors.jsonl").exists()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_beat_task_exports_the_head_on_a_real_worker(settings):
    from aims.tasks import export_change_log_anchor
    from tests.celery_worker import running_worker, wait_until

    org = Organization.objects.create(name="Acme")
    record = change_record(actor=None, action=Action.CREATE, obj=org)
    entry = settings.CELERY_BEAT_SCHEDULE["export-change-log-anchor"]
    assert entry["task"] == "aims.tasks.export_change_log_anchor"
    assert entry["schedule"] == settings.CHANGE_LOG_ANCHOR_MINUTES * 60
    with running_worker() as finished:
        result = export_change_log_anchor.delay()
        assert wait_until(lambda: result.id in finished)
    assert [line["record_id"] for line in _anchor_lines(settings)] == [record.pk]
    call_command("verify_change_log")
