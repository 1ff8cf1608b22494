"""Login throttling (django-axes, ``aims.login_throttle``): an attacking client is locked out
of the usernames it guesses at, a username under attack from many addresses is locked until
the cool-off or an officer's reset, and nobody else is ever refused their correct password."""

from __future__ import annotations

import secrets
import socket

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client, RequestFactory
from django.urls import reverse

from aims.login_throttle import client_address

ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.2"
PROXY = "10.0.0.1"
LOCKED_EN = "Too many failed sign-ins"
LOCKED_JA = "ログインの失敗が多すぎる"


def login(client: Client, username: str, password: str, url: str = "", **extra):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, **extra
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def failures(username: str, **where: str) -> int:
    attempts = AccessAttempt.objects.filter(username=username, **where)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def test_random_usernames_from_one_address_lock_nobody_else_out(officer, executive, password):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _attempt in range(100):
        response = login(attacker, f"nobody-{secrets.token_hex(6)}", "guess")
        assert response.status_code == 200
    # The officer and the executive share the attacker's address (a NAT, a proxy) and sign in.
    for user in (officer, executive):
        assert signed_in(login(Client(REMOTE_ADDR=ATTACKER), user.username, password))


def test_a_client_guessing_a_password_is_locked_out_of_that_username_only(
    officer, executive, password, settings
):
    settings.LOGIN_FAILURE_LIMIT = 5
    attacker = Client(REMOTE_ADDR=ATTACKER)
    pages = [login(attacker, officer.username, f"guess {n}") for n in range(30)]
    assert [LOCKED_JA in page.content.decode() for page in pages] == [False] * 4 + [True] * 26
    # Locked out: the right password does not help that client now.
    response = login(attacker, officer.username, password)
    assert response.status_code == 200 and not signed_in(response)
    assert response.context["form"].errors["__all__"][0].startswith(LOCKED_JA)
    attacker.post(reverse("set_language"), {"language": "en"})
    english = login(attacker, officer.username, password).content.decode()
    assert LOCKED_EN in english and "Traceback" not in english
    # Attempts of a locked-out client do not count: the username is not locked for everyone.
    assert failures(officer.username) == 5
    assert signed_in(login(Client(REMOTE_ADDR=COLLEAGUE), officer.username, password))
    # Other usernames from the attacker's own address are not locked either.
    assert signed_in(login(Client(REMOTE_ADDR=ATTACKER), executive.username, password))


