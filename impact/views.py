"""Pages of AI system impact assessments: the list, the guided form, an assessment with its
entries and linked risks, the workflow steps, versions side by side."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.choices import ApprovalStatus, Language
from aims.forms.approval import ReturnForm
from aims.forms.base import form_errors
from aims.models import AISystem
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted, restrict
from aims.services.approval import CompareRow, compare_row, shown
from aims.views.approval import ApprovalCompareView, ApprovalStepView, approval_context
from aims.views.base import EditPageView, ListPageView, PageView
from impact import selectors, services
from impact.choices import HUMAN_JUDGMENT_CRITERIA
from impact.filters import ImpactAssessmentFilter
from impact.forms import ImpactAssessmentForm, ImpactEntryForm, LinkRisksForm
from impact.models import ImpactAssessment, ImpactEntry
from impact.models.assessment import ASSESSMENT_FIELDS
from risk.forms import RiskForm
from risk.models import Risk, RiskMatrix
from risk.selectors import risk_matrices_current


class ImpactAssessmentListView(ListPageView):
    """Assessments across the organisation (or, for operational members, of their systems),
    with filters, 50 a page."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = ImpactAssessment
    selector = staticmethod(selectors.impact_assessments)
    filterset_class = ImpactAssessmentFilter
    template_name = "impact/list.html"

    def list_rows(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        return rows.prefetch_related("entries")

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            **context,
            "can_create": has_capability(user, Capability.CHANGE_RECORDS),
        }


def _matrices(assessment: ImpactAssessment | None) -> Any:
    current = risk_matrices_current()
    if assessment is None:
        return current
    return RiskMatrix.objects.filter(
        pk__in=[*current.values_list("pk", flat=True), assessment.matrix_id]
    )


