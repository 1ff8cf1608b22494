"""The one permission class of the API: the view's policy plus the token's scope."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from aims.choices import TokenScope
from aims.models import ApiToken
from aims.permissions import SAFE_METHODS, allows, log_denial, policy_of


class PolicyPermission(permissions.BasePermission):
    message = _("You do not have permission to perform this action.")

    def has_permission(self, request: Request, view: Any) -> bool:
        policy = getattr(view, "policy", None) or policy_of(view)
        if policy is None:  # fail closed: a view without a policy serves nobody
            log_denial(request, "no policy declared")
            return False
        access = policy.access_for(method=request.method, action=getattr(view, "action", None))
        if not allows(request.user, access):
            log_denial(request, f"policy {access}")
            return False
        token = request.auth
        if (
            isinstance(token, ApiToken)
            and token.scope == TokenScope.READ
            and request.method not in SAFE_METHODS
        ):
            log_denial(request, "read-only token")
            self.message = _("This token is read-only.")
            return False
        return True
