"""Personal API tokens: hashed, shown once, expiring, revocable, read-only or read-write."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aims.models import ApiToken, ChangeRecord
from aims.services.accounts import token_create, token_revoke


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_token_is_stored_only_as_a_digest(officer):
    token, raw = token_create(user=officer, actor=officer, name="ci", scope="write", days=30)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith(f"aims_{stored.prefix}_")
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {getattr(stored, f.attname) for f in ApiToken._meta.fields}


def test_token_authenticates_and_updates_last_used(officer):
    token, raw = token_create(user=officer, actor=officer, name="ci", scope="read", days=1)
    response = bearer(raw).get(reverse("api:me"))
    assert response.status_code == 200
    assert response.json()["username"] == officer.username
    assert "governance_officer" in response.json()["roles"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_read_only_token_gets_403_on_writes(officer):
    _token, raw = token_create(user=officer, actor=officer, name="ci", scope="read", days=1)
    client = bearer(raw)
    assert client.get(reverse("api:token-list")).status_code == 200
    response = client.post(reverse("api:token-list"), {"name": "x", "scope": "read"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] in (
        "This token is read-only.",
        "このトークンは読み取り専用です。",
    )
    assert ApiToken.objects.count() == 1


def test_write_token_can_write(operator):
    _token, raw = token_create(user=operator, actor=operator, name="ci", scope="write", days=1)
    response = bearer(raw).post(
        reverse("api:token-list"), {"name": "second", "scope": "read"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["token"].startswith("aims_")


def test_expired_token_gets_401(officer):
    _token, raw = token_create(user=officer, actor=officer, name="ci", scope="write", days=1)
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = bearer(raw).get(reverse("api:me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "authentication_failed"


def test_revoked_token_gets_401(officer):
    token, raw = token_create(user=officer, actor=officer, name="ci", scope="write", days=1)
    token_revoke(token=token, actor=officer)
    assert bearer(raw).get(reverse("api:me")).status_code == 401


@pytest.mark.parametrize("raw", ["nonsense", "aims_deadbeef_wrong", "aims__x", "a b"])
def test_bad_tokens_get_401_and_change_nothing(db, raw):
    response = bearer(raw).get(reverse("api:me"))
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"status", "code", "message"}


def test_token_of_inactive_user_gets_401(operator):
    _token, raw = token_create(user=operator, actor=operator, name="ci", scope="read", days=1)
    operator.is_active = False
    operator.save()
    assert bearer(raw).get(reverse("api:me")).status_code == 401


def test_api_create_shows_the_token_once(officer, api_client_for):
    client = api_client_for(officer)
    created = client.post(
        reverse("api:token-list"), {"name": "pipeline", "scope": "write", "days": 7}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("aims_") and body["scope"] == "write"
    assert body["status"] == "active"
    listed = client.get(reverse("api:token-list")).json()["results"]
    assert "token" not in listed[0]
    shown = client.get(reverse("api:token-detail", args=[body["id"]])).json()
    assert "token" not in shown
    assert ChangeRecord.objects.filter(action="create", object_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "scope": "read", "days": 0}, "days"),
        ({"name": "x", "scope": "read", "days": 100000}, "days"),
    ],
)
def test_api_create_rejects_bad_input(officer, api_client_for, payload, field):
    response = api_client_for(officer).post(reverse("api:token-list"), payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


def test_revoke_through_api(officer, api_client_for):
    token, raw = token_create(user=officer, actor=officer, name="ci", scope="read", days=1)
    client = api_client_for(officer)
    response = client.post(reverse("api:token-revoke", args=[token.pk]))
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert bearer(raw).get(reverse("api:me")).status_code == 401
    assert ChangeRecord.objects.filter(action="revoke", object_id=str(token.pk)).count() == 1


def test_other_users_tokens_are_404(operator, auditor, api_client_for):
    token, _raw = token_create(user=auditor, actor=auditor, name="mine", scope="read", days=1)
    client = api_client_for(operator)
    assert client.get(reverse("api:token-detail", args=[token.pk])).status_code == 404
    assert client.delete(reverse("api:token-detail", args=[token.pk])).status_code == 404
    assert client.get(reverse("api:token-list")).json()["count"] == 0
    token.refresh_from_db()
    assert token.revoked_at is None


def test_officer_sees_and_revokes_everyones_tokens(officer, operator, api_client_for):
    token, _raw = token_create(user=operator, actor=operator, name="op", scope="read", days=1)
    client = api_client_for(officer)
    assert client.get(reverse("api:token-list")).json()["count"] == 1
    assert client.delete(reverse("api:token-detail", args=[token.pk])).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("role_fixture", ["executive", "viewer", "external_auditor"])
def test_roles_without_tokens_cannot_create_them(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(ValidationError):
        token_create(user=user, actor=user, name="x", scope="read", days=1)


def test_ui_creates_token_shown_once_and_revokes(operator, client_for):
    client = client_for(operator)
    response = client.post(reverse("tokens"), {"name": "laptop", "scope": "read", "days": 10})
    assert response.status_code == 200
    raw = response.context["created_token"]
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert raw not in client.get(reverse("tokens")).content.decode()
    token = ApiToken.objects.get()
    assert client.post(reverse("token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.status == "revoked"


def test_ui_rejects_bad_input(operator, client_for):
    response = client_for(operator).post(reverse("tokens"), {"name": "", "scope": "x"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_create_token_command_prints_only_the_token(operator, capsys):
    call_command("create_token", "--user", operator.username, "--scope", "write", "--days", "3")
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and out.startswith("aims_")
    token = ApiToken.objects.get()
    assert (token.scope, token.user) == ("write", operator)
    assert timedelta(days=2, hours=23) < token.expires_at - token.created_at <= timedelta(days=3)
    assert bearer(out).get(reverse("api:me")).status_code == 200


def test_create_token_command_errors(operator):
    with pytest.raises(CommandError, match="No user named"):
        call_command("create_token", "--user", "ghost", "--scope", "read")
    with pytest.raises(CommandError, match="days"):
        call_command("create_token", "--user", operator.username, "--scope", "read", "--days", "0")
    assert not ApiToken.objects.exists()
