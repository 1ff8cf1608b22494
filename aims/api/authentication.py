"""Bearer-token authentication for integrations (``Authorization: Bearer <token>``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from aims.models import ApiToken
from aims.selectors import api_token_for_string
from aims.services.accounts import token_touch


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates personal API tokens. A missing header leaves other methods to try;
    an unknown, expired or revoked token is a 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        if not raw or " " in raw:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        token = api_token_for_string(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.is_active:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, with the CSRF check moved after the permission check.

    The CSRF check reads the form fields of a POST, and for that DRF parses the body, whatever
    its type: a user who may not write would get a 400 for a malformed body, or have a huge one
    parsed, before the 403. ``PolicyPermission`` runs ``enforce_csrf`` once the policy allows the
    request, so the body of a refused user is never read."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        return user, None


class SessionAuthenticationScheme(SessionScheme):
    """The session's OpenAPI security scheme (``cookieAuth``), as for DRF's own class."""

    target_class = "aims.api.authentication.SessionAuthentication"
