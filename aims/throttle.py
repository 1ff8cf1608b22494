"""Login throttling: failed sign-ins are counted per username and per client address in
Redis; past the limit, sign-in is refused for the lockout period without checking the
password, so guessing stops paying off."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def is_locked_out(request: HttpRequest, username: str) -> bool:
    counts = cache.get_many([_key("user", username), _key("addr", client_address(request))])
    return (
        counts.get(_key("user", username), 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(_key("addr", client_address(request)), 0)
        >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    )


def record_failure(request: HttpRequest, username: str) -> None:
    for key in (_key("user", username), _key("addr", client_address(request))):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        cache.incr(key)


def reset(request: HttpRequest, username: str) -> None:
    cache.delete(_key("user", username))
