"""Login throttling with django-axes: what the settings name (``AXES_*``, README "Sign-in
lockouts").

Failed sign-ins are counted in the database per client address *and* username, and per
username from every address. Each has its own limit:

* ``LOGIN_FAILURE_LIMIT`` failures of one client on one username lock that client out of that
  username (everyone else, the user included, still signs in from elsewhere);
* ``LOGIN_FAILURE_LIMIT_PER_USERNAME`` failures on one username, from all addresses together,
  lock the username (a guessing attack spread over many addresses).

Failures on other usernames never count against a user: one address guessing at made-up
names (or at everyone's) locks nobody out. Lockouts last ``LOGIN_LOCKOUT_SECONDS`` after the
last counted failure; ``manage.py axes_reset_username NAME`` lifts one at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from ipware.ip import get_client_ip


def failure_limit(request: HttpRequest | None = None, credentials: Any = None) -> int:
    """``AXES_FAILURE_LIMIT``: the limit of one client on one username (see ``get_failures``)."""
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: how long failures count and a lockout lasts."""
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def client_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the address of the client that sent ``request``.

    Without trusted proxies (``TRUSTED_PROXY_COUNT`` 0) the connection's own address; the
    forwarding header is ignored, whatever a client writes into it. Behind N trusted proxies,
    each of which appends the address it received the request from to ``TRUSTED_PROXY_HEADER``,
    the N-th entry from the right: the address the outermost proxy saw. Entries left of it were
    written by the client and are not believed. A request that did not come through the
    proxies (no usable header) keeps the connection's address.
    """
    remote = request.META.get("REMOTE_ADDR") or None  # none: a test client's force_login
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote
    header = "HTTP_" + settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    # django-ipware's ``proxy_count`` counts the proxies listed in the header: the nearest proxy
    # is the connection itself and writes only the address before it.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=count - 1,
        request_header_order=[header],
        strict=False,
    )
    return address or remote


def _limit(parameters: str | Sequence[str]) -> int:
    """The limit of one set of ``AXES_LOCKOUT_PARAMETERS``: with the address, one client's;
    the username alone, every address's together."""
    names = [parameters] if isinstance(parameters, str) else list(parameters)
    if "ip_address" in names:
        return settings.LOGIN_FAILURE_LIMIT
    return settings.LOGIN_FAILURE_LIMIT_PER_USERNAME


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit for each set of lockout parameters, and a successful
    sign-in that clears only the failures of the client that signed in."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """Axes compares one number with ``AXES_FAILURE_LIMIT``: answer with the failure limit
        less the attempts left before the nearest lockout, so it reaches the limit exactly when
        one set of parameters reaches its own."""
        attempts_per_set = self.get_user_attempts(request, credentials)
        left = min(
            _limit(parameters)
            - (attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)
            for parameters, attempts in zip(
                settings.AXES_LOCKOUT_PARAMETERS, attempts_per_set, strict=True
            )
        )
        return failure_limit() - left

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful sign-in: the failures of this client on this username go; those
        of other addresses on it keep counting (the user knowing their password says nothing
        about who else is guessing it)."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username,
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by Axes
        ).delete()
        return count
