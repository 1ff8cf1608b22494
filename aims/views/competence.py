"""Pages of the competence register (7.2): the register (roles and the people's records), a
role's page, a record's page (with the evidence linked to it: training records and
certificates), the forms, and deleting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aims.forms.competence import CompetenceRecordForm, CompetenceRoleForm
from aims.models import CompetenceRecord, CompetenceRole, CompetenceState
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted, restrict
from aims.selectors_competence import (
    competence_record_list,
    competence_records,
    competence_role_list,
    competence_roles,
)
from aims.services.competence import (
    competence_record_create,
    competence_record_delete,
    competence_record_update,
    competence_role_create,
    competence_role_delete,
    competence_role_update,
)
from aims.views.base import EditPageView, PageView, StepView, paginate

READ = Policy(read=Capability.SEE_RECORDS)
WRITE = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)


class CompetenceView(PageView):
    """The register: the roles with how many people are competent, and the people's records
    (filter by state or role), 50 a page."""

    policy = READ
    model = CompetenceRecord

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = {name: request.GET.get(name, "") for name in ("state", "role")}
        records = competence_record_list(request.user, filters)
        context = {
            "roles": list(competence_role_list(request.user)),
            "page": paginate(request, records),
            "states": CompetenceState.choices,
            "filters": filters,
            "can_create": has_capability(request.user, Capability.CHANGE_RECORDS),
        }
        return render(request, "aims/competence.html", context)


class CompetenceRoleView(PageView):
    policy = READ
    model = CompetenceRole
    selector = staticmethod(competence_roles)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        role = self.get_object(pk)
        context = {
            "role": role,
            "records": list(competence_record_list(request.user).filter(role=role)),
            "can_edit": permitted(request.user, CHANGE, role),
        }
        return render(request, "aims/competence_role.html", context)


class CompetenceRecordView(PageView):
    policy = READ
    model = CompetenceRecord
    selector = staticmethod(competence_records)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_object(pk)
        context = {"record": record, "can_edit": permitted(request.user, CHANGE, record)}
        return render(request, "aims/competence_record.html", context)


class CompetenceRoleEditView(EditPageView):
    policy = WRITE
    model = CompetenceRole
    template_name = "aims/competence_form.html"
    object_name = "object"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> CompetenceRoleForm:
        if obj is not None:
            initial = {name: getattr(obj, name) for name in CompetenceRoleForm.base_fields}
            initial["ai_systems"] = list(obj.ai_systems.all())
        else:
            initial = {"owner": self.request.user, "ai_systems": []}
        return CompetenceRoleForm(data, initial=initial, user=self.request.user)

    def save(self, form: CompetenceRoleForm, obj: Any) -> CompetenceRole:
        data = dict(form.cleaned_data)
        if obj is None:
            return competence_role_create(actor=self.request.user, **data)
        return competence_role_update(actor=self.request.user, role=obj, **data)

    def success_url(self, obj: CompetenceRole) -> str:
        return obj.get_absolute_url()

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        title = str(obj) if obj is not None else _("Add a competence role")
        back = obj.get_absolute_url() if obj is not None else reverse("competence")
        return {"form": form, "object": obj, "title": title, "back": back}


class CompetenceRecordEditView(EditPageView):
    """Record a person's competence (``?role=`` preselects the role) or change a record."""

    policy = WRITE
    model = CompetenceRecord
    selector = staticmethod(competence_records)
    template_name = "aims/competence_form.html"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> CompetenceRecordForm:
        if obj is not None:
            initial = {name: getattr(obj, name) for name in CompetenceRecordForm.base_fields}
        else:
            initial = {"assessed_by": self.request.user}
            role = self.request.GET.get("role", "")
            if role.isdigit():
                initial["role"] = restrict(
                    CompetenceRole.objects.filter(pk=int(role)), self.request.user, CHANGE
                ).first()
        return CompetenceRecordForm(data, initial=initial, user=self.request.user)

    def save(self, form: CompetenceRecordForm, obj: Any) -> CompetenceRecord:
        data = dict(form.cleaned_data)
        if data.get("owner") is None:
            data.pop("owner")  # the service picks the role's owner
        if obj is None:
            return competence_record_create(actor=self.request.user, **data)
        return competence_record_update(actor=self.request.user, record=obj, **data)

    def success_url(self, obj: CompetenceRecord) -> str:
        return obj.get_absolute_url()

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        title = str(obj) if obj is not None else _("Record a person's competence")
        back = obj.get_absolute_url() if obj is not None else reverse("competence")
        return {"form": form, "object": obj, "title": title, "back": back}


class CompetenceRoleDeleteView(StepView):
    policy = WRITE
    model = CompetenceRole

    def post(self, request: HttpRequest, pk: Any, **kwargs: Any) -> HttpResponse:
        role = self.get_object(pk)
        try:
            competence_role_delete(actor=request.user, role=role)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(role.get_absolute_url())
        messages.success(request, _("“%(name)s” was deleted.") % {"name": role})
        return redirect("competence")


class CompetenceRecordDeleteView(StepView):
    policy = WRITE
    model = CompetenceRecord
    selector = staticmethod(competence_records)

    def post(self, request: HttpRequest, pk: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_object(pk)
        role_url = record.role.get_absolute_url()  # seen: a record is scoped by its role
        competence_record_delete(actor=request.user, record=record)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": record})
        return redirect(role_url)
