"""Access policies, declared once per view or viewset and enforced in one place.

Every URL of the platform resolves to a view that carries a ``policy``; the permission-matrix
test fails on any view without one. A policy names, for reads and for writes (and optionally
per API action), who may pass: everyone (``PUBLIC``), any signed-in user (``AUTHENTICATED``),
staff only (``STAFF``, the Django admin) or the holders of a capability of the role matrix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from aims.roles import Capability, has_capability
from aims.scope import CHANGE, VIEW

PUBLIC = "public"
AUTHENTICATED = "authenticated"
STAFF = "staff"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Accesses under which a request writes records: it acts on the rows the user may change.
CHANGE_ACCESSES = frozenset({Capability.CHANGE_RECORDS, Capability.CHANGE_ALL_RECORDS})

security_log = logging.getLogger("aims.security")


@dataclass(frozen=True)
class Policy:
    """Who may call a view: ``read`` for safe methods, ``write`` for the others.

    ``actions`` overrides either for a named API action (``"approve"``, ``"destroy"``, …) or
    for an HTTP method of a UI view (``"POST"``).
    """

    read: str
    write: str | None = None
    actions: Mapping[str, str] = field(default_factory=dict)

    def access_for(self, *, method: str, action: str | None = None) -> str:
        if action is not None and action in self.actions:
            return self.actions[action]
        if method in self.actions:
            return self.actions[method]
        if method in SAFE_METHODS or self.write is None:
            return self.read
        return self.write

    def row_action(self, *, method: str, action: str | None = None) -> str:
        """The rows a request acts on (``aims.scope.restrict``): those the user may change
        when the access it needs is a right to change records, else those they may see (an
        approver approves what they can see; a token holder revokes their own tokens)."""
        access = self.access_for(method=method, action=action)
        return CHANGE if access in CHANGE_ACCESSES else VIEW

    def accesses(self) -> set[str]:
        return {self.read, *([self.write] if self.write else []), *self.actions.values()}


def allows(user: Any, access: str) -> bool:
    if access == PUBLIC:
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if access == AUTHENTICATED:
        return True
    if access == STAFF:
        return bool(user.is_staff)
    if access in Capability.values:
        return has_capability(user, access)
    raise ValueError(f"Unknown access rule {access!r}")


def log_denial(request: HttpRequest, reason: str, *, level: int = logging.INFO) -> None:
    """One line per denial. An ordinary refusal (a role without the right, an anonymous visitor
    sent to sign in) is routine and logs at INFO; callers pass WARNING for what an operator
    should notice (failed sign-ins, a view without a policy)."""
    user = getattr(request, "user", None)
    security_log.log(
        level,
        "denied %s %s user=%s reason=%s request_id=%s",
        request.method,
        request.path,
        user.get_username() if user is not None and user.is_authenticated else "-",
        reason,
        getattr(request, "request_id", "-"),
    )


class PolicyViewMixin:
    """Enforces ``policy`` before any handler of a UI view runs.

    Anonymous users are sent to the login page; signed-in users without the right get 403.
    Page views read their rows through ``aims.scope.restrict`` (``aims.views.base``), so an
    object the user may not see is a 404.
    """

    policy: Policy

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        access = self.policy.access_for(method=request.method or "GET")
        if not allows(request.user, access):
            log_denial(request, f"policy {access}")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def policy_of(view_func: Any) -> Policy | None:
    """The policy of a resolved URL callback (class-based view, DRF view or viewset)."""
    for holder in (
        getattr(view_func, "view_class", None),  # Django class-based views
        getattr(view_func, "cls", None),  # DRF APIView / ViewSet
        view_func,
    ):
        policy = getattr(holder, "policy", None)
        if isinstance(policy, Policy):
            return policy
    return None
