"""Pages of nonconformities and corrective action (10.2): the board (columns by status, due
dates, overdue marks, filters), a nonconformity's page (the reaction, the cause, the actions,
the verification, the history) and its forms and steps, and the list of corrective actions.

Who may take which step is the services' decision (``audit.services.nonconformities``): the
pages read the rows the user sees, offer the steps the user may take, and put a refusal on the
form or in a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.forms.base import form_errors
from aims.permissions import Policy
from aims.roles import Capability
from aims.views.base import ListPageView, PageView, StepView
from audit.choices import NonconformityStatus, VerificationResult
from audit.filters.nonconformities import CorrectiveActionFilter, NonconformityFilter
from audit.forms.nonconformities import (
    CorrectiveActionForm,
    NonconformityForm,
    ReopenForm,
    ResponseForm,
    VerifyForm,
)
from audit.models import CorrectiveAction, Nonconformity
from audit.selectors import nonconformities as selectors
from audit.services import nonconformities as services

#: Everyone who sees records reaches the pages; the services decide each step.
POLICY = Policy(read=Capability.SEE_RECORDS, write=Capability.SEE_RECORDS)
RECORD_FORM_FIELDS = (
    "title",
    "description",
    "severity",
    "requirement",
    "ai_systems",
    "owner",
    "due_on",
)


def _working(nc: Nonconformity) -> bool:
    return nc.status in services.WORKING


def steps(user: Any, nc: Nonconformity) -> dict[str, Any]:
    """The steps ``user`` may take on ``nc`` now (what the page offers)."""
    responds = _working(nc) and services.may_respond(user, nc)
    runs = services.runs_audits(user)
    awaiting = nc.status == NonconformityStatus.AWAITING_VERIFICATION
    bar = services.verification_bar(user, nc) if awaiting and not nc.verification_result else None
    return {
        "can_respond": responds,
        "can_edit": _working(nc) and runs,
        "can_submit": responds,
        "can_verify": awaiting and not nc.verification_result and runs and bar is None,
        "verification_bar": bar if runs else None,
        "can_close": runs
        and nc.status != NonconformityStatus.CLOSED
        and nc.verification_result == VerificationResult.EFFECTIVE,
        "can_reopen": runs and not _working(nc),
    }


class NonconformityBoardView(ListPageView):
    """The nonconformities the user may see, as a board: a column per status, each by due
    date, overdue ones marked; filters by status, severity, source, AI system, owner,
    requirement, overdue."""

    policy = POLICY
    model = Nonconformity
    selector = staticmethod(selectors.nonconformities)
    filterset_class = NonconformityFilter
    template_name = "audit/nonconformities.html"

    def list_rows(self, rows: Any) -> Any:
        return rows.order_by("due_on", "-raised_on", "id")

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        shown = list(context["page"].object_list)
        columns = [
            (status.value, status.label, [nc for nc in shown if nc.status == status.value])
            for status in NonconformityStatus
        ]
        return {
            **context,
            "columns": columns,
            "can_raise": services.may_raise(self.request.user),
            "today": timezone.localdate(),
        }


class NonconformityDetailView(PageView):
    policy = POLICY
    model = Nonconformity
    selector = staticmethod(selectors.nonconformity_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = self.get_object(pk)
        actions = list(nc.actions.all())
        allowed = steps(request.user, nc)
        working = _working(nc)
        context = {
            "nc": nc,
            "actions": actions,
            "editable_actions": {
                action.pk
                for action in actions
                if working and (allowed["can_respond"] or action.owner_id == request.user.pk)
            },
            "systems": list(nc.ai_systems.all()),
            "today": timezone.localdate(),
            "verify_form": VerifyForm(),
            "reopen_form": ReopenForm(),
            **allowed,
        }
        return render(request, "audit/nonconformity.html", context)


class NonconformityFormView(PageView):
    """Raise a nonconformity (no ``pk``) or change one (``pk``: an auditor or the officer)."""

    policy = POLICY
    model = Nonconformity
    selector = staticmethod(selectors.nonconformities)

    def _refused(self, nc: Nonconformity | None) -> HttpResponse | None:
        user = self.request.user
        allowed = services.may_raise(user) if nc is None else services.runs_audits(user)
        if allowed and (nc is None or _working(nc)):
            return None
        messages.error(
            self.request,
            _(
                "Only an internal auditor or the governance officer raises or changes a "
                "nonconformity."
            )
            if not allowed
            else _("The nonconformity can no longer be changed."),
        )
        return redirect(nc.get_absolute_url() if nc else "nonconformities")

    def _form(self, nc: Nonconformity | None, data: Any = None) -> NonconformityForm:
        if nc is None:
            today = timezone.localdate()
            initial: dict[str, Any] = {
                "raised_on": today,
                "due_on": services.default_due_on(today),
                "source": "direct",
            }
        else:
            initial = {
                name: getattr(nc, name) for name in RECORD_FORM_FIELDS if name != "ai_systems"
            }
            initial["ai_systems"] = list(nc.ai_systems.all())
        return NonconformityForm(
            data, initial=initial, user=self.request.user, editing=nc is not None
        )

    def _render(self, form: Any, nc: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "nc": nc}
        return render(self.request, "audit/nonconformity_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        nc = None if pk is None else self.get_object(pk)
        return self._refused(nc) or self._render(self._form(nc), nc)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        nc = None if pk is None else self.get_object(pk)
        form = self._form(nc, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if nc is None:
                    nc = services.nonconformity_create(
                        actor=request.user,
                        source=data.pop("source"),
                        title=data.pop("title"),
                        description=data.pop("description"),
                        severity=data.pop("severity"),
                        ai_systems=data.pop("ai_systems"),
                        **data,
                    )
                else:
                    nc = services.nonconformity_update(actor=request.user, nonconformity=nc, **data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(
                    request, _("The nonconformity %(nc)s was saved.") % {"nc": nc.reference}
                )
                return redirect(nc.get_absolute_url())
        return self._render(form, nc, status=400)


class NonconformityRespondView(PageView):
    """The response: the correction, the why chain, the root cause and its category, similar
    nonconformities elsewhere."""

    policy = POLICY
    model = Nonconformity
    selector = staticmethod(selectors.nonconformities)

    def _render(self, form: Any, nc: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "nc": nc}
        return render(self.request, "audit/nonconformity_respond.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = self.get_object(pk)
        if not (_working(nc) and services.may_respond(request.user, nc)):
            messages.error(request, _("You may not respond to this nonconformity now."))
            return redirect(nc.get_absolute_url())
        initial = {name: getattr(nc, name) for name in services.RESPONSE_FIELDS}
        initial["why_chain"] = "\n".join(nc.why_chain or [])
        return self._render(ResponseForm(initial=initial), nc)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = self.get_object(pk)
        form = ResponseForm(request.POST)
        if form.is_valid():
            try:
                services.nonconformity_update(
                    actor=request.user, nonconformity=nc, **form.cleaned_data
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The response was saved."))
                return redirect(nc.get_absolute_url())
        return self._render(form, nc, status=400)


class CorrectiveActionFormView(PageView):
    """Add a corrective action to a nonconformity (``nonconformity_action_create``: ``pk`` is
    the nonconformity) or change one (``corrective_action_edit``: ``pk`` is the action)."""

    policy = POLICY
    adding = False

    def _parts(self, pk: int) -> tuple[Nonconformity, CorrectiveAction | None]:
        if self.adding:
            return self.get_object(pk), None
        action = self.get_object(pk)
        return action.nonconformity, action

    def _render(self, form: Any, nc: Any, action: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "nc": nc, "action": action}
        return render(self.request, "audit/nonconformity_action_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc, action = self._parts(pk)
        owner = action is not None and action.owner_id == request.user.pk
        if not (_working(nc) and (owner or services.may_respond(request.user, nc))):
            messages.error(
                request, _("The corrective actions of this nonconformity cannot be changed now.")
            )
            return redirect(nc.get_absolute_url())
        if action is None:
            initial: dict[str, Any] = {"owner": request.user}
        else:
            initial = {
                name: getattr(action, name)
                for name in ("title", "description", "owner", "due_on", "status")
            }
        return self._render(CorrectiveActionForm(initial=initial), nc, action)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc, action = self._parts(pk)
        form = CorrectiveActionForm(request.POST)
        if form.is_valid():
            try:
                if action is None:
                    services.corrective_action_create(
                        actor=request.user, nonconformity=nc, **form.cleaned_data
                    )
                else:
                    services.corrective_action_update(
                        actor=request.user, action=action, **form.cleaned_data
                    )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The corrective action was saved."))
                return redirect(nc.get_absolute_url())
        return self._render(form, nc, action, status=400)


class NonconformityActionCreateView(CorrectiveActionFormView):
    model = Nonconformity
    selector = staticmethod(selectors.nonconformities)
    adding = True


class CorrectiveActionEditView(CorrectiveActionFormView):
    model = CorrectiveAction
    selector = staticmethod(selectors.corrective_actions)


class CorrectiveActionCompleteView(StepView):
    policy = POLICY
    model = CorrectiveAction
    selector = staticmethod(selectors.corrective_actions)
    done_message = gettext_lazy("The corrective action is done.")

    def run(self, obj: CorrectiveAction) -> Any:
        services.corrective_action_complete(actor=self.request.user, action=obj)
        return obj.nonconformity


class NonconformitySubmitView(StepView):
    policy = POLICY
    model = Nonconformity
    done_message = gettext_lazy(
        "Verification was requested: an internal auditor or the governance officer verifies "
        "the action's effectiveness."
    )

    def run(self, obj: Nonconformity) -> Any:
        return services.nonconformity_submit(actor=self.request.user, nonconformity=obj)


class NonconformityCloseView(StepView):
    policy = POLICY
    model = Nonconformity
    done_message = gettext_lazy("The nonconformity was closed.")

    def run(self, obj: Nonconformity) -> Any:
        return services.nonconformity_close(actor=self.request.user, nonconformity=obj)


class _FormStepView(StepView):
    """A step with a small form posted from the nonconformity's page: its errors become a
    message, as a step's refusal does."""

    policy = POLICY
    model = Nonconformity
    form_class: Any = None

    def call(self, obj: Nonconformity, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def run(self, obj: Nonconformity) -> Any:
        form = self.form_class(self.request.POST)
        if not form.is_valid():
            problems = [
                f"{form.fields[name].label}: {' '.join(errors)}"
                if name in form.fields
                else " ".join(errors)
                for name, errors in form.errors.items()
            ]
            raise ValidationError(" ".join(problems))
        return self.call(obj, form.cleaned_data)


class NonconformityVerifyView(_FormStepView):
    form_class = VerifyForm
    done_message = gettext_lazy("The verification was recorded.")

    def call(self, obj: Nonconformity, data: dict[str, Any]) -> Any:
        return services.nonconformity_verify(actor=self.request.user, nonconformity=obj, **data)


class NonconformityReopenView(_FormStepView):
    form_class = ReopenForm
    done_message = gettext_lazy("The nonconformity was reopened.")

    def call(self, obj: Nonconformity, data: dict[str, Any]) -> Any:
        return services.nonconformity_reopen(
            actor=self.request.user, nonconformity=obj, reason=data["reason"]
        )


class CorrectiveActionListView(ListPageView):
    """Corrective actions the user may see (filters: mine, overdue, status, owner)."""

    policy = POLICY
    model = CorrectiveAction
    selector = staticmethod(selectors.corrective_actions)
    filterset_class = CorrectiveActionFilter
    template_name = "audit/nonconformity_actions.html"

    def list_rows(self, rows: Any) -> Any:
        return rows.order_by("due_on", "id")


urlpatterns: list[Any] = [
    path("nonconformities/", NonconformityBoardView.as_view(), name="nonconformities"),
    path("nonconformities/new/", NonconformityFormView.as_view(), name="nonconformity_create"),
    path("nonconformities/<int:pk>/", NonconformityDetailView.as_view(), name="nonconformity"),
    path(
        "nonconformities/<int:pk>/edit/", NonconformityFormView.as_view(), name="nonconformity_edit"
    ),
    path(
        "nonconformities/<int:pk>/respond/",
        NonconformityRespondView.as_view(),
        name="nonconformity_respond",
    ),
    path(
        "nonconformities/<int:pk>/actions/new/",
        NonconformityActionCreateView.as_view(),
        name="nonconformity_action_create",
    ),
    path(
        "nonconformities/<int:pk>/submit/",
        NonconformitySubmitView.as_view(),
        name="nonconformity_submit",
    ),
    path(
        "nonconformities/<int:pk>/verify/",
        NonconformityVerifyView.as_view(),
        name="nonconformity_verify",
    ),
    path(
        "nonconformities/<int:pk>/close/",
        NonconformityCloseView.as_view(),
        name="nonconformity_close",
    ),
    path(
        "nonconformities/<int:pk>/reopen/",
        NonconformityReopenView.as_view(),
        name="nonconformity_reopen",
    ),
    path("corrective-actions/", CorrectiveActionListView.as_view(), name="corrective_actions"),
    path(
        "corrective-actions/<int:pk>/edit/",
        CorrectiveActionEditView.as_view(),
        name="corrective_action_edit",
    ),
    path(
        "corrective-actions/<int:pk>/complete/",
        CorrectiveActionCompleteView.as_view(),
        name="corrective_action_complete",
    ),
]
