"""User and role administration by governance officers, logged in the change log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from aims.choices import Role
from aims.models import ChangeRecord
from aims.roles import user_roles
from aims.services.accounts import user_create, user_update

User = get_user_model()


def test_officer_creates_a_user_with_roles(officer, client_for):
    response = client_for(officer).post(
        reverse("user_create"),
        {
            "username": "hanako",
            "email": "hanako@example.com",
            "roles": [Role.VIEWER],
            "is_active": "on",
            "password": "a long enough passphrase 9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="hanako")
    assert user_roles(user) == {Role.VIEWER}
    assert user.check_password("a long enough passphrase 9")
    record = ChangeRecord.objects.get(action="create", object_id=str(user.pk))
    assert record.after["roles"] == [Role.VIEWER]
    assert "password" not in record.after


def test_bad_input_changes_nothing(officer, client_for):
    client = client_for(officer)
    before = User.objects.count()
    weak = client.post(reverse("user_create"), {"username": "x", "password": "123"})
    assert weak.status_code == 400
    duplicate = client.post(reverse("user_create"), {"username": officer.username})
    assert duplicate.status_code == 400
    bad_role = client.post(reverse("user_create"), {"username": "y", "roles": ["king"]})
    assert bad_role.status_code == 400
    assert User.objects.count() == before


def test_role_change_is_logged_and_takes_effect(officer, viewer, client_for):
    response = client_for(officer).post(
        reverse("user_edit", args=[viewer.pk]),
        {"username": viewer.username, "roles": [Role.INTERNAL_AUDITOR], "is_active": "on"},
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert user_roles(viewer) == {Role.INTERNAL_AUDITOR}
    record = ChangeRecord.objects.filter(object_id=str(viewer.pk)).latest("id")
    assert (record.before["roles"], record.after["roles"]) == (
        [Role.VIEWER],
        [Role.INTERNAL_AUDITOR],
    )


def test_officer_cannot_deactivate_themselves(officer):
    with pytest.raises(ValidationError):
        user_update(actor=officer, user=officer, is_active=False)
    officer.refresh_from_db()
    assert officer.is_active


def test_deactivated_user_loses_access(officer, operator, client_for):
    user_update(actor=officer, user=operator, is_active=False)
    assert client_for(operator).get(reverse("home")).status_code == 302


def test_unknown_role_rejected_by_service(officer):
    with pytest.raises(ValidationError):
        user_create(actor=officer, username="z", roles=["emperor"])
    assert not User.objects.filter(username="z").exists()


def test_load_demo_creates_one_user_per_role_idempotently(db, settings, capsys):
    settings.DEMO_PASSWORD = "demo password for tests 1"
    call_command("load_demo")
    call_command("load_demo")
    expected = {
        "officer": Role.GOVERNANCE_OFFICER,
        "executive": Role.TOP_MANAGEMENT,
        "operator": Role.OPERATIONAL_MEMBER,
        "auditor": Role.INTERNAL_AUDITOR,
        "external_auditor": Role.EXTERNAL_AUDITOR,
        "viewer": Role.VIEWER,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user_roles(user) == {role}
        assert user.check_password("demo password for tests 1")
    assert "demo password for tests 1" in capsys.readouterr().out
    call_command("verify_change_log")
    # The demo organisation's AIMS: the seven Guidelines examples and the seed-000 system.
    from aims.models import AISystem, ClauseAssessment, ContextIssue, Objective
    from aims.scope import restrict
    from aims.selectors import ai_systems

    assert AISystem.objects.count() == 8
    assert AISystem.objects.filter(name="顔画像認識AI", eu_ai_act_tier="high").exists()
    operator = User.objects.get(username="operator")
    assert {s.name for s in restrict(ai_systems(), operator)} == {"製品不良検知AI", "送電線点検AI"}
    assert ContextIssue.objects.count() == 3 and Objective.objects.count() == 2
    assert ClauseAssessment.objects.exclude(status="not_started").count() == 10
    from aims.models import DocumentVersion

    policy = DocumentVersion.objects.get(document__kind="ai_policy")
    assert (policy.status, policy.author.username, policy.approved_by.username) == (
        "approved",
        "officer",
        "executive",
    )


def test_load_demo_refuses_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo")
    assert not User.objects.filter(username="officer").exists()