class ImpactAssessmentEditView(EditPageView):
    """Start an assessment (``?ai_system=`` preselects the system) or change a draft."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = ImpactAssessment
    selector = staticmethod(selectors.impact_assessments)
    template_name = "impact/form.html"
    object_name = "assessment"

    def get_form(
        self, obj: ImpactAssessment | None, data: Any = None, files: Any = None
    ) -> ImpactAssessmentForm:
        request = self.request
        matrices = _matrices(obj)
        system: AISystem | None
        if obj is not None:
            links = ("linked_risks", "annex_controls")
            initial = {name: getattr(obj, name) for name in ASSESSMENT_FIELDS if name not in links}
            initial["linked_risks"] = list(obj.linked_risks.all())
            initial["annex_controls"] = list(obj.annex_controls.all())
            initial["id"] = obj.pk
            system = obj.ai_system
        else:
            initial = {
                "matrix": services._default_matrix(),
                "responsible": request.user,
                "owner": request.user,
                "assessed_on": timezone.localdate(),
            }
            system = None
            chosen = request.GET.get("ai_system", "")
            if chosen.isdigit():
                systems = AISystem.objects.filter(pk=int(chosen))
                system = restrict(systems, request.user, CHANGE).first()
                if system is not None:
                    initial.update(
                        ai_system=system,
                        system_version=system.version,
                        intended_use=system.purpose,
                    )
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

    def get(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        assessment = self.get_object_or_none(pk)
        if assessment is not None and assessment.status != ApprovalStatus.DRAFT:
            messages.error(request, _("Only a draft can be changed."))
            return redirect("impact_assessment", pk=assessment.pk)
        return self.render_form(self.get_form(assessment), assessment)

    def save(self, form: ImpactAssessmentForm, obj: ImpactAssessment | None) -> ImpactAssessment:
        data = form.data_for_service()
        if obj is None:
            return services.impact_assessment_create(actor=self.request.user, **data)
        data.pop("ai_system", None)
        return services.impact_assessment_update(actor=self.request.user, assessment=obj, **data)

    def get_success_message(self, obj: ImpactAssessment) -> str:
        return _("The impact assessment was saved.")

    def success_url(self, obj: ImpactAssessment) -> str:
        return obj.get_absolute_url()


class ImpactPositionsView(PageView):
    """The severity and likelihood selects of a matrix (htmx swaps them in)."""

    policy = Policy(read=Capability.CHANGE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        value = request.GET.get("matrix", "")
        matrices = risk_matrices_current()
        chosen = matrices.filter(pk=int(value) if value.isdigit() else 0).first()
        matrix = chosen or matrices.first()
        if matrix is None:
            raise Http404
        form = ImpactAssessmentForm(
            user=request.user, matrix=matrix, system=None, matrices=matrices
        )
        return render(request, "impact/_positions.html", {"form": form})


def detail_context(
    request: HttpRequest, assessment: ImpactAssessment, **extra: Any
) -> dict[str, Any]:
    editable = permitted(request.user, CHANGE, assessment)
    reflected_ids = services.reflected_risk_ids(assessment)
    reflected = list(restrict(Risk.objects.all(), request.user).filter(pk__in=reflected_ids))
    urls = {
        "submit": reverse("impact_assessment_submit", args=[assessment.pk]),
        "approve": reverse("impact_assessment_approve", args=[assessment.pk]),
        "return": reverse("impact_assessment_return", args=[assessment.pk]),
        "new_version": reverse("impact_assessment_new_version", args=[assessment.pk]),
    }
    draft = assessment.status == ApprovalStatus.DRAFT
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
        and assessment.status in (ApprovalStatus.DRAFT, ApprovalStatus.IN_REVIEW),
        "can_report": has_capability(request.user, Capability.EXPORT),
        "versions": list(assessment.versions()),
        "languages": Language.choices,
        **approval_context(request, assessment, editable=editable, urls=urls),
    }
    context.update(extra)
    return context


class ImpactAssessmentDetailView(PageView):
    policy = Policy(read=Capability.SEE_RECORDS)
    model = ImpactAssessment
    selector = staticmethod(selectors.impact_assessment_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        assessment = self.get_object(pk)
        return render(request, "impact/detail.html", detail_context(request, assessment))


class ImpactWorkflowView(ApprovalStepView):
    """One workflow step on an assessment: submit, approve, return (with a comment), new
    version."""

    model = ImpactAssessment

    def invalid_return(self, obj: ImpactAssessment, form: ReturnForm) -> HttpResponse:
        detail = get_object_or_404(selectors.impact_assessment_details(), pk=obj.pk)
        context = detail_context(self.request, detail, return_form=form)
        return render(self.request, "impact/detail.html", context, status=400)


class ImpactSubmitView(ImpactWorkflowView):
    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    step = "submit"


class ImpactNewVersionView(ImpactWorkflowView):
    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    step = "new_version"


class ImpactApproveView(ImpactWorkflowView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "approve"


class ImpactReturnView(ImpactWorkflowView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "return"


class ImpactEntryEditView(EditPageView):
    """Add an entry to a draft (``assessment_pk``) or change one (``pk``); ``delete`` removes
    it."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = ImpactEntry
    selector = staticmethod(selectors.impact_entries)
    template_name = "impact/entry_form.html"

    def assessment(self, entry: ImpactEntry | None) -> ImpactAssessment:
        if entry is not None:
            return entry.assessment
        rows = restrict(selectors.impact_assessments(), self.request.user, CHANGE)
        return get_object_or_404(rows, pk=self.kwargs.get("assessment_pk"))

    def get_form(self, obj: ImpactEntry | None, data: Any = None, files: Any = None) -> Any:
        initial = {}
        if obj is not None:
            names = [name for name in services.ENTRY_FIELDS if name != "risks"]
            initial = {name: getattr(obj, name) for name in names}
        return ImpactEntryForm(data, initial=initial, matrix=self.assessment(obj).matrix)

    def save(self, form: ImpactEntryForm, obj: ImpactEntry | None) -> ImpactEntry:
        actor = self.request.user
        if obj is None:
            return services.impact_entry_create(
                actor=actor, assessment=self.assessment(None), **form.cleaned_data
            )
        return services.impact_entry_update(actor=actor, entry=obj, **form.cleaned_data)

    def get_success_message(self, obj: ImpactEntry) -> str:
        return _("The consequence was saved.")

    def success_url(self, obj: ImpactEntry) -> str:
        return reverse("impact_assessment", args=[obj.assessment_id])

    def get_context_data(self, form: Any, obj: ImpactEntry | None) -> dict[str, Any]:
        return {"form": form, "assessment": self.assessment(obj), "entry": obj}

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        if pk is None or not request.POST.get("delete"):
            return super().post(request, pk, **kwargs)
        entry = self.get_object(pk)
        try:
            services.impact_entry_delete(actor=request.user, entry=entry)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("impact_assessment", pk=entry.assessment_id)


