"""The change log (DESIGN §7): written by services, append-only, hash-chained, verifiable."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from aims import selectors
from aims.changelog import change_record, verify_chain
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
    _checked, first_break = verify_chain()
    assert first_break is not None and first_break.record_id == third.pk


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
