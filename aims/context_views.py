"""Pages of the organisation's context: AIMS scope (4.3), issues (4.1), interested parties
(4.2) and business units. One generic edit view serves these simple records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from aims import selectors, services
from aims.models import (
    BusinessUnit,
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveResult,
    Organization,
)
from aims.permissions import Policy, PolicyViewMixin
from aims.roles import Capability, has_capability
from aims.services.records import EDITABLE


class ContextView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        def rows(model: type[models.Model]) -> Any:
            return selectors.organisation_records(user=request.user, model=model)

        context = {
            "organization": rows(Organization).first(),
            "issues": rows(ContextIssue),
            "parties": rows(InterestedParty),
            "units": rows(BusinessUnit),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/context.html", context)


class RecordEditView(PolicyViewMixin, View):
    """Create (no ``pk``) or edit one simple record, or delete it (``POST delete=1``)."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model: type[models.Model]
    template_name = "aims/record_form.html"
    list_url_name = "context"

    def form_class(self) -> type[forms.ModelForm]:
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in EDITABLE[self.model]
            if isinstance(self.model._meta.get_field(name), models.TextField)
        }
        return forms.modelform_factory(self.model, fields=EDITABLE[self.model], widgets=widgets)

    def get_object(self, request: HttpRequest, pk: int | None) -> Any:
        if pk is None:
            return None
        rows = selectors.organisation_records(user=request.user, model=self.model)
        return get_object_or_404(rows, pk=pk)

    def render_form(self, request: HttpRequest, form: Any, obj: Any, status: int = 200) -> Any:
        context = {
            "form": form,
            "object": obj,
            "verbose_name": self.model._meta.verbose_name,
            "list_url_name": self.list_url_name,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(request, pk)
        return self.render_form(request, self.form_class()(instance=obj), obj)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(request, pk)
        if obj is not None and request.POST.get("delete"):
            try:
                services.record_delete(actor=request.user, obj=obj)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("“%(name)s” was deleted.") % {"name": obj})
            return redirect(self.list_url_name)
        form = self.form_class()(request.POST, instance=obj or self.model())
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in EDITABLE[self.model]}
            try:
                if obj is None:
                    obj = services.record_create(actor=request.user, model=self.model, **data)
                else:
                    obj = services.record_update(actor=request.user, obj=obj, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("“%(name)s” was saved.") % {"name": obj})
                return redirect(self.list_url_name)
        return self.render_form(request, form, obj, status=400)


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


class ObjectiveResultForm(forms.ModelForm):
    class Meta:
        model = ObjectiveResult
        fields = ["measured_on", "value", "notes"]
        widgets = {
            "measured_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class ObjectiveListView(PolicyViewMixin, View):
    """Objectives with their latest results; officers record results here."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)

    def rows(self, request: HttpRequest) -> Any:
        return selectors.organisation_records(user=request.user, model=Objective).prefetch_related(
            "results"
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "objectives": self.rows(request),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
            "result_form": ObjectiveResultForm(),
        }
        return render(request, "aims/objectives.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        objective = get_object_or_404(self.rows(request), pk=request.POST.get("objective") or 0)
        form = ObjectiveResultForm(request.POST)
        if form.is_valid():
            services.objective_result_record(
                actor=request.user, objective=objective, **form.cleaned_data
            )
            messages.success(request, _("Result recorded for “%(name)s”.") % {"name": objective})
        else:
            messages.error(request, _("The result was not recorded: give a date and a value."))
        return redirect("objectives")
