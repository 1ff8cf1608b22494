"""Pages of AI system impact assessments: the list, the guided form, an assessment with its
entries and linked risks, the workflow steps, versions side by side."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from aims import selectors as aims_selectors
from aims.choices import Language
from aims.permissions import Policy, PolicyViewMixin
from aims.roles import Capability, has_capability
from aims.views import form_errors, paginate
from impact import selectors, services
from impact.choices import HUMAN_JUDGMENT_CRITERIA, AssessmentStatus
from impact.filters import ImpactAssessmentFilter
from impact.forms import ImpactAssessmentForm, ImpactEntryForm, LinkRisksForm, ReturnForm
from impact.models import ImpactAssessment, ImpactEntry
from risk.models import RiskMatrix
from risk.selectors import risk_list, risk_matrices_current


class ImpactAssessmentListView(PolicyViewMixin, View):
    """Assessments across the organisation (or, for operational members, of their systems),
    with filters, 50 a page."""

    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        visible = selectors.impact_assessment_list(user=request.user)
        filters = ImpactAssessmentFilter(request.GET or None, queryset=visible)
        filters.form.fields["ai_system"].queryset = aims_selectors.ai_system_choices(  # type: ignore[attr-defined]
            user=request.user
        )
        valid = not filters.is_bound or filters.is_valid()
        rows = filters.qs if valid else visible
        context = {
            "filters": filters,
            "page": paginate(request, rows.prefetch_related("entries")),
            "can_create": has_capability(request.user, Capability.CHANGE_RECORDS),
            "can_export": has_capability(request.user, Capability.EXPORT),
            "export_parameters": [
                (k, v) for k, values in request.GET.lists() if k != "page" for v in values
            ]
            if valid
            else [],
            "languages": Language.choices,
        }
        return render(request, "impact/list.html", context)


def _matrices(assessment: ImpactAssessment | None) -> Any:
    current = risk_matrices_current()
    if assessment is None:
        return current
    return RiskMatrix.objects.filter(
        pk__in=[*current.values_list("pk", flat=True), assessment.matrix_id]
    )


class ImpactAssessmentEditView(PolicyViewMixin, View):
    """Start an assessment (``?ai_system=`` preselects the system) or change a draft."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    template_name = "impact/form.html"

    def get_assessment(self, request: HttpRequest, pk: int | None) -> ImpactAssessment | None:
        if pk is None:
            return None
        return get_object_or_404(selectors.impact_assessment_editable(user=request.user), pk=pk)

    def make_form(
        self, request: HttpRequest, assessment: ImpactAssessment | None, data: Any = None
    ) -> ImpactAssessmentForm:
        matrices = _matrices(assessment)
        if assessment is not None:
            initial = {
                name: getattr(assessment, name)
                for name in services.ASSESSMENT_FIELDS
                if name != "linked_risks"
            }
            initial["linked_risks"] = list(assessment.linked_risks.all())
            initial["id"] = assessment.pk
            system = assessment.ai_system
        else:
            default = services._default_matrix()
            initial = {
                "matrix": default,
                "responsible": request.user,
                "owner": request.user,
                "assessed_on": None,
            }
            system = None
            chosen = request.GET.get("ai_system", "")
            if chosen.isdigit():
                system = (
                    aims_selectors.ai_system_editable(user=request.user)
                    .filter(pk=int(chosen))
                    .first()
                )
                if system is not None:
                    initial.update(
                        {
                            "ai_system": system,
                            "system_version": system.version,
                            "intended_use": system.purpose,
                        }
                    )
            initial["assessed_on"] = timezone.localdate()
        matrix = initial.get("matrix") or matrices.first()
        if data is not None and str(data.get("matrix", "")).isdigit():
            matrix = matrices.filter(pk=int(data["matrix"])).first() or matrix
        if matrix is None:
            raise Http404
        return ImpactAssessmentForm(
            data,
            initial=initial,
            user=request.user,
            matrix=matrix,
            system=system,
            matrices=matrices,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        assessment = self.get_assessment(request, pk)
        if assessment is not None and assessment.status != AssessmentStatus.DRAFT:
            messages.error(request, _("Only a draft can be changed."))
            return redirect("impact_assessment", pk=assessment.pk)
        form = self.make_form(request, assessment)
        return render(request, self.template_name, {"form": form, "assessment": assessment})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        assessment = self.get_assessment(request, pk)
        form = self.make_form(request, assessment, request.POST)
        if form.is_valid():
            data = form.data_for_service()
            try:
                if assessment is None:
                    assessment = services.impact_assessment_create(actor=request.user, **data)
                else:
                    data.pop("ai_system", None)
                    assessment = services.impact_assessment_update(
                        actor=request.user, assessment=assessment, **data
                    )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The impact assessment was saved."))
                return redirect("impact_assessment", pk=assessment.pk)
        context = {"form": form, "assessment": assessment}
        return render(request, self.template_name, context, status=400)


class ImpactPositionsView(PolicyViewMixin, View):
    """The severity and likelihood selects of a matrix (htmx swaps them in)."""

    policy = Policy(read=Capability.CHANGE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        value = request.GET.get("matrix", "")
        matrices = risk_matrices_current()
        matrix = matrices.filter(pk=int(value) if value.isdigit() else 0).first() or (
            matrices.first()
        )
        if matrix is None:
            raise Http404
        form = ImpactAssessmentForm(
            user=request.user, matrix=matrix, system=None, matrices=matrices
        )
        return render(request, "impact/_positions.html", {"form": form})


def detail_context(
    request: HttpRequest, assessment: ImpactAssessment, **extra: Any
) -> dict[str, Any]:
    editable = (
        selectors.impact_assessment_editable(user=request.user).filter(pk=assessment.pk).exists()
    )
    draft = assessment.status == AssessmentStatus.DRAFT
    approver = has_capability(request.user, Capability.APPROVE)
    in_review = assessment.status == AssessmentStatus.IN_REVIEW
    reflected_ids = services.reflected_risk_ids(assessment)
    reflected = list(risk_list(user=request.user).filter(pk__in=reflected_ids))
    context = {
        "assessment": assessment,
        "matrix": assessment.matrix,
        "entries": list(assessment.entries.all()),
        "reflected": reflected,
        "hidden_risks": len(reflected_ids) - len(reflected),
        "criteria": [
            (label, assessment.human_judgment.get(code, ""))
            for code, label in HUMAN_JUDGMENT_CRITERIA.items()
        ],
        "can_edit": editable and draft,
        "can_reflect": editable
        and assessment.status in (AssessmentStatus.DRAFT, AssessmentStatus.IN_REVIEW),
        "can_submit": editable and draft,
        "can_review": approver and in_review and assessment.author_id != request.user.pk,
        "own_work": approver and in_review and assessment.author_id == request.user.pk,
        "can_start_version": editable
        and assessment.status == AssessmentStatus.APPROVED
        and not ImpactAssessment.objects.filter(previous=assessment).exists(),
        "can_report": has_capability(request.user, Capability.EXPORT),
        "versions": selectors.impact_versions(assessment),
        "return_form": ReturnForm(),
        "languages": Language.choices,
    }
    context.update(extra)
    return context


class ImpactAssessmentDetailView(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        assessment = selectors.impact_assessment_detail(user=request.user, pk=pk)
        if assessment is None:
            raise Http404
        return render(request, "impact/detail.html", detail_context(request, assessment))


class ImpactWorkflowView(PolicyViewMixin, View):
    """One workflow step (``step``): submit, approve, return (with a comment), new version."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    http_method_names = ["post"]
    step = ""
    STEPS = {
        "submit": (services.impact_assessment_submit, "editable"),
        "new_version": (services.impact_assessment_new_version, "editable"),
        "approve": (services.impact_assessment_approve, "visible"),
        "return": (services.impact_assessment_return, "visible"),
    }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        service, scope = self.STEPS[self.step]
        rows = (
            selectors.impact_assessment_editable(user=request.user)
            if scope == "editable"
            else selectors.impact_assessment_list(user=request.user)
        )
        assessment = get_object_or_404(rows, pk=pk)
        extra: dict[str, Any] = {}
        if self.step == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                detail = selectors.impact_assessment_detail(user=request.user, pk=pk)
                context = detail_context(request, detail, return_form=form)  # type: ignore[arg-type]
                return render(request, "impact/detail.html", context, status=400)
            extra["comment"] = form.cleaned_data["comment"]
        try:
            result = service(actor=request.user, assessment=assessment, **extra)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("impact_assessment", pk=pk)
        done = {
            "submit": _("Submitted for review."),
            "approve": _("Approved."),
            "return": _("Returned to the author."),
            "new_version": _("A new version was started."),
        }
        messages.success(request, done[self.step])
        return redirect("impact_assessment", pk=result.pk)


class ImpactApproveView(ImpactWorkflowView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "approve"


class ImpactReturnView(ImpactWorkflowView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "return"


class ImpactEntryEditView(PolicyViewMixin, View):
    """Add an entry to a draft (``assessment_pk``) or change one (``pk``); ``delete`` removes
    it."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    template_name = "impact/entry_form.html"

    def objects(
        self, request: HttpRequest, assessment_pk: int | None, pk: int | None
    ) -> tuple[ImpactAssessment, ImpactEntry | None]:
        if pk is not None:
            entry = get_object_or_404(selectors.impact_entry_editable(user=request.user), pk=pk)
            return entry.assessment, entry
        rows = selectors.impact_assessment_editable(user=request.user)
        return get_object_or_404(rows, pk=assessment_pk), None

    def get(
        self, request: HttpRequest, assessment_pk: int | None = None, pk: int | None = None
    ) -> HttpResponse:
        assessment, entry = self.objects(request, assessment_pk, pk)
        initial = (
            {name: getattr(entry, name) for name in services.ENTRY_FIELDS if name != "risks"}
            if entry
            else {}
        )
        form = ImpactEntryForm(initial=initial, matrix=assessment.matrix)
        return render(
            request, self.template_name, {"form": form, "assessment": assessment, "entry": entry}
        )

    def post(
        self, request: HttpRequest, assessment_pk: int | None = None, pk: int | None = None
    ) -> HttpResponse:
        assessment, entry = self.objects(request, assessment_pk, pk)
        if entry is not None and request.POST.get("delete"):
            try:
                services.impact_entry_delete(actor=request.user, entry=entry)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect("impact_assessment", pk=assessment.pk)
        form = ImpactEntryForm(request.POST, matrix=assessment.matrix)
        if form.is_valid():
            try:
                if entry is None:
                    services.impact_entry_create(
                        actor=request.user, assessment=assessment, **form.cleaned_data
                    )
                else:
                    services.impact_entry_update(
                        actor=request.user, entry=entry, **form.cleaned_data
                    )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The consequence was saved."))
                return redirect("impact_assessment", pk=assessment.pk)
        context = {"form": form, "assessment": assessment, "entry": entry}
        return render(request, self.template_name, context, status=400)


class ImpactEntryRiskView(PolicyViewMixin, View):
    """Reflect an entry into risks: ``create`` a risk prefilled from it, or ``link`` existing
    risks of the same AI system."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)

    def entry(self, request: HttpRequest, pk: int) -> ImpactEntry:
        rows = ImpactEntry.objects.filter(
            assessment__in=selectors.impact_assessment_editable(user=request.user)
        ).select_related("assessment__ai_system", "assessment__matrix", "impact_area", "party_type")
        return get_object_or_404(rows, pk=pk)

    def candidates(self, request: HttpRequest, entry: ImpactEntry) -> Any:
        return (
            risk_list(user=request.user)
            .prefetch_related(None)
            .filter(ai_systems=entry.assessment.ai_system)
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self.entry(request, pk)
        form = LinkRisksForm(initial={"risks": list(entry.risks.all())})
        form.fields["risks"].queryset = self.candidates(request, entry)  # type: ignore[attr-defined]
        return render(
            request,
            "impact/entry_risks.html",
            {"form": form, "entry": entry, "assessment": entry.assessment},
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self.entry(request, pk)
        try:
            if request.POST.get("create"):
                risk = services.impact_entry_create_risk(actor=request.user, entry=entry)
                messages.success(
                    request,
                    _("Risk %(code)s was created from the consequence.") % {"code": risk.code},
                )
                return redirect("impact_assessment", pk=entry.assessment_id)
            form = LinkRisksForm(request.POST)
            form.fields["risks"].queryset = self.candidates(request, entry)  # type: ignore[attr-defined]
            if not form.is_valid():
                return render(
                    request,
                    "impact/entry_risks.html",
                    {"form": form, "entry": entry, "assessment": entry.assessment},
                    status=400,
                )
            services.impact_entry_link_risks(
                actor=request.user, entry=entry, risks=list(form.cleaned_data["risks"])
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The linked risks were saved."))
        return redirect("impact_assessment", pk=entry.assessment_id)


class ImpactCompareView(PolicyViewMixin, View):
    """Two versions side by side, changed fields marked."""

    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        assessment = selectors.impact_assessment_detail(user=request.user, pk=pk)
        if assessment is None:
            raise Http404
        versions = selectors.impact_versions(assessment)
        other_id = request.GET.get("with", "")
        other = next((v for v in versions if str(v.pk) == other_id), None)
        if other is None:
            other = assessment.previous or assessment
        left, right = sorted([other, assessment], key=lambda v: v.number)
        rows = []
        for name in services.ASSESSMENT_FIELDS:
            if name in ("linked_risks", "ai_system", "matrix", "human_judgment"):
                continue
            field = ImpactAssessment._meta.get_field(name)
            a, b = _shown(left, name), _shown(right, name)
            rows.append((field.verbose_name, a, b, a != b))
        for code, label in HUMAN_JUDGMENT_CRITERIA.items():
            a, b = left.human_judgment.get(code, ""), right.human_judgment.get(code, "")
            rows.append((label, a, b, a != b))
        left_entries = [str(e) for e in left.entries.all()]
        right_entries = [str(e) for e in right.entries.all()]
        rows.append(
            (
                _("Consequences"),
                "\n".join(left_entries),
                "\n".join(right_entries),
                left_entries != right_entries,
            )
        )
        context = {
            "assessment": assessment,
            "left": left,
            "right": right,
            "rows": rows,
            "versions": versions,
        }
        return render(request, "impact/compare.html", context)


def _shown(assessment: ImpactAssessment, name: str) -> str:
    display = getattr(assessment, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    value = getattr(assessment, name)
    if name in ("severity", "likelihood"):
        axis = "impact" if name == "severity" else "likelihood"
        return f"{value} {assessment.matrix.step_label(axis, value)}"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else str(value)


class ImpactSubmitView(ImpactWorkflowView):
    step = "submit"


class ImpactNewVersionView(ImpactWorkflowView):
    step = "new_version"
