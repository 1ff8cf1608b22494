"""Pages of evidence: the list with its freshness filters, a piece of evidence with its
versions, links and history, the create and change forms (drag and drop of the file), a new
version, the review of a version and the download of a version's file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.forms.base import form_errors
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted
from aims.storage import file_download
from aims.views.base import EditPageView, ListPageView, PageView
from controls.filters.evidence import EvidenceFilter
from controls.forms.evidence import EvidenceForm, EvidenceReviewForm, EvidenceVersionForm
from controls.models import Evidence, EvidenceVersion
from controls.selectors import evidence as selectors
from controls.services.evidence import (
    can_review,
    evidence_create,
    evidence_update,
    evidence_version_add,
    evidence_version_review,
)


class EvidenceListView(ListPageView):
    """Evidence with its freshness (expired, expiring within 30 days), 50 a page."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Evidence
    selector = staticmethod(selectors.evidence_rows)
    filterset_class = EvidenceFilter
    template_name = "controls/evidence_list.html"

    def list_rows(self, rows: Any) -> Any:
        return rows.order_by("title", "id")

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        context["today"] = timezone.localdate()
        context["can_create"] = has_capability(self.request.user, Capability.CHANGE_RECORDS)
        return context


class EvidenceDetailView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = Evidence
    selector = staticmethod(selectors.evidence_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        evidence = self.get_object(pk)
        versions = list(evidence.versions.all())
        for version in versions:
            version.evidence = evidence  # the review rule reads its owner: no query per row
            version.reviewable = can_review(request.user, version)  # type: ignore[attr-defined]
        context = {
            "evidence": evidence,
            "versions": versions,
            "freshness": selectors.freshness(evidence),
            "can_edit": permitted(request.user, CHANGE, evidence),
            "links": selectors.evidence_link_targets(evidence, request.user),
            "review_form": EvidenceReviewForm(),
        }
        return render(request, "controls/evidence_detail.html", context)


class EvidenceEditView(EditPageView):
    """New evidence with its first version, or a change of what evidence says."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Evidence
    template_name = "controls/evidence_form.html"
    object_name = "evidence"
    success_message = gettext_lazy("The evidence “%(name)s” was saved.")

    def get_form(self, obj: Evidence | None, data: Any = None, files: Any = None) -> EvidenceForm:
        initial: dict[str, Any] = {}
        if obj is not None:
            initial = {name: getattr(obj, name) for name in EvidenceForm.FIELDS}
            initial["ai_systems"] = list(obj.ai_systems.all())
            initial["controls"] = list(obj.controls.all())
        else:
            initial["effective_from"] = timezone.localdate()
        return EvidenceForm(
            data, files, initial=initial, user=self.request.user, creating=obj is None
        )

    def save(self, form: EvidenceForm, obj: Evidence | None) -> Evidence:
        data = form.evidence_data()
        if obj is None:
            return evidence_create(actor=self.request.user, version=form.version_data(), **data)
        return evidence_update(actor=self.request.user, evidence=obj, **data)

    def success_url(self, obj: Evidence) -> str:
        return obj.get_absolute_url()


class EvidenceVersionCreateView(EditPageView):
    """A new version of evidence (a file or a link); the older ones stay as they were."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Evidence
    template_name = "controls/evidence_version_form.html"
    object_name = "evidence"
    success_message = gettext_lazy("A new version of “%(name)s” was added.")

    def get_form(
        self, obj: Evidence | None, data: Any = None, files: Any = None
    ) -> EvidenceVersionForm:
        return EvidenceVersionForm(data, files, initial={"effective_from": timezone.localdate()})

    def save(self, form: EvidenceVersionForm, obj: Evidence) -> Evidence:
        evidence_version_add(actor=self.request.user, evidence=obj, **form.version_data())
        return obj

    def success_url(self, obj: Evidence) -> str:
        return obj.get_absolute_url()


class EvidenceReviewView(PageView):
    """Accept or reject a submitted version: its evidence's owner or an approver, never its
    uploader (the service decides and says why not)."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.SEE_RECORDS)
    model = EvidenceVersion
    selector = staticmethod(selectors.evidence_versions)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        return self.render_form(version, EvidenceReviewForm())

    def render_form(self, version: EvidenceVersion, form: Any, status: int = 200) -> HttpResponse:
        context = {"version": version, "evidence": version.evidence, "form": form}
        return render(
            request=self.request,
            template_name="controls/evidence_review.html",
            context=context,
            status=status,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        form = EvidenceReviewForm(request.POST)
        if form.is_valid():
            try:
                evidence_version_review(
                    actor=request.user,
                    version=version,
                    accepted=form.cleaned_data["decision"] == "accept",
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The review was recorded."))
                return redirect(version.evidence.get_absolute_url())
        return self.render_form(version, form, status=400)


class EvidenceDownloadView(PageView):
    """A version's file for those who may see the evidence: streamed from the local disk, or
    a short-lived presigned URL of the object store, only after this check. A link version
    redirects to its URL."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = EvidenceVersion
    selector = staticmethod(selectors.evidence_versions)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        if version.url:
            return HttpResponseRedirect(version.url)
        if not version.file:
            raise Http404
        return file_download(
            version.file, filename=version.file_name, content_type=version.content_type
        )


urlpatterns: list[Any] = [
    path("evidence/", EvidenceListView.as_view(), name="evidence_list"),
    path("evidence/new/", EvidenceEditView.as_view(), name="evidence_create"),
    path("evidence/<int:pk>/", EvidenceDetailView.as_view(), name="evidence"),
    path("evidence/<int:pk>/edit/", EvidenceEditView.as_view(), name="evidence_edit"),
    path(
        "evidence/<int:pk>/versions/new/",
        EvidenceVersionCreateView.as_view(),
        name="evidence_version_create",
    ),
    path(
        "evidence/versions/<int:pk>/review/", EvidenceReviewView.as_view(), name="evidence_review"
    ),
    path(
        "evidence/versions/<int:pk>/download/",
        EvidenceDownloadView.as_view(),
        name="evidence_download",
    ),
]
