"""Pages of the organisation's context: AIMS scope (4.3), issues (4.1), interested parties
(4.2) and business units, and the objectives (6.2) with their results (9.1). One generic edit
view serves these simple records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aims.forms.context import ObjectiveResultForm, record_form
from aims.models import (
    BusinessUnit,
    ContextIssue,
    InterestedParty,
    Objective,
    Organization,
)
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.scope import restrict
from aims.services.records import (
    EDITABLE,
    objective_result_record,
    record_create,
    record_delete,
    record_update,
)
from aims.views.base import EditPageView, PageView


class ContextView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        def rows(model: type[Model]) -> QuerySet[Any]:
            return restrict(model._default_manager.select_related("owner"), request.user)

        context = {
            "organization": rows(Organization).first(),
            "issues": rows(ContextIssue),
            "parties": rows(InterestedParty),
            "units": rows(BusinessUnit),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/context.html", context)


class RecordEditView(EditPageView):
    """Create (no ``pk``) or edit one simple record, or delete it (``POST delete=1``)."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    template_name = "aims/record_form.html"
    list_url_name = "context"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> Any:
        assert self.model is not None
        return record_form(self.model)(data, instance=obj or self.model())

    def save(self, form: Any, obj: Any) -> Any:
        assert self.model is not None
        data = {name: form.cleaned_data[name] for name in EDITABLE[self.model]}
        if obj is None:
            return record_create(actor=self.request.user, model=self.model, **data)
        return record_update(actor=self.request.user, obj=obj, **data)

    def success_url(self, obj: Any) -> str:
        return reverse(self.list_url_name)

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        assert self.model is not None
        return {
            "form": form,
            "object": obj,
            "verbose_name": self.model._meta.verbose_name,
            "list_url_name": self.list_url_name,
        }

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        if pk is None or not request.POST.get("delete"):
            return super().post(request, pk, **kwargs)
        obj = self.get_object(pk)
        try:
            record_delete(actor=request.user, obj=obj)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("“%(name)s” was deleted.") % {"name": obj})
        return redirect(self.list_url_name)


class ContextIssueEditView(RecordEditView):
    model = ContextIssue


class InterestedPartyEditView(RecordEditView):
    model = InterestedParty


class BusinessUnitEditView(RecordEditView):
    model = BusinessUnit


class OrganizationEditView(RecordEditView):
    model = Organization


class ObjectiveEditView(RecordEditView):
    model = Objective
    list_url_name = "objectives"


class ObjectiveListView(PageView):
    """Objectives with their latest results; officers record results here."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = Objective

    def base_queryset(self) -> QuerySet[Any]:
        return Objective.objects.select_related("owner").prefetch_related("results")

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "objectives": self.rows(),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
            "result_form": ObjectiveResultForm(),
        }
        return render(request, "aims/objectives.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        chosen = request.POST.get("objective", "")
        objective = get_object_or_404(self.rows(), pk=int(chosen) if chosen.isdigit() else 0)
        form = ObjectiveResultForm(request.POST)
        if form.is_valid():
            objective_result_record(actor=request.user, objective=objective, **form.cleaned_data)
            messages.success(request, _("Result recorded for “%(name)s”.") % {"name": objective})
        else:
            messages.error(request, _("The result was not recorded: give a date and a value."))
        return redirect("objectives")
