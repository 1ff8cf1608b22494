"""The personal inbox page, "My work" (``aims.inbox``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aims.inbox import inbox, inbox_total
from aims.permissions import AUTHENTICATED, Policy
from aims.views.base import PageView


class InboxView(PageView):
    """What waits for the signed-in user, grouped by kind: approvals, acceptances, returns,
    reviews due, assigned actions, and decisions on their work."""

    policy = Policy(read=AUTHENTICATED)

    def get(self, request: HttpRequest) -> HttpResponse:
        groups, counts = inbox(request.user)
        request.aims_inbox_total = counts["total"]  # type: ignore[attr-defined]  # the badge
        return render(request, "aims/inbox.html", {"groups": groups, "counts": counts})


class InboxBadgeView(PageView):
    """The navigation's count of what asks the user for action, fetched by the page once it
    is shown (htmx), so that no page waits for it; exact below ``BADGE_LIMIT``."""

    policy = Policy(read=AUTHENTICATED)

    def get(self, request: HttpRequest) -> HttpResponse:
        response = render(
            request, "partials/inbox_badge.html", {"total": inbox_total(request.user)}
        )
        response["Cache-Control"] = "private, no-store"
        return response
