"""Pages of the AI system inventory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aims import selectors, services
from aims.api.inventory import IMPORT_MAX_BYTES
from aims.choices import Language, OrganizationRole
from aims.filters import AISystemPageFilter
from aims.models import AISystem
from aims.permissions import Policy, PolicyViewMixin
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.services.inventory import (
    AI_SYSTEM_FIELDS,
    IMPORT_COLUMNS,
    ImportRejected,
    affected_party_choices,
)
from aims.tables import read_table
from aims.views import form_errors, paginate


class AISystemForm(forms.ModelForm):
    organization_roles = forms.MultipleChoiceField(
        label=gettext_lazy("The organisation's roles"),
        choices=OrganizationRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AISystem
        fields = [f for f in AI_SYSTEM_FIELDS if f != "owner"] + ["owner", "affected_parties"]
        widgets = {
            "next_review_on": forms.DateInput(attrs={"type": "date"}),
            "affected_parties": forms.CheckboxSelectMultiple,
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "data_sources": forms.Textarea(attrs={"rows": 3}),
            "third_parties": forms.Textarea(attrs={"rows": 3}),
            "affected_parties_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["affected_parties"].queryset = affected_party_choices()  # type: ignore[attr-defined]
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True)  # type: ignore[attr-defined]
        stage = self.fields["lifecycle_stage"]
        stage.choices = [c for c in stage.choices if c[0] != "retired"]  # type: ignore[attr-defined]


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("User"),
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("Group"), required=False, queryset=Group.objects.order_by("name")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("group")):
            raise ValidationError(_("Choose either a user or a group."))
        return data


class AISystemListView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        queryset = selectors.ai_system_list(user=request.user)
        filters = AISystemPageFilter(request.GET or None, queryset=queryset)
        filters.form.fields["business_unit"] = forms.ModelChoiceField(
            label=_("Business unit"),
            required=False,
            queryset=selectors.business_unit_list(user=request.user),
        )
        valid = not filters.is_bound or filters.is_valid()
        rows = filters.qs if valid else AISystemPageFilter(queryset=queryset).qs
        context = {
            "filters": filters,
            "page": paginate(request, rows),
            "can_create": has_capability(request.user, Capability.CHANGE_RECORDS),
            "can_import": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
            "can_export": has_capability(request.user, Capability.EXPORT),
            "export_parameters": [
                (k, v) for k, values in request.GET.lists() if k != "page" for v in values
            ]
            if valid
            else [],
            "languages": Language.choices,
        }
        return render(request, "aims/inventory/list.html", context)


class AISystemDetailView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        system = get_object_or_404(selectors.ai_system_list(user=request.user), pk=pk)
        tabs = registry.tabs()
        tab = next((t for t in tabs if t.code == request.GET.get("tab")), tabs[0])
        editable = selectors.ai_system_editable(user=request.user).filter(pk=pk).exists()
        context = {
            "system": system,
            "tab": tab,
            "tabs": tabs,
            "can_edit": editable and system.retired_at is None,
            "can_grant": has_capability(request.user, Capability.MANAGE_USERS),
        }
        if tab.context is not None:
            context.update(tab.context(request, system))
        return render(request, "aims/inventory/detail.html", context)


class AISystemEditView(PolicyViewMixin, View):
    """Register (no ``pk``) or edit an AI system."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    template_name = "aims/inventory/form.html"

    def get_system(self, request: HttpRequest, pk: int | None) -> AISystem | None:
        if pk is None:
            return None
        return get_object_or_404(selectors.ai_system_editable(user=request.user), pk=pk)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        system = self.get_system(request, pk)
        form = AISystemForm(instance=system, initial={} if system else {"owner": request.user})
        return render(request, self.template_name, {"form": form, "system": system})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        system = self.get_system(request, pk)
        form = AISystemForm(request.POST, instance=system or AISystem())
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                if system is None:
                    system = services.ai_system_create(actor=request.user, **data)
                else:
                    system = services.ai_system_update(actor=request.user, system=system, **data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(
                    request, _("The AI system “%(name)s” was saved.") % {"name": system}
                )
                return redirect("ai_system", pk=system.pk)
        return render(request, self.template_name, {"form": form, "system": system}, status=400)


class AISystemRetireView(PolicyViewMixin, View):
    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        system = get_object_or_404(selectors.ai_system_editable(user=request.user), pk=pk)
        try:
            services.ai_system_retire(actor=request.user, system=system)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The AI system “%(name)s” was retired.") % {"name": system})
        return redirect("ai_system", pk=system.pk)


class AISystemAccessView(PolicyViewMixin, View):
    """Who may work on a system: grant it to users or groups, or take it back."""

    policy = Policy(read=Capability.MANAGE_USERS, write=Capability.MANAGE_USERS)
    template_name = "aims/inventory/access.html"

    def render_page(
        self, request: HttpRequest, system: AISystem, form: GrantForm, status: int = 200
    ) -> HttpResponse:
        users, groups = selectors.ai_system_grants(system=system)
        context = {"system": system, "form": form, "users": users, "groups": groups}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        system = get_object_or_404(selectors.ai_system_list(user=request.user), pk=pk)
        return self.render_page(request, system, GrantForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        system = get_object_or_404(selectors.ai_system_list(user=request.user), pk=pk)
        form = GrantForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, system, form, status=400)
        grantee = {k: v for k, v in form.cleaned_data.items() if v}
        step = services.ai_system_revoke if request.POST.get("revoke") else services.ai_system_grant
        try:
            step(actor=request.user, system=system, **grantee)
        except ValidationError as error:
            form_errors(form, error)
            return self.render_page(request, system, form, status=400)
        messages.success(request, _("Access updated."))
        return redirect("ai_system_access", pk=system.pk)


class InventoryImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Inventory file (CSV or XLSX)"))


class AISystemImportView(PolicyViewMixin, View):
    """Import an inventory file: all rows or none; every bad row and column is listed."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    template_name = "aims/inventory/import.html"

    def render_page(
        self,
        request: HttpRequest,
        form: forms.Form,
        problems: list[Any] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {"form": form, "problems": problems or [], "columns": IMPORT_COLUMNS}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(request, InventoryImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InventoryImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            if upload.size > IMPORT_MAX_BYTES:
                raise ValidationError(_("The file is larger than 10 MB."))
            header, rows = read_table(upload.name, upload.read())
            created = services.ai_system_import(actor=request.user, header=header, rows=rows)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_page(request, form, status=400)
        except ImportRejected as rejected:
            return self.render_page(request, form, rejected.errors, status=400)
        messages.success(request, _("%(count)d AI systems imported.") % {"count": len(created)})
        return redirect("ai_systems")
