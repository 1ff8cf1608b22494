"""User and role administration by governance officers, logged in the change log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from aims.choices import Role
from aims.models import ChangeRecord, Notification, RoleGrant
from aims.roles import user_roles
from aims.services.accounts import (
    role_grant_confirm,
    role_grant_refuse,
    user_create,
    user_set_password,
    user_update,
)
from tests.conftest import logged_in_client

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


# --- Four eyes on roles --------------------------------------------------------------------------
def _roles(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


@pytest.fixture
def second_officer(make_user):
    return make_user(Role.GOVERNANCE_OFFICER, username="t_second_officer")


def test_nobody_changes_their_own_roles(officer, client_for):
    """The attack: an officer gives themselves top management to accept a risk."""
    with pytest.raises(ValidationError) as error:
        user_update(
            actor=officer, user=officer, roles=[Role.GOVERNANCE_OFFICER, Role.TOP_MANAGEMENT]
        )
    assert "roles" in error.value.message_dict
    response = client_for(officer).post(
        reverse("user_edit", args=[officer.pk]),
        {
            "username": officer.username,
            "roles": [Role.GOVERNANCE_OFFICER, Role.TOP_MANAGEMENT],
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Nobody changes their own roles" in response.content.decode()
    assert _roles(officer) == {Role.GOVERNANCE_OFFICER}
    assert not RoleGrant.objects.exists()


def test_an_approving_role_waits_for_a_second_officer(officer, second_officer, viewer, client_for):
    response = client_for(officer).post(
        reverse("user_edit", args=[viewer.pk]),
        {"username": viewer.username, "roles": [Role.TOP_MANAGEMENT], "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.status_code == 200
    assert "takes effect when another governance officer confirms it" in (response.content.decode())
    assert _roles(viewer) == set()  # the viewer role is dropped at once, the new one waits
    grant = RoleGrant.objects.get()
    assert (grant.user, grant.role, grant.requested_by, grant.status) == (
        viewer,
        Role.TOP_MANAGEMENT,
        officer,
        "pending",
    )
    assert ChangeRecord.objects.filter(
        content_type__model="rolegrant", object_id=str(grant.pk), action="create"
    ).exists()
    assert Notification.objects.filter(recipient=second_officer, url=reverse("users")).exists()
    assert not Notification.objects.filter(recipient=officer).exists()
    page = client_for(second_officer).get(reverse("users")).content.decode()
    assert reverse("role_grant_confirm", args=[grant.pk]) in page
    own_page = client_for(officer).get(reverse("users")).content.decode()
    assert reverse("role_grant_confirm", args=[grant.pk]) not in own_page
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="another governance officer confirms"),
    ):
        role_grant_confirm(actor=officer, grant=grant)
    with pytest.raises(ValidationError):
        role_grant_confirm(actor=viewer, grant=grant)
    assert _roles(viewer) == set()
    confirmed = client_for(second_officer).post(reverse("role_grant_confirm", args=[grant.pk]))
    assert confirmed.status_code == 302
    assert _roles(viewer) == {Role.TOP_MANAGEMENT}
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by) == ("confirmed", second_officer)
    record = ChangeRecord.objects.filter(object_id=str(viewer.pk), action="grant").get()
    assert record.actor == second_officer
    assert (record.before["roles"], record.after["roles"]) == ([], [Role.TOP_MANAGEMENT])
    with translation.override("en"), pytest.raises(ValidationError, match="decided already"):
        role_grant_refuse(actor=second_officer, grant=grant)


def test_a_new_officer_account_waits_for_a_second_officer_too(officer, second_officer):
    user = user_create(actor=officer, username="kenji", roles=[Role.GOVERNANCE_OFFICER])
    assert _roles(user) == set()
    grant = RoleGrant.objects.get(user=user)
    role_grant_refuse(actor=second_officer, grant=grant)
    grant.refresh_from_db()
    assert grant.status == "refused"
    assert _roles(user) == set()
    again = user_update(actor=officer, user=user, roles=[Role.GOVERNANCE_OFFICER])
    withdrawn = role_grant_refuse(actor=officer, grant=RoleGrant.objects.get(status="pending"))
    assert withdrawn.status == "withdrawn" and _roles(again) == set()


def test_roles_without_approval_apply_at_once(officer, viewer):
    user_update(actor=officer, user=viewer, roles=[Role.OPERATIONAL_MEMBER])
    assert _roles(viewer) == {Role.OPERATIONAL_MEMBER}
    assert not RoleGrant.objects.exists()


def test_the_database_refuses_a_grant_confirmed_by_its_requester(officer, viewer):
    grant = RoleGrant.objects.create(user=viewer, role=Role.TOP_MANAGEMENT, requested_by=officer)
    grant.status, grant.decided_by, grant.decided_at = "confirmed", officer, timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        grant.save()


def test_officers_do_not_change_staff_or_superuser_accounts(officer, make_user, client_for):
    staff = make_user(Role.VIEWER, username="t_staff", is_staff=True)
    root = make_user(None, username="t_root", is_superuser=True, is_staff=True)
    for account in (staff, root):
        with pytest.raises(ValidationError, match="superuser only"):
            user_update(actor=officer, user=account, is_active=False)
        with pytest.raises(ValidationError, match="superuser only"):
            user_set_password(actor=officer, user=account, password="a long enough pass 77")
    response = client_for(officer).post(
        reverse("user_edit", args=[staff.pk]),
        {"username": staff.username, "roles": [Role.VIEWER], "email": "x@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "superuser only" in response.content.decode()
    staff.refresh_from_db()
    assert staff.is_active and staff.email != "x@example.com"


def test_the_last_active_governance_officer_is_not_demoted_or_deactivated(officer, second_officer):
    user_update(actor=officer, user=second_officer, is_active=False)  # one officer remains
    for change in ({"roles": [Role.VIEWER]}, {"is_active": False}):
        with pytest.raises(ValidationError, match="last active governance officer"):
            user_update(actor=None, user=officer, **change)
    officer.refresh_from_db()
    assert officer.is_active and _roles(officer) == {Role.GOVERNANCE_OFFICER}
    user_update(actor=officer, user=second_officer, is_active=True)
    user_update(actor=second_officer, user=officer, roles=[Role.VIEWER])  # another remains
    assert _roles(officer) == {Role.VIEWER}


# --- The admin keeps the same rules --------------------------------------------------------------
def test_staff_who_are_not_superusers_cannot_change_accounts_or_roles_in_the_admin(
    make_user, viewer, client_for
):
    from django.contrib.auth.models import Permission

    staff = make_user(Role.GOVERNANCE_OFFICER, username="t_staff_officer", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="auth", codename__contains="_user")
        | Permission.objects.filter(content_type__app_label="auth", codename__contains="_group")
    )
    client = client_for(staff)
    url = reverse("admin:auth_user_change", args=[viewer.pk])
    response = client.post(url, {"username": viewer.username, "groups": [], "is_active": "on"})
    assert response.status_code == 403
    group = Group.objects.get(name=Role.TOP_MANAGEMENT)
    renamed = client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "x"})
    assert renamed.status_code == 403
    assert Group.objects.filter(name=Role.TOP_MANAGEMENT).exists()
    assert _roles(viewer) == {Role.VIEWER}


def _admin_post(client, user, groups, **extra):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [Group.objects.get(name=name).pk for name in groups],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        **extra,
    }
    return client.post(
        reverse("admin:auth_user_change", args=[user.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_superuser_in_the_admin_follows_the_rules_and_is_logged(officer, viewer, make_user):
    root = make_user(None, username="t_root", is_superuser=True, is_staff=True)
    client = logged_in_client(root)
    own = _admin_post(client, root, [Role.TOP_MANAGEMENT], is_staff="on", is_superuser="on")
    assert own.status_code == 200 and "Nobody changes their own roles" in own.content.decode()
    assert _roles(root) == set()
    last = _admin_post(client, officer, [Role.VIEWER])
    assert last.status_code == 200
    assert "last active governance officer" in last.content.decode()
    assert _roles(officer) == {Role.GOVERNANCE_OFFICER}
    given = _admin_post(client, viewer, [Role.GOVERNANCE_OFFICER])
    assert given.status_code == 302
    assert _roles(viewer) == {Role.GOVERNANCE_OFFICER}  # the break-glass account gives it
    record = ChangeRecord.objects.filter(object_id=str(viewer.pk), action="update").latest("id")
    assert (record.actor, record.after["roles"]) == (root, [Role.GOVERNANCE_OFFICER])


def test_a_superuser_adds_an_account_in_the_admin_and_it_is_logged(make_user):
    root = make_user(None, username="t_root", is_superuser=True, is_staff=True)
    response = logged_in_client(root).post(
        reverse("admin:auth_user_add"),
        {
            "username": "midori",
            "password1": "a long enough passphrase 9",
            "password2": "a long enough passphrase 9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="midori")
    record = ChangeRecord.objects.get(action="create", object_id=str(user.pk))
    assert record.actor == root and record.after["username"] == "midori"
    assert "password" not in record.after
