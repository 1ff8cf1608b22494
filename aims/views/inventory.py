"""Pages of the AI system inventory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims import selectors
from aims.api.inventory import IMPORT_MAX_BYTES
from aims.filters import AISystemPageFilter
from aims.forms.base import form_errors
from aims.forms.inventory import AISystemForm, GrantForm, InventoryImportForm
from aims.models import AISystem, BusinessUnit
from aims.permissions import Policy
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted, restrict
from aims.services.inventory import (
    IMPORT_COLUMNS,
    ImportRejected,
    ai_system_create,
    ai_system_grant,
    ai_system_import,
    ai_system_retire,
    ai_system_revoke,
    ai_system_update,
)
from aims.tables import read_table
from aims.views.base import EditPageView, ListPageView, PageView, StepView


class AISystemListView(ListPageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = AISystem
    selector = staticmethod(selectors.ai_systems)
    filterset_class = AISystemPageFilter
    template_name = "aims/inventory/list.html"

    def prepare_filters(self, filters: Any) -> None:
        units = restrict(BusinessUnit.objects.select_related("owner"), self.request.user)
        filters.form.fields["business_unit"] = forms.ModelChoiceField(
            label=_("Business unit"), required=False, queryset=units, empty_label=_("Any")
        )

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            **context,
            "can_create": has_capability(user, Capability.CHANGE_RECORDS),
            "can_import": has_capability(user, Capability.CHANGE_ALL_RECORDS),
        }


class AISystemDetailView(PageView):
    """A system's page: its tabs are what the apps registered (``registry.tabs()``)."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = AISystem
    selector = staticmethod(selectors.ai_systems)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        system = self.get_object(pk)
        tabs = registry.tabs()
        tab = next((t for t in tabs if t.code == request.GET.get("tab")), tabs[0])
        context = {
            "system": system,
            "tab": tab,
            "tabs": tabs,
            "can_edit": system.retired_at is None and permitted(request.user, CHANGE, system),
            "can_grant": has_capability(request.user, Capability.MANAGE_USERS),
        }
        if tab.context is not None:
            context.update(tab.context(request, system))
        return render(request, "aims/inventory/detail.html", context)


class AISystemEditView(EditPageView):
    """Register (no ``pk``) or edit an AI system."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = AISystem
    form_class = AISystemForm
    template_name = "aims/inventory/form.html"
    object_name = "system"
    success_message = gettext_lazy("The AI system “%(name)s” was saved.")

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> AISystemForm:
        initial = {} if obj else {"owner": self.request.user}
        return AISystemForm(data, instance=obj or AISystem(), initial=initial)

    def save(self, form: AISystemForm, obj: AISystem | None) -> AISystem:
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if obj is None:
            return ai_system_create(actor=self.request.user, **data)
        return ai_system_update(actor=self.request.user, system=obj, **data)

    def success_url(self, obj: AISystem) -> str:
        return obj.get_absolute_url()


class AISystemRetireView(StepView):
    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = AISystem

    def run(self, obj: AISystem) -> AISystem:
        ai_system_retire(actor=self.request.user, system=obj)
        self.done_message = _("The AI system “%(name)s” was retired.") % {"name": obj}
        return obj


class AISystemAccessView(PageView):
    """Who may work on a system: grant it to users or groups, or take it back."""

    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    model = AISystem
    template_name = "aims/inventory/access.html"

    def render_page(self, system: AISystem, form: GrantForm, status: int = 200) -> HttpResponse:
        users, groups = selectors.ai_system_grants(system=system)
        context = {"system": system, "form": form, "users": users, "groups": groups}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(self.get_object(pk), GrantForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        system = self.get_object(pk)
        form = GrantForm(request.POST)
        if not form.is_valid():
            return self.render_page(system, form, status=400)
        grantee = {k: v for k, v in form.cleaned_data.items() if v}
        step = ai_system_revoke if request.POST.get("revoke") else ai_system_grant
        try:
            step(actor=request.user, system=system, **grantee)
        except ValidationError as error:
            form_errors(form, error)
            return self.render_page(system, form, status=400)
        messages.success(request, _("Access updated."))
        return redirect("ai_system_access", pk=system.pk)


class AISystemImportView(PageView):
    """Import an inventory file: all rows or none; every bad row and column is listed."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    template_name = "aims/inventory/import.html"

    def render_page(
        self, form: forms.Form, problems: list[Any] | None = None, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "problems": problems or [], "columns": IMPORT_COLUMNS}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(InventoryImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InventoryImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=400)
        upload = form.cleaned_data["file"]
        try:
            if upload.size > IMPORT_MAX_BYTES:
                raise ValidationError(_("The file is larger than 10 MB."))
            header, rows = read_table(upload.name, upload.read())
            created = ai_system_import(actor=request.user, header=header, rows=rows)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_page(form, status=400)
        except ImportRejected as rejected:
            return self.render_page(form, rejected.errors, status=400)
        messages.success(request, _("%(count)d AI systems imported.") % {"count": len(created)})
        return redirect(reverse("ai_systems"))
