"""Pages of documented information."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aims import selectors, services
from aims.choices import DocumentKind
from aims.models import DocumentVersion
from aims.permissions import Policy, PolicyViewMixin
from aims.roles import Capability, has_capability


class DocumentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DocumentKind.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_interval_days = forms.IntegerField(
        label=gettext_lazy("Review interval (days)"), min_value=1, required=False
    )
    next_review_on = forms.DateField(
        label=gettext_lazy("Next review"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    content = forms.CharField(
        label=gettext_lazy("Content"), required=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    file = forms.FileField(label=gettext_lazy("File"), required=False)
    change_summary = forms.CharField(
        label=gettext_lazy("What changed"), max_length=300, required=False
    )


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class DocumentListView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "documents": selectors.document_list(user=request.user),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/documents/list.html", context)


class DocumentDetailView(PolicyViewMixin, View):
    """A document's versions, with the workflow steps the viewer's role allows."""

    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
        versions = list(document.versions.all())
        user = request.user
        context = {
            "document": document,
            "versions": versions,
            "latest": versions[0] if versions else None,
            "approved": next((v for v in versions if v.status == "approved"), None),
            "can_edit": has_capability(user, Capability.CHANGE_ALL_RECORDS),
            "can_approve": has_capability(user, Capability.APPROVE),
        }
        return render(request, "aims/documents/detail.html", context)


class DocumentStepView(PolicyViewMixin, View):
    """One workflow step on a document (POST only); the subclasses name the step."""

    http_method_names = ["post"]
    policy: Policy

    def run(self, request: HttpRequest, document: Any) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
        try:
            self.run(request, document)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Done."))
        return redirect("document", pk=pk)


class DocumentSubmitView(DocumentStepView):
    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)

    def run(self, request: HttpRequest, document: Any) -> None:
        services.document_submit(actor=request.user, document=document)


class DocumentApproveView(DocumentStepView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)

    def run(self, request: HttpRequest, document: Any) -> None:
        services.document_approve(actor=request.user, document=document)


class DocumentReturnView(DocumentStepView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)

    def run(self, request: HttpRequest, document: Any) -> None:
        services.document_return(
            actor=request.user, document=document, comment=request.POST.get("comment", "")
        )


class DocumentEditView(PolicyViewMixin, View):
    """Create (no ``pk``) or edit a document; editing an approved one starts a new draft."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    template_name = "aims/documents/form.html"

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        document = None
        initial: dict[str, Any] = {}
        if pk is not None:
            document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
            latest = document.versions.first()
            initial = {
                name: getattr(document, name)
                for name in (
                    "title",
                    "kind",
                    "description",
                    "review_interval_days",
                    "next_review_on",
                )
            }
            initial["content"] = latest.content if latest else ""
        form = DocumentForm(initial=initial)
        return render(request, self.template_name, {"form": form, "document": document})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        document = None
        if pk is not None:
            document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if document is None:
                    data.pop("change_summary")
                    document = services.document_create(actor=request.user, **data)
                else:
                    services.document_edit(actor=request.user, document=document, **data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The document was saved."))
                return redirect("document", pk=document.pk)
        return render(request, self.template_name, {"form": form, "document": document}, status=400)


class DocumentFileView(PolicyViewMixin, View):
    """Serves a version's file to those who may see the document (never from the web root)."""

    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        documents = selectors.document_list(user=request.user)
        version = get_object_or_404(DocumentVersion.objects.filter(document__in=documents), pk=pk)
        if not version.file:
            raise Http404
        response = FileResponse(
            version.file.open("rb"), as_attachment=True, filename=version.file_name or "document"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
