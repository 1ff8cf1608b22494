"""The AI system inventory: grants decide what an operational member sees; writes are logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.models import AISystem, BusinessUnit, ChangeRecord
from aims.services.inventory import (
    ai_system_create,
    ai_system_grant,
    ai_system_retire,
    ai_system_revoke,
)
from aims.services.records import record_create


def make_system(name: str, **fields) -> AISystem:
    return ai_system_create(actor=None, name=name, purpose=f"{name} purpose", **fields)


@pytest.fixture
def systems(db):
    return [make_system(f"System {i}") for i in range(3)]


def test_operator_sees_exactly_the_granted_systems(operator, systems, client_for, api_client_for):
    granted, _other, by_group = systems
    ai_system_grant(actor=None, system=granted, user=operator)
    team = Group.objects.create(name="team-a")
    operator.groups.add(team)
    ai_system_grant(actor=None, system=by_group, group=team)

    api = api_client_for(operator)
    listed = api.get(reverse("api:ai-system-list")).json()
    assert {s["id"] for s in listed["results"]} == {granted.pk, by_group.pk}
    ui = client_for(operator)
    page = ui.get(reverse("ai_systems"))
    assert {s.pk for s in page.context["page"]} == {granted.pk, by_group.pk}
    assert ui.get(reverse("ai_system", args=[granted.pk])).status_code == 200
    assert api.get(reverse("api:ai-system-detail", args=[_other.pk])).status_code == 404
    assert ui.get(reverse("ai_system", args=[_other.pk])).status_code == 404
    patch = api.patch(reverse("api:ai-system-detail", args=[_other.pk]), {"version": "9"})
    assert patch.status_code == 404
    _other.refresh_from_db()
    assert _other.version == ""


def test_operator_edits_a_granted_system_and_it_is_logged(operator, systems, api_client_for):
    system = systems[0]
    ai_system_grant(actor=None, system=system, user=operator)
    response = api_client_for(operator).patch(
        reverse("api:ai-system-detail", args=[system.pk]),
        {"version": "2.0", "lifecycle_stage": "operation", "organization_roles": ["provider"]},
    )
    assert response.status_code == 200, response.content
    record = ChangeRecord.objects.filter(object_id=str(system.pk), action="update").latest("id")
    assert record.actor == operator
    assert (record.before["version"], record.after["version"]) == ("", "2.0")


def test_revoked_grant_hides_the_system_again(operator, systems, api_client_for):
    system = systems[0]
    ai_system_grant(actor=None, system=system, user=operator)
    ai_system_revoke(actor=None, system=system, user=operator)
    response = api_client_for(operator).get(reverse("api:ai-system-detail", args=[system.pk]))
    assert response.status_code == 404


def test_officer_grants_through_the_ui(officer, operator, systems, client_for):
    system = systems[1]
    response = client_for(officer).post(
        reverse("ai_system_access", args=[system.pk]), {"user": operator.pk}
    )
    assert response.status_code == 302
    assert ChangeRecord.objects.filter(action="grant", object_id=str(system.pk)).exists()
    assert client_for(operator).get(reverse("ai_system", args=[system.pk])).status_code == 200


def test_grant_api_lists_and_validates(officer, operator, systems, api_client_for):
    client = api_client_for(officer)
    url = reverse("api:ai-system-grant", args=[systems[0].pk])
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"user": operator.pk}).json()["users"] == [operator.username]
    assert client.get(url).json() == {"users": [operator.username], "groups": []}


def test_officer_registers_through_the_ui(officer, client_for):
    unit = record_create(actor=None, model=BusinessUnit, name="R&D")
    response = client_for(officer).post(
        reverse("ai_system_create"),
        {
            "name": "Recruiting screener",
            "version": "1.0",
            "purpose": "Rank applications",
            "business_unit": unit.pk,
            "lifecycle_stage": "development",
            "ai_type": "deep_learning",
            "organization_roles": ["developer", "provider"],
            "eu_ai_act_tier": "high",
            "owner": officer.pk,
        },
    )
    assert response.status_code == 302, response.content
    system = AISystem.objects.get(name="Recruiting screener")
    assert system.organization_roles == ["developer", "provider"]
    assert ChangeRecord.objects.filter(action="create", object_id=str(system.pk)).exists()


def test_operator_registration_is_granted_to_them(operator, api_client_for):
    client = api_client_for(operator)
    created = client.post(reverse("api:ai-system-list"), {"name": "Mine", "purpose": "Help"})
    assert created.status_code == 201, created.content
    assert (
        client.get(reverse("api:ai-system-detail", args=[created.json()["id"]])).status_code == 200
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"purpose": "no name"}, "name"),
        ({"name": "x", "purpose": "p", "lifecycle_stage": "flying"}, "lifecycle_stage"),
        ({"name": "x", "purpose": "p", "organization_roles": ["king"]}, "organization_roles"),
        ({"name": "x", "purpose": "p", "eu_ai_act_tier": "extreme"}, "eu_ai_act_tier"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(officer, api_client_for, payload, field):
    response = api_client_for(officer).post(reverse("api:ai-system-list"), payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not AISystem.objects.exists()


def test_retired_systems_are_read_only_and_never_deleted(officer, systems, api_client_for):
    client = api_client_for(officer)
    system = systems[0]
    assert client.post(reverse("api:ai-system-retire", args=[system.pk])).status_code == 200
    system.refresh_from_db()
    assert system.lifecycle_stage == "retired" and system.retired_at is not None
    response = client.patch(reverse("api:ai-system-detail", args=[system.pk]), {"version": "3"})
    assert response.status_code == 400
    assert client.delete(reverse("api:ai-system-detail", args=[system.pk])).status_code == 405
    assert client.post(reverse("api:ai-system-retire", args=[system.pk])).status_code == 400
    assert AISystem.objects.filter(pk=system.pk).exists()


def test_filters(officer, api_client_for):
    unit = record_create(actor=None, model=BusinessUnit, name="Ops")
    make_system(
        "A",
        lifecycle_stage="operation",
        eu_ai_act_tier="high",
        organization_roles=["provider"],
        business_unit=unit,
        owner=officer,
    )
    make_system("B", next_review_on=timezone.localdate() + timedelta(days=3))
    retired = make_system("C")
    ai_system_retire(actor=None, system=retired)
    client = api_client_for(officer)
    url = reverse("api:ai-system-list")

    def names(**params):
        return sorted(s["name"] for s in client.get(url, params).json()["results"])

    assert names(lifecycle_stage="operation") == ["A"]
    assert names(eu_ai_act_tier="high") == ["A"]
    assert names(organization_role="provider") == ["A"]
    assert names(business_unit=unit.pk) == ["A"]
    assert names(owner=officer.pk) == ["A"]
    assert names(review_due="true") == ["B"]
    assert names(retired="true") == ["C"]
    assert names(search="B purpose") == ["B"]


@pytest.mark.parametrize("url_name", ["api:ai-system-list", "ai_systems"])
def test_inventory_lists_run_constant_queries(officer, api_client_for, client_for, url_name):
    client = api_client_for(officer) if url_name.startswith("api:") else client_for(officer)
    unit = record_create(actor=None, model=BusinessUnit, name="Unit")
    counts = []
    for total in (1, 50):
        while AISystem.objects.count() < total:
            make_system(f"S{AISystem.objects.count()}", business_unit=unit, owner=officer)
        client.get(reverse(url_name))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_operator_list_runs_constant_queries(operator, api_client_for):
    client = api_client_for(operator)
    counts = []
    for total in (1, 50):
        while AISystem.objects.count() < total:
            ai_system_grant(
                actor=None, system=make_system(f"S{AISystem.objects.count()}"), user=operator
            )
        client.get(reverse("api:ai-system-list"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("api:ai-system-list"))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_systems_in_reach_are_the_users_grants_and_their_groups(
    operator, make_user, systems, db
):
    from guardian.shortcuts import assign_perm, get_objects_for_user

    from aims.scope import CHANGE, VIEW
    from aims.selectors import GrantedSystems

    granted, by_group, other = systems
    extra = [make_system(f"More {i}") for i in range(3)]
    ai_system_grant(actor=None, system=granted, user=operator)
    team = Group.objects.create(name="team-b")
    operator.groups.add(team)
    ai_system_grant(actor=None, system=by_group, group=team)
    # Another person's grant, a group the operator is not in, and a view-only grant.
    colleague = make_user("operational_member", username="t_colleague")
    ai_system_grant(actor=None, system=other, user=colleague)
    ai_system_grant(actor=None, system=extra[0], group=Group.objects.create(name="team-c"))
    assign_perm("aims.view_aisystem", operator, extra[1])
    for action in (VIEW, CHANGE):
        expected = get_objects_for_user(
            operator,
            GrantedSystems.PERMISSIONS[action],
            klass=AISystem.objects.all(),
            accept_global_perms=False,
            with_superuser=False,
        )
        found = GrantedSystems().systems(operator, action)
        assert sorted(found) == sorted(expected.values_list("pk", flat=True))
    assert set(GrantedSystems().systems(operator, VIEW)) == {granted.pk, by_group.pk, extra[1].pk}
    assert set(GrantedSystems().systems(operator, CHANGE)) == {granted.pk, by_group.pk}


def test_the_systems_in_reach_are_looked_up_by_their_key_not_by_reading_the_inventory(
    operator, systems
):
    """Guardian's own query compares every system's id cast to text with the grants: a scan
    of the whole inventory on every request of an operator (5 ms at 20,000 systems)."""
    from aims.scope import VIEW
    from aims.selectors import GrantedSystems

    ai_system_grant(actor=None, system=systems[0], user=operator)
    with CaptureQueriesContext(connection) as queries:
        assert GrantedSystems().systems(operator, VIEW) == [systems[0].pk]
    (statement,) = [q["sql"] for q in queries if "aims_aisystem" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on aims_aisystem" not in plan, plan
    assert "aims_aisystem_pkey" in plan, plan
