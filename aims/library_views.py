"""Pages of the reference-library browser and the officers' import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aims import selectors, services
from aims.api.library import LIBRARY_IMPORT_MAX_BYTES
from aims.library_attributes import describe_attributes
from aims.permissions import AUTHENTICATED, Policy, PolicyViewMixin
from aims.roles import Capability, has_capability

RESULT_LABELS = {
    "created": gettext_lazy("added to the library"),
    "updated": gettext_lazy("updated to the new version"),
    "unchanged": gettext_lazy("already loaded; nothing changed"),
    "official_text": gettext_lazy("official text imported"),
}


class LibraryImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Library file"),
        help_text=gettext_lazy(
            "A YAML file in the library format: an additional framework, a newer version of "
            "one, a crosswalk, or the licensed official text of a framework."
        ),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > LIBRARY_IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".yaml", ".yml")):
            raise ValidationError(_("Upload a .yaml file."))
        return upload


class FrameworkListView(PolicyViewMixin, View):
    policy = Policy(read=AUTHENTICATED)

    def get(self, request: HttpRequest) -> HttpResponse:
        frameworks = selectors.framework_list(user=request.user)
        context = {
            "frameworks": frameworks,
            "can_import": has_capability(request.user, Capability.MANAGE_USERS),
        }
        return render(request, "aims/library/frameworks.html", context)


class FrameworkDetailView(PolicyViewMixin, View):
    """The requirement tree of one framework; ``?q=`` narrows it to matching items."""

    policy = Policy(read=AUTHENTICATED)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        framework = get_object_or_404(selectors.framework_list(user=request.user), pk=pk)
        query = request.GET.get("q", "").strip()
        requirements = selectors.requirement_list(user=request.user).filter(
            framework=framework, withdrawn=False
        )
        requirements = selectors.requirement_search(requirements, query)
        context = {"framework": framework, "requirements": list(requirements), "query": query}
        return render(request, "aims/library/framework.html", context)


class RequirementDetailView(PolicyViewMixin, View):
    policy = Policy(read=AUTHENTICATED)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        requirement = get_object_or_404(selectors.requirement_list(user=request.user), pk=pk)
        outgoing, incoming = selectors.requirement_mappings(
            user=request.user, requirement=requirement
        )
        ancestors = []
        node = requirement.parent
        while node is not None:
            ancestors.insert(0, node)
            node = node.parent
        context = {
            "requirement": requirement,
            "ancestors": ancestors,
            "children": list(requirement.children.filter(withdrawn=False).order_by("order")),
            "outgoing": outgoing,
            "incoming": incoming,
            "attributes": describe_attributes(requirement),
        }
        return render(request, "aims/library/requirement.html", context)


class LibraryImportView(PolicyViewMixin, View):
    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    template_name = "aims/library/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": LibraryImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LibraryImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcomes = services.library_import(
                    actor=request.user, name=upload.name, content=upload.read()
                )
            except ValidationError as error:
                context = {"form": form, "errors": error.messages}
                return render(request, self.template_name, context, status=400)
            for outcome in outcomes:
                messages.success(
                    request,
                    _("%(urn)s: %(result)s")
                    % {"urn": outcome.urn, "result": RESULT_LABELS[outcome.result]},
                )
            return redirect("library")
        return render(request, self.template_name, {"form": form}, status=400)
