"""Pages of the reference-library browser and the officers' import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims import selectors
from aims.forms.library import LibraryImportForm
from aims.library_attributes import describe_attributes, tag_labels
from aims.models import Framework, Requirement
from aims.permissions import AUTHENTICATED, Policy
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.scope import restrict
from aims.services.library import library_import
from aims.views.base import PageView

RESULT_LABELS = {
    "created": gettext_lazy("added to the library"),
    "updated": gettext_lazy("updated to the new version"),
    "unchanged": gettext_lazy("already loaded; nothing changed"),
    "official_text": gettext_lazy("official text imported"),
}


class FrameworkListView(PageView):
    policy = Policy(read=AUTHENTICATED)
    model = Framework
    selector = staticmethod(selectors.frameworks)

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "frameworks": self.rows(),
            "can_import": has_capability(request.user, Capability.MANAGE_USERS),
        }
        return render(request, "aims/library/frameworks.html", context)


class FrameworkDetailView(PageView):
    """The requirement tree of one framework; ``?q=`` narrows it to matching items."""

    policy = Policy(read=AUTHENTICATED)
    model = Framework
    selector = staticmethod(selectors.frameworks)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        framework = self.get_object(pk)
        query = request.GET.get("q", "").strip()
        requirements = restrict(selectors.requirements(), request.user).filter(
            framework=framework, withdrawn=False
        )
        requirements = selectors.requirement_search(requirements, query)
        context = {"framework": framework, "requirements": list(requirements), "query": query}
        return render(request, "aims/library/framework.html", context)


GLOSSARY = "urn:aims:framework:glossary"


class GlossaryView(PageView):
    """The glossary of the library (``library/glossary.yaml``): each term in both languages,
    how it is used and the variants the platform does not use."""

    policy = Policy(read=AUTHENTICATED)
    model = Requirement
    selector = staticmethod(selectors.requirements)

    def get(self, request: HttpRequest) -> HttpResponse:
        terms = restrict(selectors.requirements(), request.user).filter(
            framework__urn=GLOSSARY, withdrawn=False
        )
        context = {"terms": list(terms), "glossary": Framework.objects.filter(urn=GLOSSARY).first()}
        return render(request, "aims/library/glossary.html", context)


class RequirementDetailView(PageView):
    policy = Policy(read=AUTHENTICATED)
    model = Requirement
    selector = staticmethod(selectors.requirements)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        requirement = self.get_object(pk)
        outgoing, incoming = selectors.requirement_mappings(
            user=request.user, requirement=requirement
        )
        ancestors = []
        node = requirement.parent
        while node is not None:
            ancestors.insert(0, node)
            node = node.parent
        # The apps' tabs (``registry.add_requirement_tab``): what relates to the requirement.
        tabs = registry.requirement_page_tabs()
        tab = next((t for t in tabs if t.code == request.GET.get("tab")), None)
        context = {
            "tabs": tabs,
            "tab": tab,
            "requirement": requirement,
            "ancestors": ancestors,
            "children": list(requirement.children.filter(withdrawn=False).order_by("order")),
            "outgoing": outgoing,
            "incoming": incoming,
            "attributes": describe_attributes(requirement),
            "tags": tag_labels(requirement.tags),
        }
        if tab is not None:
            context.update(tab.context(request, requirement))
        return render(request, "aims/library/requirement.html", context)


class LibraryImportView(PageView):
    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    template_name = "aims/library/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": LibraryImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LibraryImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcomes = library_import(
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
