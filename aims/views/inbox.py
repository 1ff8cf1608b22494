"""The personal inbox page, "My work" (``aims.inbox``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aims.inbox import inbox
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
