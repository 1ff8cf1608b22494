"""The one permission class of the API: the view's policy, the token's scope, and for a
session the CSRF check (after the policy, see ``SessionAuthentication``)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from aims.api.authentication import SessionAuthentication
from aims.choices import TokenScope
from aims.models import ApiToken
from aims.permissions import SAFE_METHODS, allows, log_denial, policy_of


class PolicyPermission(permissions.BasePermission):
    message = _("You do not have permission to perform this action.")

    def has_permission(self, request: Request, view: Any) -> bool:
        policy = getattr(view, "policy", None) or policy_of(view)
        if policy is None:  # fail closed: a view without a policy serves nobody
            log_denial(request, "no policy declared", level=logging.WARNING)
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
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # Only now, for a user the policy allows: the check may parse the body.
            request.successful_authenticator.enforce_csrf(request)
        return True