def test_a_username_attacked_from_many_addresses_is_locked_until_reset(officer, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 10
    for n in range(10):
        login(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), officer.username, "guess")
    response = login(Client(REMOTE_ADDR=COLLEAGUE), officer.username, password)
    assert not signed_in(response)
    assert response.context["form"].errors["__all__"][0].startswith(LOCKED_JA)
    # The documented unlock: an administrator resets the username's failures.
    call_command("axes_reset_username", officer.username, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert signed_in(login(Client(REMOTE_ADDR=COLLEAGUE), officer.username, password))


def test_a_lockout_ends_after_the_lockout_period(officer, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 900
    attacker = Client(REMOTE_ADDR=ATTACKER)
    with time_machine.travel("2026-05-01 09:00 +0000", tick=False) as clock:
        for _attempt in range(3):
            login(attacker, officer.username, "guess")
        clock.shift(899)
        assert not signed_in(login(attacker, officer.username, password))
        clock.shift(2)
        assert signed_in(login(attacker, officer.username, password))


def test_a_success_clears_only_the_failures_of_the_client_that_signed_in(
    officer, password, settings
):
    settings.LOGIN_FAILURE_LIMIT = 5
    login(Client(REMOTE_ADDR=ATTACKER), officer.username, "guess")
    login(Client(REMOTE_ADDR=COLLEAGUE), officer.username, "typo")
    assert signed_in(login(Client(REMOTE_ADDR=COLLEAGUE), officer.username, password))
    assert failures(officer.username, ip_address=COLLEAGUE) == 0
    assert failures(officer.username, ip_address=ATTACKER) == 1


def test_admin_sign_in_failures_are_counted_and_lock(make_user, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    staff = make_user(username="t_staff", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        assert login(client, staff.username, f"guess {n}", admin_login).status_code == 200
    assert failures(staff.username) == 5
    response = login(client, staff.username, password, admin_login)
    assert response.status_code == 200 and not signed_in(response)
    assert LOCKED_JA in response.content.decode()
    # The same throttle: the app's sign-in refuses that client too.
    assert not signed_in(login(client, staff.username, password))
    # From another address the administrator still signs in to the admin site.
    assert signed_in(login(Client(REMOTE_ADDR=COLLEAGUE), staff.username, password, admin_login))


def test_the_proxy_header_is_believed_only_when_proxies_are_configured(officer, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXY_COUNT = 0
    # No trusted proxy: a header the client writes changes nothing, it is one client.
    for n in range(5):
        forged = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
        login(forged, officer.username, "guess")
    assert failures(officer.username, ip_address=PROXY) == 5
    forged = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=COLLEAGUE)
    assert not signed_in(login(forged, officer.username, password))

    # Behind one trusted proxy: the address it appends is the client's.
    settings.TRUSTED_PROXY_COUNT = 1
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=COLLEAGUE)
    assert signed_in(login(colleague, officer.username, password))
    for n in range(5):
        attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
        login(attacker, officer.username, f"guess {n}")
    assert failures(officer.username, ip_address=ATTACKER) == 5
    # The attacker writes the colleague's address first; the proxy appends the real one.
    spoofed = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{COLLEAGUE}, {ATTACKER}")
    assert not signed_in(login(spoofed, officer.username, password))
    assert signed_in(login(colleague, officer.username, password))


@pytest.mark.parametrize(
    "proxies,remote,header,expected",
    [
        (0, PROXY, None, PROXY),
        (0, PROXY, ATTACKER, PROXY),
        (1, PROXY, ATTACKER, ATTACKER),
        (1, PROXY, f"{COLLEAGUE}, {ATTACKER}", ATTACKER),
        (1, PROXY, f"not-an-address, {ATTACKER}", ATTACKER),
        (1, PROXY, "2001:db8::7", "2001:db8::7"),
        (1, PROXY, None, PROXY),  # not through the proxy: the connection's address
        (1, PROXY, "garbage", PROXY),
        (2, PROXY, f"{COLLEAGUE}, {ATTACKER}, 10.9.9.9", ATTACKER),
        (2, PROXY, ATTACKER, PROXY),  # fewer entries than proxies: not through both
    ],
)
def test_client_address(settings, proxies, remote, header, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if header is not None:
        meta["HTTP_X_FORWARDED_FOR"] = header
    assert client_address(RequestFactory().post("/accounts/login/", **meta)) == expected


def test_a_configured_header_name_is_read(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_HEADER = "X-Real-Client"
    request = RequestFactory().post(
        "/", REMOTE_ADDR=PROXY, HTTP_X_REAL_CLIENT=ATTACKER, HTTP_X_FORWARDED_FOR=COLLEAGUE
    )
    assert client_address(request) == ATTACKER


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sign_in_works_while_redis_is_down(officer, password, settings):
    """The throttle keeps its counts in PostgreSQL: with the cache unreachable, sign-in, a wrong
    password and a lockout all answer as usual, never a server error."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/1",
        }
    }
    settings.LOGIN_FAILURE_LIMIT = 2
    assert signed_in(login(Client(REMOTE_ADDR=COLLEAGUE), officer.username, password))
    attacker = Client(REMOTE_ADDR=ATTACKER)
    wrong = login(attacker, officer.username, "guess")
    assert wrong.status_code == 200 and wrong.context["form"].errors["__all__"]
    locked = login(attacker, officer.username, "guess again")
    assert locked.status_code == 200
    assert locked.context["form"].errors["__all__"][0].startswith(LOCKED_JA)
