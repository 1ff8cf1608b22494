"""The change log's rules, one by one: what a snapshot holds (many-to-many links too, so a
change of links alone is recorded), what a record carries, when ``logged`` writes one, what
the hash covers, and what the verifier reports."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, connections, transaction

from aims import urns
from aims.changelog import (
    _CHAIN_LOCK_KEY,
    ChainBreak,
    ChainCheck,
    change_record,
    iter_chain,
    logged,
    logged_update,
    snapshot,
    verify_chain,
)
from aims.choices import Action
from aims.models import AISystem, ChangeRecord, Organization, Requirement
from aims.models.changelog import GENESIS_HASH, AppendOnlyError
from aims.services.library import library_load
from risk.services.register import risk_update
from risk.services.treatment import treatment_action_update
from tests.factories import AISystemFactory
from tests.factories.library import framework_file, requirement_item
from tests.factories.risk import RiskFactory, TreatmentActionFactory


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Acme")


def records_of(obj) -> list[ChangeRecord]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(
        ChangeRecord.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("id")
    )


def test_a_change_of_a_risks_ai_systems_alone_writes_a_record(officer):
    first, second, third = AISystemFactory(), AISystemFactory(), AISystemFactory()
    risk = RiskFactory(actor=officer, ai_systems=[second, first])
    before = len(records_of(risk))
    risk_update(actor=officer, risk=risk, ai_systems=[first, third])
    records = records_of(risk)
    assert len(records) == before + 1
    change = records[-1]
    assert change.action == Action.UPDATE
    assert change.before["ai_systems"] == sorted([first.pk, second.pk], key=str)
    assert change.after["ai_systems"] == sorted([first.pk, third.pk], key=str)


def test_setting_the_same_ai_systems_again_writes_no_record(officer):
    system = AISystemFactory()
    risk = RiskFactory(actor=officer, ai_systems=[system])
    before = len(records_of(risk))
    risk_update(actor=officer, risk=risk, ai_systems=[system])
    assert len(records_of(risk)) == before


def test_a_change_of_an_actions_controls_alone_writes_a_record(officer):
    library_load(
        files=[
            (
                "iso-iec-42001.yaml",
                framework_file(
                    urn=urns.ISO_42001,
                    urn_prefix="urn:aims:iso42001",
                    ref_id="ISO/IEC 42001:2023",
                    requirements=[
                        requirement_item("A", assessable=False),
                        requirement_item("A.2", parent="A", assessable=False),
                        requirement_item("A.2.2", parent="A.2"),
                        requirement_item("A.2.3", parent="A.2"),
                    ],
                ),
            )
        ],
        actor=None,
    )
    control = Requirement.objects.get(urn="urn:aims:iso42001:a.2.2")
    action = TreatmentActionFactory(actor=officer)
    before = len(records_of(action))
    treatment_action_update(actor=officer, action=action, controls=[control])
    records = records_of(action)
    assert len(records) == before + 1
    assert records[-1].before["controls"] == []
    assert records[-1].after["controls"] == [control.pk]


def test_snapshot_holds_fields_ids_and_sorted_links_minus_the_excluded(officer):
    systems = [AISystemFactory() for _ in range(3)]
    risk = RiskFactory(actor=officer, ai_systems=list(reversed(systems)))
    data = snapshot(risk)
    assert data["ai_systems"] == sorted([s.pk for s in systems], key=str)
    assert data["owner_id"] == officer.pk and "owner" not in data
    assert data["title"] == risk.title
    assert "created_at" not in data and "updated_at" not in data
    assert data["categories"] == []


def test_snapshot_of_an_unsaved_object_has_no_links():
    data = snapshot(AISystem(name="Draft"))
    assert data["name"] == "Draft" and "business_units" not in data
    assert all(m2m.name not in data for m2m in AISystem._meta.many_to_many)


def test_a_record_carries_who_what_and_the_states(org, officer):
    record = change_record(actor=officer, action=Action.UPDATE, obj=org, before={"name": "Old"})
    assert record.actor == officer and record.actor_username == officer.username
    assert record.action == Action.UPDATE
    assert record.content_type == ContentType.objects.get_for_model(Organization)
    assert record.object_id == str(org.pk) and record.object_repr == "Acme"
    assert record.before == {"name": "Old"}
    assert record.after == snapshot(org)
    assert record.previous_hash == GENESIS_HASH
    assert record.record_hash == record.compute_hash()
    stored = ChangeRecord.objects.get(pk=record.pk)
    assert stored.record_hash == record.record_hash and stored.before == {"name": "Old"}


def test_a_deletion_has_no_after_and_names_the_gone_object(org):
    record = change_record(actor=None, action="delete", obj=org, object_id=99, model=AISystem)
    assert record.after is None and record.before is None
    assert record.object_id == "99"
    assert record.content_type == ContentType.objects.get_for_model(AISystem)
    assert record.actor is None and record.actor_username == ""


def test_an_anonymous_actor_is_recorded_as_nobody(org):
    record = change_record(actor=AnonymousUser(), action=Action.CREATE, obj=org)
    assert record.actor is None and record.actor_username == ""


def test_an_explicit_after_is_kept_and_a_long_name_shortened(org):
    org.name = "x" * 400
    record = change_record(actor=None, action=Action.UPDATE, obj=org, after={"k": 1})
    assert record.after == {"k": 1}
    assert record.object_repr == "x" * 300


def test_each_record_points_at_the_one_before(org):
    first = change_record(actor=None, action=Action.CREATE, obj=org)
    second = change_record(actor=None, action=Action.UPDATE, obj=org)
    assert second.previous_hash == first.record_hash
    assert second.pk > first.pk


def test_logged_writes_a_record_only_for_a_change_unless_always(org, officer):
    with logged(org, actor=officer):
        pass
    assert records_of(org) == []
    with logged(org, actor=officer, always=True, action=Action.SUBMIT):
        pass
    (record,) = records_of(org)
    assert record.action == Action.SUBMIT and record.before == record.after
    with logged(org, actor=officer):
        org.name = "Acme 2"
        org.save()
    record = records_of(org)[-1]
    assert (record.action, record.before["name"], record.after["name"]) == (
        Action.UPDATE,
        "Acme",
        "Acme 2",
    )


def test_logged_update_sets_saves_and_always_records(org, officer):
    logged_update(org, actor=officer, name="Renamed")
    assert Organization.objects.get(pk=org.pk).name == "Renamed"
    (record,) = records_of(org)
    assert record.after["name"] == "Renamed" and record.action == Action.UPDATE
    logged_update(org, actor=officer, action=Action.APPROVE)
    assert records_of(org)[-1].action == Action.APPROVE


@pytest.mark.parametrize(
    "field",
    [
        "actor_username",
        "action",
        "object_id",
        "object_repr",
        "before",
        "after",
        "source",
        "correlation_id",
        "previous_hash",
    ],
)
def test_the_hash_covers_every_field(org, field):
    record = change_record(actor=None, action=Action.UPDATE, obj=org, before={"a": 1})
    original = record.compute_hash()
    setattr(record, field, {"forged": True} if field in ("before", "after") else "forged")
    assert record.compute_hash() != original


def test_the_hash_covers_time_actor_and_model(org, officer):
    record = change_record(actor=officer, action=Action.UPDATE, obj=org)
    original = record.compute_hash()
    assert record.compute_hash(model_label="aims.organization") == original
    assert record.compute_hash(model_label="aims.aisystem") != original
    record.timestamp = record.timestamp.replace(year=2000)
    assert record.compute_hash() != original
    record = ChangeRecord.objects.get(pk=record.pk)
    record.actor_id = None
    assert record.compute_hash() != original


def test_the_canonical_content_is_sorted_compact_json():
    content = (
        ChangeRecord.objects.none()
        .model(
            timestamp=__import__("datetime").datetime(2026, 1, 2, 3, 4, 5),
            actor_id=None,
            actor_username="名前",
            action="update",
            object_id="1",
            object_repr="r",
            before=None,
            after={"b": 1, "a": 2},
            source="web",
            correlation_id="c",
            previous_hash="p",
        )
        .canonical_content(model_label="aims.organization")
    )
    assert (
        content
        == (
            '{"action":"update","actor_id":null,"actor_username":"名前",'
            '"after":{"a":2,"b":1},"before":null,"correlation_id":"c","model":"aims.organization",'
            '"object_id":"1","object_repr":"r","previous_hash":"p","source":"web",'
            '"timestamp":"2026-01-02T03:04:05"}'
        ).encode()
    )


def test_records_are_append_only(org):
    record = change_record(actor=None, action=Action.CREATE, obj=org)
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert ChangeRecord.objects.filter(pk=record.pk).exists()


def test_the_verifier_counts_every_record_and_reports_no_break(org):
    for name in ("A", "B", "C"):
        org.name = name
        change_record(actor=None, action=Action.UPDATE, obj=org)
    assert verify_chain() == (3, None)
    assert verify_chain()[0] == ChangeRecord.objects.count()


def test_iter_chain_names_each_kind_of_break(org):
    first = change_record(actor=None, action=Action.CREATE, obj=org)
    second = change_record(actor=None, action=Action.UPDATE, obj=org)
    third = change_record(actor=None, action=Action.UPDATE, obj=org)
    assert list(iter_chain([first, second, third])) == []
    second.object_repr = "forged"
    breaks = list(iter_chain([first, second, third]))
    assert breaks == [ChainBreak(second.pk, "content")]
    assert breaks[0].reason == "its content does not match its hash (it was altered)"
    breaks = list(iter_chain([first, third]))
    assert [b.record_id for b in breaks] == [third.pk]
    assert "previous hash does not match" in breaks[0].reason
    breaks = list(iter_chain([second, third]))
    assert [b.record_id for b in breaks] == [second.pk]


def test_a_check_keeps_its_first_breaks_and_counts_every_one(org):
    records = [change_record(actor=None, action=Action.UPDATE, obj=org) for _ in range(4)]
    for record in records[1:]:
        record.object_repr = "forged"
    check = ChainCheck(limit=2).run(records)
    assert check.checked == 4
    assert check.break_count == 3
    assert [b.record_id for b in check.breaks] == [records[1].pk, records[2].pk]


def test_snapshot_leaves_out_excluded_links(officer):
    system = AISystemFactory()
    risk = RiskFactory(actor=officer, ai_systems=[system])
    risk.CHANGE_LOG_EXCLUDE = (*risk.CHANGE_LOG_EXCLUDE, "ai_systems", "title")
    data = snapshot(risk)
    assert "ai_systems" not in data and "title" not in data
    assert data["categories"] == []


def test_writers_wait_for_the_chain_lock(org):
    """Each writer takes the chain's lock: while another transaction holds it, a writer
    waits (here: gives up after a short lock timeout) instead of chaining to a stale head."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
            with pytest.raises(OperationalError), transaction.atomic():
                with connection.cursor() as mine:
                    mine.execute("SET LOCAL lock_timeout = '200ms'")
                change_record(actor=None, action=Action.CREATE, obj=org)
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert not ChangeRecord.objects.exists()
