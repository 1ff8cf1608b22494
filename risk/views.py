"""Pages of the risk register: the register with heat maps, the catalogue to start from, a
risk's page with treatment and acceptance, and the matrices."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from aims import selectors as aims_selectors
from aims.choices import Language
from aims.permissions import AUTHENTICATED, Policy, PolicyViewMixin
from aims.roles import Capability, has_capability
from aims.views import form_errors
from risk import selectors, services
from risk.choices import RiskStatus
from risk.filters import RiskPageFilter
from risk.forms import AcceptForm, CriteriaForm, MatrixForm, RiskForm, TreatmentActionForm
from risk.models import Risk, RiskMatrix, TreatmentAction


def register_filters(request: HttpRequest) -> tuple[RiskPageFilter, Any, list[tuple[str, str]]]:
    """The register's filter set on the rows ``request.user`` may see, and the rows it keeps,
    and the query parameters (for exports: the report holds the same rows)."""
    visible = selectors.risk_list(user=request.user)
    filters = RiskPageFilter(request.GET or None, queryset=visible)
    filters.form.fields["ai_system"].queryset = aims_selectors.ai_system_choices(  # type: ignore[attr-defined]
        user=request.user
    )
    valid = not filters.is_bound or filters.is_valid()
    rows = filters.qs if valid else RiskPageFilter(queryset=visible).qs
    parameters = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
    return filters, rows, parameters if valid else []


class RiskRegisterView(PolicyViewMixin, View):
    """The register: filters, the table (50 a page), and heat maps of the inherent and the
    residual positions of the same filtered rows."""

    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        filters, rows, parameters = register_filters(request)
        heatmaps = selectors.risk_heatmaps(rows)
        paginator = Paginator(rows, 50)
        paginator.count = sum(m["total"] for m in heatmaps)  # type: ignore[misc]  # no 2nd count
        context = {
            "filters": filters,
            "page": paginator.get_page(request.GET.get("page")),
            "heatmaps": heatmaps,
            "can_create": has_capability(request.user, Capability.CHANGE_RECORDS),
            "can_export": has_capability(request.user, Capability.EXPORT),
            "export_parameters": parameters,
            "languages": Language.choices,
        }
        return render(request, "risk/register.html", context)


class RiskTemplatesView(PolicyViewMixin, View):
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


class RiskEditView(PolicyViewMixin, View):
    """Register a risk (``?template=`` prefills it from the catalogue, ``?ai_system=`` links
    it) or change one."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    template_name = "risk/form.html"

    def get_risk(self, request: HttpRequest, pk: int | None) -> Risk | None:
        if pk is None:
            return None
        return get_object_or_404(selectors.risk_editable(user=request.user), pk=pk)

    def make_form(self, request: HttpRequest, risk: Risk | None, data: Any = None) -> RiskForm:
        matrices = selectors.risk_matrices_current()
        if risk is not None:
            matrices = RiskMatrix.objects.filter(
                pk__in=[*matrices.values_list("pk", flat=True), risk.matrix_id]
            )
            initial: dict[str, Any] = {
                name: getattr(risk, name)
                for name in (
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
            }
            for name in (
                "ai_systems",
                "categories",
                "risk_sources",
                "principles",
                "aisi_perspectives",
            ):
                initial[name] = list(getattr(risk, name).all())
        else:
            initial = {"owner": request.user, "matrix": matrices.first(), "ai_systems": []}
            template = request.GET.get("template", "")
            if template.isdigit():
                entry = selectors.risk_templates().filter(pk=int(template)).first()
                if entry is not None:
                    initial.update(selectors.risk_template_initial(entry))
            system = request.GET.get("ai_system", "")
            if system.isdigit():
                initial["ai_systems"] = list(
                    aims_selectors.ai_system_editable(user=request.user).filter(pk=int(system))
                )
        chosen = None
        if data is not None and str(data.get("matrix", "")).isdigit():
            chosen = matrices.filter(pk=int(data["matrix"])).first()
        matrix = chosen or initial.get("matrix") or matrices.first()
        if matrix is None:
            raise Http404
        return RiskForm(
            data,
            initial=initial,
            user=request.user,
            matrix=matrix,
            matrices=matrices,
            accepted=risk is not None and risk.status == RiskStatus.ACCEPTED,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        risk = self.get_risk(request, pk)
        return render(
            request, self.template_name, {"form": self.make_form(request, risk), "risk": risk}
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        risk = self.get_risk(request, pk)
        form = self.make_form(request, risk, request.POST)
        if form.is_valid():
            try:
                if risk is None:
                    risk = services.risk_create(actor=request.user, **form.data_for_service())
                else:
                    risk = services.risk_update(
                        actor=request.user, risk=risk, **form.data_for_service()
                    )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The risk “%(risk)s” was saved.") % {"risk": risk})
                return redirect("risk", pk=risk.pk)
        return render(request, self.template_name, {"form": form, "risk": risk}, status=400)


class RiskPositionsView(PolicyViewMixin, View):
    """The likelihood and impact selects for a chosen matrix (htmx swaps them in when the
    matrix changes on the risk form)."""

    policy = Policy(read=Capability.CHANGE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        matrix_id = request.GET.get("matrix", "")
        matrix = (
            selectors.risk_matrices_current()
            .filter(pk=int(matrix_id) if matrix_id.isdigit() else 0)
            .first()
            or selectors.risk_matrices_current().first()
        )
        if matrix is None:
            raise Http404
        form = RiskForm(user=request.user, matrix=matrix, matrices=RiskMatrix.objects.none())
        return render(request, "risk/_positions.html", {"form": form})


class RiskDetailView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        risk = selectors.risk_detail(user=request.user, pk=pk)
        if risk is None:
            raise Http404
        return render(request, "risk/detail.html", detail_context(request, risk))


def detail_context(request: HttpRequest, risk: Risk, **extra: Any) -> dict[str, Any]:
    editable = selectors.risk_editable(user=request.user).filter(pk=risk.pk).exists()
    acceptances = list(risk.acceptances.all())
    within, _role = services.acceptance_rule(risk)
    context = {
        "risk": risk,
        "matrix": risk.matrix,
        "can_edit": editable,
        "can_accept": services.can_accept(request.user, risk),
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


class RiskAcceptView(PolicyViewMixin, View):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        risk = selectors.risk_detail(user=request.user, pk=pk)
        if risk is None:
            raise Http404
        form = AcceptForm(request.POST)
        if form.is_valid():
            try:
                services.risk_accept(actor=request.user, risk=risk, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The risk was accepted."))
                return redirect("risk", pk=risk.pk)
        context = detail_context(request, risk, accept_form=form)
        return render(request, "risk/detail.html", context, status=400)


class TreatmentActionEditView(PolicyViewMixin, View):
    """Add an action to a risk (``risk_pk``) or change one (``pk``)."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    template_name = "risk/action_form.html"

    def objects(
        self, request: HttpRequest, risk_pk: int | None, pk: int | None
    ) -> tuple[Risk, TreatmentAction | None]:
        if pk is not None:
            action = get_object_or_404(
                selectors.treatment_action_editable(user=request.user).select_related("risk"), pk=pk
            )
            return action.risk, action
        risk = get_object_or_404(selectors.risk_editable(user=request.user), pk=risk_pk)
        return risk, None

    def get(
        self, request: HttpRequest, risk_pk: int | None = None, pk: int | None = None
    ) -> HttpResponse:
        risk, action = self.objects(request, risk_pk, pk)
        form = TreatmentActionForm(
            instance=action, initial={} if action else {"owner": request.user}
        )
        return render(request, self.template_name, {"form": form, "risk": risk, "action": action})

    def post(
        self, request: HttpRequest, risk_pk: int | None = None, pk: int | None = None
    ) -> HttpResponse:
        risk, action = self.objects(request, risk_pk, pk)
        form = TreatmentActionForm(request.POST, instance=action or TreatmentAction(risk=risk))
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                if action is None:
                    services.treatment_action_create(actor=request.user, risk=risk, **data)
                else:
                    services.treatment_action_update(actor=request.user, action=action, **data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The treatment action was saved."))
                return redirect("risk", pk=risk.pk)
        context = {"form": form, "risk": risk, "action": action}
        return render(request, self.template_name, context, status=400)


class RiskMatrixListView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        matrices = list(selectors.risk_matrix_list(user=request.user))
        context = {
            "matrices": matrices,
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "risk/matrices.html", context)


class RiskMatrixDetailView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        matrix = get_object_or_404(selectors.risk_matrix_list(user=request.user), pk=pk)
        versions = RiskMatrix.objects.filter(code=matrix.code).order_by("-version")
        context = {
            "matrix": matrix,
            "versions": versions,
            "grid": matrix_grid(matrix),
            "in_use": services.matrix_in_use(matrix),
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


class RiskMatrixEditView(PolicyViewMixin, View):
    """Change a matrix (``pk``; a matrix in use gets a new version) or define a new one as a
    copy of another (``?from=``)."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    template_name = "risk/matrix_form.html"

    def source(self, request: HttpRequest, pk: int | None) -> RiskMatrix:
        if pk is not None:
            return get_object_or_404(RiskMatrix.objects.filter(is_current=True), pk=pk)
        origin = request.GET.get("from") or request.POST.get("from") or ""
        matrices = selectors.risk_matrices_current()
        matrix = matrices.filter(pk=int(origin)).first() if origin.isdigit() else None
        matrix = matrix or matrices.first()
        if matrix is None:
            raise Http404
        return matrix

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        matrix = self.source(request, pk)
        form = MatrixForm(matrix=matrix, editing=pk is not None)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "matrix": matrix,
                "editing": pk is not None,
                "in_use": services.matrix_in_use(matrix),
            },
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        matrix = self.source(request, pk)
        form = MatrixForm(request.POST, matrix=matrix, editing=pk is not None)
        if form.is_valid():
            try:
                if pk is None:
                    saved = services.risk_matrix_create(
                        actor=request.user, **form.data_for_service()
                    )
                else:
                    saved = services.risk_matrix_update(
                        actor=request.user, matrix=matrix, **form.data_for_service()
                    )
            except ValidationError as error:
                form_errors(form, error)
            else:
                if saved.pk != matrix.pk and pk is not None:
                    messages.success(
                        request,
                        _("Risks use this matrix, so the change made version %(version)d.")
                        % {"version": saved.version},
                    )
                else:
                    messages.success(request, _("The matrix was saved."))
                return redirect("risk_matrix", pk=saved.pk)
        context = {
            "form": form,
            "matrix": matrix,
            "editing": pk is not None,
            "in_use": services.matrix_in_use(matrix),
        }
        return render(request, self.template_name, context, status=400)


class RiskCriteriaEditView(PolicyViewMixin, View):
    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        matrix = get_object_or_404(RiskMatrix.objects.select_related("criteria"), pk=pk)
        form = CriteriaForm(request.POST, matrix=matrix)
        if form.is_valid():
            try:
                services.risk_criteria_update(
                    actor=request.user, criteria=matrix.criteria, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The risk criteria were saved."))
        else:
            messages.error(request, _("The risk criteria could not be saved."))
        return redirect("risk_matrix", pk=matrix.pk)


class RiskLevelsCssView(PolicyViewMixin, View):
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
