"""The certification readiness page (``aims.readiness``): every item of the documented
information ISO/IEC 42001 asks for, with its state from the live records and a link to fix
it, and the Stage 1 and Stage 2 verdicts. For the roles that see all records (the verdict
speaks of the whole organisation; an operational member or an external auditor sees only a
part of it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aims.permissions import Policy
from aims.readiness import readiness
from aims.roles import Capability
from aims.views.base import PageView


class ReadinessView(PageView):
    policy = Policy(read=Capability.SEE_ALL_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "aims/readiness.html", {"readiness": readiness(request.user)})
