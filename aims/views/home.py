"""The dashboard (panels fitted to the user's roles: ``aims.dashboard``) and the health
check."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.generic import TemplateView

from aims import selectors
from aims.choices import Role
from aims.dashboard import dashboard
from aims.permissions import AUTHENTICATED, PUBLIC, Policy, PolicyViewMixin
from aims.roles import MATRIX, Capability, user_roles
from aims.scope import restrict
from aims.views.base import PageView


class HomeView(PolicyViewMixin, TemplateView):
    policy = Policy(read=AUTHENTICATED)
    template_name = "aims/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        roles = user_roles(user)
        context.update(
            organization=selectors.current_organization(),
            roles=[Role(code).label for code in sorted(roles)],
            capabilities=[Capability(cap).label for cap, who in MATRIX.items() if roles & who],
            recent_changes=list(restrict(selectors.change_records(), user)[:10]),
            unread_count=selectors.notification_unread_count(user=user),
            panels=dashboard(self.request),
        )
        return context


class HealthView(PageView):
    """Liveness and database reachability for load balancers and compose health checks."""

    policy = Policy(read=PUBLIC)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:  # the database is down: say so, without details
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})
