"""Pages of the organisation's controls: the list with filters, a control's page (the
requirements it satisfies, its tests, the risks, evidence and SoA rows that rely on it, its
history), the form, the requirements it satisfies, a new test, retiring."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.forms.base import form_errors
from aims.models import AISystem
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted, restrict
from aims.views.base import EditPageView, ListPageView, PageView, StepView
from controls.choices import ControlStatus
from controls.filters.controls import ControlPageFilter
from controls.forms.controls import (
    ControlForm,
    ControlTestForm,
    RequirementLinkFormSet,
    requirement_links,
)
from controls.models import Control
from controls.selectors import controls as selectors
from controls.services.controls import (
    control_create,
    control_requirements_set,
    control_retire,
    control_test_create,
    control_update,
)

FORM_FIELDS = (
    "code",
    "name",
    "description",
    "control_type",
    "status",
    "owner",
    "test_interval_days",
    "review_interval_days",
    "next_review_on",
)


class ControlListView(ListPageView):
    """The organisation's controls (for operational members: those of their systems and the
    organisation-wide ones), with filters, 50 a page."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Control
    selector = staticmethod(selectors.controls)
    filterset_class = ControlPageFilter
    template_name = "controls/controls.html"

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        return {
            **context,
            "can_create": has_capability(self.request.user, Capability.CHANGE_RECORDS),
        }


class ControlDetailView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = Control
    selector = staticmethod(selectors.control_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        control = self.get_object(pk)
        editable = control.status != ControlStatus.RETIRED and permitted(
            request.user, CHANGE, control
        )
        context = {
            "control": control,
            "requirement_links": list(control.requirement_links.all()),
            "tests": list(control.tests.all()),
            "can_edit": editable,
            **selectors.control_related(control, request.user),
        }
        return render(request, "controls/control.html", context)


class ControlEditView(EditPageView):
    """Register a control (``?ai_system=`` preselects a system) or change one."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Control
    selector = staticmethod(selectors.controls)
    template_name = "controls/control_form.html"
    object_name = "control"

    def get_form(self, obj: Control | None, data: Any = None, files: Any = None) -> ControlForm:
        request = self.request
        if obj is not None:
            initial: dict[str, Any] = {name: getattr(obj, name) for name in FORM_FIELDS}
            initial["ai_systems"] = list(obj.ai_systems.all())
        else:
            initial = {"owner": request.user, "ai_systems": [], "status": ControlStatus.PLANNED}
            system = request.GET.get("ai_system", "")
            if system.isdigit():
                systems = restrict(AISystem.objects.filter(pk=int(system)), request.user, CHANGE)
                initial["ai_systems"] = list(systems)
        return ControlForm(data, initial=initial, user=request.user, control=obj)

    def get(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        control = self.get_object_or_none(pk)
        if control is not None and control.status == ControlStatus.RETIRED:
            messages.error(request, _("A retired control can no longer be changed."))
            return redirect("control", pk=control.pk)
        return self.render_form(self.get_form(control), control)

    def save(self, form: ControlForm, obj: Control | None) -> Control:
        data = dict(form.cleaned_data)
        if obj is None:
            return control_create(actor=self.request.user, **data)
        return control_update(actor=self.request.user, control=obj, **data)

    def get_success_message(self, obj: Control) -> str:
        return _("The control “%(control)s” was saved.") % {"control": obj}

    def success_url(self, obj: Control) -> str:
        return obj.get_absolute_url()


class ControlRequirementsView(PageView):
    """The library requirements a control satisfies, a note on each: change the notes,
    remove links, add new ones (from any framework), saved together."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Control
    selector = staticmethod(selectors.control_details)

    def _render(
        self, control: Control, formset: Any, status: int = 200, errors: Any = ()
    ) -> HttpResponse:
        context = {"control": control, "formset": formset, "errors": list(errors)}
        return render(self.request, "controls/control_requirements.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        control = self.get_object(pk)
        if control.status == ControlStatus.RETIRED:
            messages.error(request, _("A retired control can no longer be changed."))
            return redirect("control", pk=control.pk)
        initial = [
            {"requirement": link.requirement, "note": link.note}
            for link in control.requirement_links.all()
        ]
        return self._render(control, RequirementLinkFormSet(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        control = self.get_object(pk)
        formset = RequirementLinkFormSet(request.POST)
        errors: list[str] = []
        if formset.is_valid():
            try:
                control_requirements_set(
                    actor=request.user, control=control, links=requirement_links(formset)
                )
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("The requirements the control satisfies were saved."))
                return redirect("control", pk=control.pk)
        return self._render(control, formset, status=400, errors=errors)


class ControlTestCreateView(EditPageView):
    """Record a test of a control's effectiveness (``pk``: the control)."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Control
    selector = staticmethod(selectors.controls)
    form_class = ControlTestForm
    template_name = "controls/control_test_form.html"
    object_name = "control"

    def initial(self, obj: Control) -> dict[str, Any]:
        return {"tester": self.request.user}

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> ControlTestForm:
        return ControlTestForm(data, initial=self.initial(obj))

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        control = self.get_object(pk)
        form = self.get_form(copy.copy(control), request.POST)
        if form.is_valid():
            try:
                control_test_create(actor=request.user, control=control, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The test was recorded."))
                return redirect("control", pk=control.pk)
        return self.render_form(form, control, status=400)


class ControlRetireView(StepView):
    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Control
    done_message = gettext_lazy("The control was retired; it is kept with its tests and links.")

    def run(self, obj: Control) -> Control:
        return control_retire(actor=self.request.user, control=obj)


def system_controls(request: HttpRequest, system: AISystem) -> QuerySet[Control]:
    """The controls of one AI system the reader may see (the AI system page's tab)."""
    return restrict(selectors.controls(), request.user).filter(ai_systems=system)


urlpatterns: list[Any] = [
    path("controls/", ControlListView.as_view(), name="controls"),
    path("controls/new/", ControlEditView.as_view(), name="control_create"),
    path("controls/<int:pk>/", ControlDetailView.as_view(), name="control"),
    path("controls/<int:pk>/edit/", ControlEditView.as_view(), name="control_edit"),
    path(
        "controls/<int:pk>/requirements/",
        ControlRequirementsView.as_view(),
        name="control_requirements",
    ),
    path(
        "controls/<int:pk>/tests/new/", ControlTestCreateView.as_view(), name="control_test_create"
    ),
    path("controls/<int:pk>/retire/", ControlRetireView.as_view(), name="control_retire"),
]
