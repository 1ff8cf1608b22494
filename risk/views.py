"""Pages of the risk register: the register with heat maps, the catalogue to start from, a
risk's page with treatment and acceptance, and the matrices."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.forms.base import form_errors
from aims.models import AISystem
from aims.permissions import AUTHENTICATED, Policy
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, VIEW, permitted, permitted_ids, restrict
from aims.views.base import (
    EditPageView,
    PageView,
    StepView,
    filtered,
    paginate,
    query_parameters,
)
from risk import selectors
from risk.choices import RiskStatus
from risk.filters import RiskPageFilter
from risk.forms import AcceptForm, CriteriaForm, MatrixForm, RiskForm, TreatmentActionForm
from risk.models import Risk, RiskMatrix, TreatmentAction
from risk.services.acceptance import (
    acceptance_bar,
    acceptance_rule,
    can_accept,
    open_acceptance_request,
    risk_accept,
    risk_acceptance_request,
)
from risk.services.matrices import (
    DEFAULT_FLAGS,
    matrix_in_use,
    risk_criteria_update,
    risk_matrix_create,
    risk_matrix_make_default,
    risk_matrix_update,
)
from risk.services.register import risk_create, risk_update
from risk.services.treatment import treatment_action_create, treatment_action_update


def register_filters(request: HttpRequest) -> tuple[RiskPageFilter, Any, list[tuple[str, str]]]:
    """The register's filter set on the rows ``request.user`` may see, and the rows it keeps,
    and the query parameters (for exports: the report holds the same rows)."""
    visible = restrict(selectors.risks(), request.user)
    filters, rows, valid = filtered(RiskPageFilter, request, visible)
    parameters = [(k, v) for k, v in query_parameters(request, valid) if k != HEATMAP]
    return filters, rows, parameters


HEATMAP = "map"  # which matrix's heat maps the register shows; not a filter of the rows
CELL_FIELDS = {
    "inherent": ("inherent_likelihood", "inherent_impact"),
    "residual": ("residual_likelihood", "residual_impact"),
}


def register_query(request: HttpRequest, drop: set[str], **add: Any) -> str:
    """The register's query string without the page number and ``drop``, plus ``add``."""
    items = [
        (k, v) for k, values in request.GET.lists() if k not in drop and k != "page" for v in values
    ]
    items += [(k, str(v)) for k, v in add.items()]
    return "?" + urlencode(items)


def heatmap_context(request: HttpRequest, heatmaps: list[dict[str, Any]]) -> dict[str, Any]:
    """The one matrix whose heat maps the register shows (``?map=``, else the default
    matrix, else the most used), each of its cells linked to the register filtered to that
    cell (the other filters kept, so the cell's count is the number of rows it lists), and
    links that switch to the other matrices in use."""
    wanted = request.GET.get(HEATMAP, "")
    shown = (
        next((m for m in heatmaps if str(m["matrix"].pk) == wanted), None)
        or next((m for m in heatmaps if m["matrix"].is_default), None)
        or (heatmaps[0] if heatmaps else None)
    )
    if shown is None:
        return {"heatmap": None, "other_heatmaps": [], "cell_filters": []}
    matrix = shown["matrix"]
    for which, (l_name, i_name) in CELL_FIELDS.items():
        for row in shown[which]:
            for cell in row["cells"]:
                add = {"matrix": matrix.pk, l_name: row["likelihood"], i_name: cell["impact"]}
                cell["href"] = register_query(request, {HEATMAP, "matrix", l_name, i_name}, **add)
    others = [
        {
            "matrix": m["matrix"],
            "total": m["total"],
            "href": register_query(request, {HEATMAP}, **{HEATMAP: m["matrix"].pk}),
        }
        for m in heatmaps
        if m is not shown
    ]
    captions = {"inherent": _("Inherent risk"), "residual": _("Residual risk")}
    cell_filters = []
    for which, (l_name, i_name) in CELL_FIELDS.items():
        likelihood, impact = request.GET.get(l_name, ""), request.GET.get(i_name, "")
        if likelihood.isdigit() or impact.isdigit():
            cell_filters.append(
                {
                    "caption": captions[which],
                    "likelihood": _step(matrix, "likelihood", likelihood),
                    "impact": _step(matrix, "impact", impact),
                    "clear": register_query(request, {l_name, i_name}),
                }
            )
    return {"heatmap": shown, "other_heatmaps": others, "cell_filters": cell_filters}