class ImpactEntryRiskView(PageView):
    """Reflect an entry into risks: link existing risks of the same AI system, or go to the
    risk form prefilled from it (``ImpactEntryRiskCreateView``)."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = ImpactEntry
    selector = staticmethod(selectors.impact_entries)
    template_name = "impact/entry_risks.html"

    def form(self, entry: ImpactEntry, data: Any = None) -> LinkRisksForm:
        initial = {"risks": list(entry.risks.all())} if data is None else None
        form = LinkRisksForm(data, initial=initial)
        candidates = restrict(Risk.objects.all(), self.request.user)
        field = form.fields["risks"]
        field.queryset = candidates.filter(ai_systems=entry.assessment.ai_system)  # type: ignore[attr-defined]
        return form

    def render_page(self, entry: ImpactEntry, form: LinkRisksForm, status: int = 200) -> Any:
        context = {"form": form, "entry": entry, "assessment": entry.assessment}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self.get_object(pk)
        return self.render_page(entry, self.form(entry))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self.get_object(pk)
        try:
            form = self.form(entry, request.POST)
            if not form.is_valid():
                return self.render_page(entry, form, status=400)
            services.impact_entry_link_risks(
                actor=request.user, entry=entry, risks=list(form.cleaned_data["risks"])
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The linked risks were saved."))
        return redirect("impact_assessment", pk=entry.assessment_id)


class ImpactEntryRiskCreateView(PageView):
    """ "Create a risk" from a consequence: the risk form, prefilled from it (title, owner,
    treatment plan, AI system, positions on the assessment's matrix), which the person
    completes; saving registers the risk and links it to the consequence."""

    policy = Policy(read=Capability.CHANGE_RECORDS, write=Capability.CHANGE_RECORDS)
    model = ImpactEntry
    selector = staticmethod(selectors.impact_entries)
    template_name = "risk/form.html"

    def form(self, entry: ImpactEntry, data: Any = None) -> RiskForm:
        matrices = RiskMatrix.objects.filter(
            pk__in=[
                *risk_matrices_current().values_list("pk", flat=True),
                entry.assessment.matrix_id,
            ]
        )
        initial = services.impact_entry_risk_initial(entry)
        chosen = None
        if data is not None and str(data.get("matrix", "")).isdigit():
            chosen = matrices.filter(pk=int(data["matrix"])).first()
        return RiskForm(
            data,
            initial=initial,
            user=self.request.user,
            matrix=chosen or entry.assessment.matrix,
            matrices=matrices,
        )

    def render_page(self, entry: ImpactEntry, form: RiskForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "from_entry": entry, "assessment": entry.assessment}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self.get_object(pk)
        return self.render_page(entry, self.form(entry))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self.get_object(pk)
        form = self.form(entry, request.POST)
        if form.is_valid():
            try:
                risk = services.impact_entry_create_risk(
                    actor=request.user, entry=entry, **form.data_for_service()
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Risk %(code)s was created from the consequence.") % {"code": risk.code},
                )
                return redirect("impact_assessment", pk=entry.assessment_id)
        return self.render_page(entry, form, status=400)


class ImpactCompareView(ApprovalCompareView):
    """Two versions side by side, changed fields marked."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = ImpactAssessment
    selector = staticmethod(selectors.impact_assessment_details)

    def show(self, version: Any, name: str) -> str:
        if name in ("severity", "likelihood"):
            value = getattr(version, name)
            axis = "impact" if name == "severity" else "likelihood"
            return f"{value} {version.matrix.step_label(axis, value)}"
        return shown(version, name)

    def extra_rows(self, left: Any, right: Any) -> list[CompareRow]:
        rows = [
            compare_row(
                label, left.human_judgment.get(code, ""), right.human_judgment.get(code, "")
            )
            for code, label in HUMAN_JUDGMENT_CRITERIA.items()
        ]
        left_entries = "\n".join(str(e) for e in left.entries.all())
        right_entries = "\n".join(str(e) for e in right.entries.all())
        rows.append(compare_row(_("Consequences"), left_entries, right_entries))
        return rows
