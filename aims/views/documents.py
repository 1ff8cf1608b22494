"""Pages of documented information (7.5): the list, a document with its versions and the
workflow steps, the create-or-edit form, a version's file."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from aims import selectors
from aims.filters import DocumentFilter
from aims.forms.documents import DocumentForm
from aims.models import Document, DocumentVersion
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.services.documents import document_create, document_edit, latest_version
from aims.storage import file_download
from aims.views.approval import ApprovalCompareView, ApprovalStepView, approval_context
from aims.views.base import EditPageView, PageView, filtered


class DocumentListView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = Document
    selector = staticmethod(selectors.documents)

    def get(self, request: HttpRequest) -> HttpResponse:
        # Filters the dashboard and clause conformance link with (kind, approved, to_review).
        filters, rows, _valid = filtered(DocumentFilter, request, self.rows())
        context = {
            "documents": rows,
            "filtered": filters.is_bound,
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/documents/list.html", context)


class DocumentDetailView(PageView):
    """A document's versions, with the workflow steps the viewer's role allows."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Document
    selector = staticmethod(selectors.documents)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_object(pk)
        versions = list(document.versions.all())
        latest = versions[0] if versions else None
        editable = has_capability(request.user, Capability.CHANGE_ALL_RECORDS)
        context: dict[str, Any] = {
            "document": document,
            "versions": versions,
            "latest": latest,
            "can_edit": editable,
        }
        if latest is not None:
            urls = {
                step: reverse(f"document_{step}", args=[document.pk])
                for step in ("submit", "approve", "return")
            }
            context.update(approval_context(request, latest, editable=editable, urls=urls))
        return render(request, "aims/documents/detail.html", context)


class DocumentStepView(ApprovalStepView):
    """A workflow step on a document: it acts on the document's latest version."""

    model = Document

    def approval_target(self, obj: Document) -> DocumentVersion:
        latest = latest_version(obj)
        assert latest is not None  # a document is created with its first version
        return latest


class DocumentSubmitView(DocumentStepView):
    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    step = "submit"


class DocumentApproveView(DocumentStepView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "approve"


class DocumentReturnView(DocumentStepView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "return"


class DocumentCompareView(ApprovalCompareView):
    """Two versions of a document side by side."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = DocumentVersion


class DocumentEditView(EditPageView):
    """Create (no ``pk``) or edit a document; editing an approved one starts a new draft."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = Document
    selector = staticmethod(selectors.documents)
    form_class = DocumentForm
    template_name = "aims/documents/form.html"
    object_name = "document"
    success_message = gettext_lazy("The document was saved.")

    def initial(self, obj: Document | None) -> dict[str, Any]:
        if obj is None:
            return {}
        fields = ("title", "kind", "description", "review_interval_days", "next_review_on")
        initial: dict[str, Any] = {name: getattr(obj, name) for name in fields}
        latest = obj.versions.first()
        initial["content"] = latest.content if latest else ""
        return initial

    def save(self, form: DocumentForm, obj: Document | None) -> Document:
        data = dict(form.cleaned_data)
        if obj is None:
            data.pop("change_summary")
            return document_create(actor=self.request.user, **data)
        document_edit(actor=self.request.user, document=obj, **data)
        return obj

    def success_url(self, obj: Document) -> str:
        return obj.get_absolute_url()


class DocumentFileView(PageView):
    """Serves a version's file to those who may see the document (never from the web root)."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = DocumentVersion

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        return file_download(version.file, filename=version.file_name or "document")