def _step(matrix: RiskMatrix, axis: str, value: str) -> str:
    if not value.isdigit():
        return _("every position")
    return f"{value} {matrix.step_label(axis, int(value))}"


class RiskRegisterView(PageView):
    """The register: filters, the table (50 a page), and the heat maps of the inherent and
    the residual positions of the same filtered rows on one matrix (the default one unless
    the page is switched to another); risks of every matrix are listed."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Risk

    def get(self, request: HttpRequest) -> HttpResponse:
        filters, rows, parameters = register_filters(request)
        cell_names = [name for pair in CELL_FIELDS.values() for name in pair]
        # A register filtered to one matrix maps that one; else the default, even when empty.
        always = None if request.GET.get("matrix") else selectors.risk_matrix_default()
        # The kept counts when they answer (the whole register, filtered by what they hold),
        # else the rows themselves (the user's part, or a narrower filter).
        counts = selectors.risk_cell_counts(request.user, filters)
        heatmaps = selectors.risk_heatmaps(rows if counts is None else counts, always=always)
        # The maps' totals are the rows' count: no second count.
        page = paginate(request, rows, count=sum(m["total"] for m in heatmaps))
        context = {
            "filters": filters,
            "page": page,
            "can_create": has_capability(request.user, Capability.CHANGE_RECORDS),
            "export_parameters": parameters,
            "today": timezone.localdate(),
            # The heat-map cell and the matrix whose maps are shown are set by clicking a map,
            # not in the filter bar; filtering again keeps them.
            "hidden_filters": cell_names,
            "kept_parameters": [
                (name, value)
                for name in [*cell_names, HEATMAP]
                for value in request.GET.getlist(name)
            ],
            **heatmap_context(request, heatmaps),
        }
        return render(request, "risk/register.html", context)


class RiskTemplatesView(PageView):
    """The catalogue a new risk starts from."""

    policy = Policy(read=Capability.CHANGE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        groups: dict[str, dict[str, Any]] = {}
        for item in selectors.risk_templates():
            group = groups.setdefault(
                item.framework.urn, {"framework": item.framework, "items": []}
            )
            group["items"].append(item)
        context = {"groups": list(groups.values()), "ai_system": request.GET.get("ai_system", "")}
        return render(request, "risk/templates.html", context)


RELATIONS = ("ai_systems", "categories", "risk_sources", "principles", "aisi_perspectives")


class RiskEditView(EditPageView):
    """Register a risk (``?template=`` prefills it from the catalogue, ``?ai_system=`` links
    it) or change one."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Risk
    template_name = "risk/form.html"
    object_name = "risk"

    def get_form(self, obj: Risk | None, data: Any = None, files: Any = None) -> RiskForm:
        request = self.request
        matrices = selectors.risk_matrices_current()
        if obj is not None:
            matrices = RiskMatrix.objects.filter(
                pk__in=[*matrices.values_list("pk", flat=True), obj.matrix_id]
            )
            names = (
                "title",
                "description",
                "matrix",
                "source_notes",
                "treatment_option",
                "treatment_plan",
                "status",
                "closed_reason",
                "owner",
                "review_interval_days",
                "next_review_on",
                "template",
                *RiskForm.POSITIONS,
            )
            initial: dict[str, Any] = {name: getattr(obj, name) for name in names}
            for name in RELATIONS:
                initial[name] = list(getattr(obj, name).all())
        else:
            initial = {"owner": request.user, "matrix": matrices.first(), "ai_systems": []}
            template = request.GET.get("template", "")
            if template.isdigit():
                entry = selectors.risk_templates().filter(pk=int(template)).first()
                if entry is not None:
                    initial.update(selectors.risk_template_initial(entry))
            system = request.GET.get("ai_system", "")
            if system.isdigit():
                systems = restrict(AISystem.objects.filter(pk=int(system)), request.user, CHANGE)
                initial["ai_systems"] = list(systems)
        chosen = None
        if data is not None and str(data.get("matrix", "")).isdigit():
            chosen = matrices.filter(pk=int(data["matrix"])).first()
        matrix = chosen or initial.get("matrix") or matrices.first()
        if matrix is None:
            raise Http404
        accepted = obj is not None and obj.status == RiskStatus.ACCEPTED
        return RiskForm(
            data,
            initial=initial,
            user=request.user,
            matrix=matrix,
            matrices=matrices,
            accepted=accepted,
        )

    def save(self, form: RiskForm, obj: Risk | None) -> Risk:
        if obj is None:
            return risk_create(actor=self.request.user, **form.data_for_service())
        return risk_update(actor=self.request.user, risk=obj, **form.data_for_service())

    def get_success_message(self, obj: Risk) -> str:
        return _("The risk “%(risk)s” was saved.") % {"risk": obj}

    def success_url(self, obj: Risk) -> str:
        return obj.get_absolute_url()


