"""Pages of evidence packs: the list, the request form, a pack (its progress, polled with htmx
while it builds, then its SHA-256 and the download) and the download."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from aims.api.reports import report_file_response
from aims.permissions import Policy
from aims.roles import Capability
from aims.scope import restrict
from aims.views.base import EditPageView, ListPageView, PageView
from audit.choices import PackPreset
from audit.filters.packs import EvidencePackFilter
from audit.forms.packs import EvidencePackForm
from audit.models import Audit, EvidencePack
from audit.selectors import packs as selectors
from audit.services.packs import evidence_pack_create

POLICY = Policy(read=Capability.EXPORT, write=Capability.EXPORT)


class EvidencePackListView(ListPageView):
    policy = POLICY
    model = EvidencePack
    selector = staticmethod(selectors.evidence_packs)
    filterset_class = EvidencePackFilter
    template_name = "audit/packs.html"


class EvidencePackCreateView(EditPageView):
    """Request a pack: validated whole by the service; on success the pack's page."""

    policy = POLICY
    model = EvidencePack
    form_class = EvidencePackForm
    template_name = "audit/pack_form.html"
    success_message = _("The evidence pack was requested: it is built in the background.")

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> EvidencePackForm:
        return EvidencePackForm(data, user=self.request.user, initial=self.initial(obj))

    def initial(self, obj: Any) -> dict[str, Any]:
        """``?audit=<id>`` (a link from an audit) fills in the audit, its period and its
        sampled AI systems."""
        text = self.request.GET.get("audit", "")
        if not (text.isdigit() and len(text) < 19):
            return {}
        audit = restrict(Audit.objects.filter(pk=int(text)), self.request.user).first()
        if audit is None:
            return {}
        return {
            "audit": audit,
            "period_from": audit.period_start,
            "period_to": audit.period_end,
            "ai_systems": list(audit.ai_systems.all()),
            "preset": PackPreset.STAGE2,
        }

    def save(self, form: Any, obj: Any) -> EvidencePack:
        return evidence_pack_create(
            actor=self.request.user,
            language=form.cleaned_data["language"],
            parameters=form.parameters(),
        )

    def success_url(self, obj: EvidencePack) -> str:
        return obj.get_absolute_url()


class EvidencePackView(PageView):
    """A pack: what it holds and its job's status; while it builds, the status block asks
    again every two seconds (htmx); without JavaScript, a reload link."""

    policy = POLICY
    model = EvidencePack
    selector = staticmethod(selectors.evidence_packs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_object(pk)
        context = {"pack": pack, "job": pack.job}
        if request.headers.get("HX-Request"):
            return render(request, "audit/pack/_status.html", context)
        return render(request, "audit/pack.html", context)


class EvidencePackDownloadView(PageView):
    policy = POLICY
    model = EvidencePack
    selector = staticmethod(selectors.evidence_packs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return report_file_response(self.get_object(pk).job)


urlpatterns = [
    path("evidence-packs/", EvidencePackListView.as_view(), name="evidence_packs"),
    path("evidence-packs/new/", EvidencePackCreateView.as_view(), name="evidence_pack_create"),
    path("evidence-packs/<int:pk>/", EvidencePackView.as_view(), name="evidence_pack"),
    path(
        "evidence-packs/<int:pk>/download/",
        EvidencePackDownloadView.as_view(),
        name="evidence_pack_download",
    ),
]