class RiskPositionsView(PageView):
    """The likelihood and impact selects for a chosen matrix (htmx swaps them in when the
    matrix changes on the risk form)."""

    policy = Policy(read=Capability.CHANGE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        matrix_id = request.GET.get("matrix", "")
        matrices = selectors.risk_matrices_current()
        chosen = matrices.filter(pk=int(matrix_id) if matrix_id.isdigit() else 0).first()
        matrix = chosen or matrices.first()
        if matrix is None:
            raise Http404
        form = RiskForm(user=request.user, matrix=matrix, matrices=RiskMatrix.objects.none())
        return render(request, "risk/_positions.html", {"form": form})


def _visible_controls(request: HttpRequest, risk: Risk) -> set[int]:
    """Ids of the organisation's controls the risk's actions rely on that the reader may see
    (one query): the page names no control hidden from them."""
    from controls.models import Control

    ids = {c.pk for action in risk.actions.all() for c in action.implementing_controls.all()}
    return permitted_ids(request.user, VIEW, Control, ids) if ids else set()


def detail_context(request: HttpRequest, risk: Risk, **extra: Any) -> dict[str, Any]:
    acceptances = list(risk.acceptances.all())
    within, _role = acceptance_rule(risk)
    request_open = open_acceptance_request(risk)
    context = {
        "acceptance_request": request_open,
        "can_request_acceptance": not within
        and request_open is None
        and risk.status not in (RiskStatus.CLOSED, RiskStatus.ACCEPTED)
        and permitted(request.user, CHANGE, risk),
        "risk": risk,
        "visible_controls": _visible_controls(request, risk),
        "matrix": risk.matrix,
        "can_edit": permitted(request.user, CHANGE, risk),
        "can_accept": can_accept(request.user, risk),
        # Why an approver may not accept this risk (they own it or handed it on).
        "acceptance_bar": acceptance_bar(request.user, risk)
        if has_capability(request.user, Capability.APPROVE)
        else None,
        "within_criteria": within,
        "active_acceptance": next((a for a in acceptances if a.ended_at is None), None),
        "acceptances": acceptances,
        "accept_form": AcceptForm(),
        "action_form": TreatmentActionForm(),
        "inherent_label": risk.matrix.level_label(risk.inherent_level),
        "residual_label": risk.matrix.level_label(risk.residual_level),
        "steps": {
            name: f"({risk.matrix.step_label(name.split('_')[1], getattr(risk, name))})"
            for name in RiskForm.POSITIONS
        },
    }
    context.update(extra)
    return context


class RiskDetailView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = Risk
    selector = staticmethod(selectors.risk_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        risk = self.get_object(pk)
        return render(request, "risk/detail.html", detail_context(request, risk))


class RiskAcceptView(PageView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    model = Risk
    selector = staticmethod(selectors.risk_details)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        risk = self.get_object(pk)
        form = AcceptForm(request.POST)
        if form.is_valid():
            try:
                risk_accept(actor=request.user, risk=risk, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The risk was accepted."))
                return redirect("risk", pk=risk.pk)
        context = detail_context(request, risk, accept_form=form)
        return render(request, "risk/detail.html", context, status=400)


class RiskRequestAcceptanceView(StepView):
    """Ask top management to accept a risk above the criteria (``risk_acceptance_request``)."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = Risk
    done_message = gettext_lazy("Acceptance was requested; top management sees it in their inbox.")

    def run(self, obj: Risk) -> Any:
        note = self.request.POST.get("note", "")[:1000]
        return risk_acceptance_request(actor=self.request.user, risk=obj, note=note)

    def redirect_url(self, obj: Risk, result: Any) -> str:
        return obj.get_absolute_url()


class TreatmentActionEditView(EditPageView):
    """Add an action to a risk (``risk_pk``) or change one (``pk``)."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = TreatmentAction
    selector = staticmethod(selectors.treatment_actions)
    template_name = "risk/action_form.html"
    object_name = "action"

    def risk(self, action: TreatmentAction | None) -> Risk:
        if action is not None:
            return action.risk
        risks = restrict(Risk.objects.all(), self.request.user, CHANGE)
        return get_object_or_404(risks, pk=self.kwargs.get("risk_pk"))

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> TreatmentActionForm:
        if data is None:
            initial = {} if obj else {"owner": self.request.user}
            return TreatmentActionForm(instance=obj, initial=initial, user=self.request.user)
        return TreatmentActionForm(
            data, instance=obj or TreatmentAction(risk=self.risk(obj)), user=self.request.user
        )

    def save(self, form: TreatmentActionForm, obj: TreatmentAction | None) -> TreatmentAction:
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        actor = self.request.user
        if obj is None:
            return treatment_action_create(actor=actor, risk=self.risk(None), **data)
        return treatment_action_update(actor=actor, action=obj, **data)

    def get_success_message(self, obj: TreatmentAction) -> str:
        return _("The treatment action was saved.")

    def success_url(self, obj: TreatmentAction) -> str:
        return reverse("risk", args=[obj.risk_id])

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"form": form, "risk": self.risk(obj), "action": obj}


class RiskMatrixListView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = RiskMatrix
    selector = staticmethod(selectors.risk_matrices)

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "matrices": list(self.rows()),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "risk/matrices.html", context)


class RiskMatrixDetailView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = RiskMatrix
    selector = staticmethod(selectors.risk_matrices)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        matrix = self.get_object(pk)
        versions = RiskMatrix.objects.filter(code=matrix.code).order_by("-version")
        context = {
            "matrix": matrix,
            "versions": versions,
            "grid": matrix_grid(matrix),
            "in_use": matrix_in_use(matrix),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS)
            and matrix.is_current,
            "criteria_form": CriteriaForm(matrix=matrix),
        }
        return render(request, "risk/matrix.html", context)


def matrix_grid(matrix: RiskMatrix) -> list[dict[str, Any]]:
    """Rows of the grid for display, highest likelihood on top."""
    colours = {level["code"]: level.get("colour", "") for level in matrix.levels}
    rows, columns = matrix.size
    return [
        {
            "likelihood": l_pos,
            "label": matrix.step_label("likelihood", l_pos),
            "cells": [
                {
                    "code": matrix.grid[l_pos - 1][i_pos - 1],
                    "label": matrix.level_label(matrix.grid[l_pos - 1][i_pos - 1]),
                    "colour": colours.get(matrix.grid[l_pos - 1][i_pos - 1], ""),
                }
                for i_pos in range(1, columns + 1)
            ],
        }
        for l_pos in range(rows, 0, -1)
    ]


class RiskMatrixEditView(EditPageView):
    """Change a matrix (``pk``; a matrix in use gets a new version) or define a new one as a
    copy of another (``?from=``)."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = RiskMatrix
    template_name = "risk/matrix_form.html"

    def get_object_or_none(self, pk: Any) -> RiskMatrix:
        """The matrix changed (``pk``) or copied (``from``); a form always has one."""
        if pk is not None:
            return get_object_or_404(self.rows().filter(is_current=True), pk=pk)
        origin = self.request.GET.get("from") or self.request.POST.get("from") or ""
        matrices = selectors.risk_matrices_current()
        matrix = matrices.filter(pk=int(origin)).first() if origin.isdigit() else None
        matrix = matrix or matrices.first()
        if matrix is None:
            raise Http404
        return matrix

    @property
    def editing(self) -> bool:
        return self.kwargs.get("pk") is not None

    def get_form(self, obj: RiskMatrix, data: Any = None, files: Any = None) -> MatrixForm:
        return MatrixForm(data, matrix=obj, editing=self.editing)

    def save(self, form: MatrixForm, obj: RiskMatrix) -> RiskMatrix:
        actor = self.request.user
        if not self.editing:
            return risk_matrix_create(actor=actor, **form.data_for_service())
        saved = risk_matrix_update(actor=actor, matrix=obj, **form.data_for_service())
        self.new_version = saved.pk != obj.pk
        return saved

    def get_success_message(self, obj: RiskMatrix) -> str:
        if getattr(self, "new_version", False):
            return _("Risks use this matrix, so the change made version %(version)d.") % {
                "version": obj.version
            }
        return _("The matrix was saved.")

    def success_url(self, obj: RiskMatrix) -> str:
        return reverse("risk_matrix", args=[obj.pk])

    def get_context_data(self, form: Any, obj: RiskMatrix) -> dict[str, Any]:
        return {
            "form": form,
            "matrix": obj,
            "editing": self.editing,
            "in_use": matrix_in_use(obj),
        }


class RiskCriteriaEditView(PageView):
    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = RiskMatrix
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        matrix = get_object_or_404(self.rows().select_related("criteria"), pk=pk)
        form = CriteriaForm(request.POST, matrix=matrix)
        if form.is_valid():
            try:
                risk_criteria_update(
                    actor=request.user, criteria=matrix.criteria, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The risk criteria were saved."))
        else:
            messages.error(request, _("The risk criteria could not be saved."))
        return redirect("risk_matrix", pk=matrix.pk)


class RiskMatrixDefaultView(PageView):
    """Make a matrix the default for new risks and the register's heat maps
    (``purpose=risk``) or for new impact assessments (``purpose=impact``)."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = RiskMatrix
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        matrix = get_object_or_404(self.rows().filter(is_current=True), pk=pk)
        purpose = request.POST.get("purpose", "")
        if purpose not in DEFAULT_FLAGS:
            messages.error(request, _("Unknown purpose of a default matrix."))
        else:
            risk_matrix_make_default(actor=request.user, matrix=matrix, purpose=purpose)
            messages.success(request, _("The default matrix was changed."))
        return redirect("risk_matrix", pk=matrix.pk)


class RiskLevelsCssView(PageView):
    """The colours of every matrix's levels as a style sheet: classes ``lv-<matrix>-<code>``
    (the Content Security Policy allows no inline styles)."""

    policy = Policy(read=AUTHENTICATED)

    def get(self, request: HttpRequest) -> HttpResponse:
        rules = []
        for matrix in RiskMatrix.objects.only("pk", "levels"):
            for level in matrix.levels:
                colour = str(level.get("colour") or "")
                if COLOUR.match(colour):
                    ink = "#fff" if _dark(colour) else "#111"
                    rules.append(
                        f".lv-{matrix.pk}-{level['code']} {{ background: {colour}; color: {ink}; }}"
                    )
        response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response


COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _dark(colour: str) -> bool:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return (0.299 * red + 0.587 * green + 0.114 * blue) < 150
