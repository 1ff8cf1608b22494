"""Pages of the audits part of the audit app: the programme calendar and a programme's page
(with its workflow), the audits list, the audit workspace (checklist with filters, findings,
sample, team, external auditors' access, impartiality), a checklist row, a finding and a
report revision (with its workflow). Thin: services write, selectors read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from aims.forms.base import form_errors
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.views.approval import ApprovalStepView, approval_context
from aims.views.base import (
    EditPageView,
    ListPageView,
    PageView,
    StepView,
    UnderParentMixin,
    filtered,
)
from audit.choices import AuditStatus
from audit.filters.audits import AuditChecklistFilter, AuditFilter
from audit.forms.audits import (
    AccessForm,
    AuditForm,
    ChecklistRowForm,
    ConfirmForm,
    FindingForm,
    IssueReportForm,
    ProgrammeForm,
)
from audit.models import (
    Audit,
    AuditProgramme,
    AuditReport,
    ChecklistRow,
    Finding,
    ImpartialityDeclaration,
)
from audit.selectors import audits as selectors
from audit.services import audits as services

READ = Policy(read=Capability.VIEW_AUDITS)
RUN = Policy(read=Capability.MANAGE_AUDITS, write=Capability.MANAGE_AUDITS)


# --- Programmes -------------------------------------------------------------------------------
class ProgrammeCalendarView(PageView):
    """Programmes (the version in force, else the newest) with their audits by month."""

    policy = READ
    model = AuditProgramme
    selector = staticmethod(selectors.programme_rows)

    def get(self, request: HttpRequest) -> HttpResponse:
        programmes = selectors.programme_series(self.rows())
        calendars = selectors.programme_calendar(programmes, request.user)
        context = {
            "programmes": [(p, calendars.get(p.pk, [])) for p in programmes],
            "can_run": has_capability(request.user, Capability.MANAGE_AUDITS),
        }
        return render(request, "audit/programme_calendar.html", context)


class ProgrammeDetailView(PageView):
    policy = READ
    model = AuditProgramme
    selector = staticmethod(selectors.programme_rows)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        programme = self.get_object(pk)
        editable = has_capability(request.user, Capability.MANAGE_AUDITS)
        urls = {
            step: reverse(f"audit_programme_{step}", args=[programme.pk])
            for step in ("submit", "approve", "return", "new_version")
        }
        context = {
            "programme": programme,
            "versions": programme.versions(),
            "audits": selectors.audit_list(user=request.user).filter(
                programme__code=programme.code
            ),
            "can_edit": editable and programme.status == "draft",
            "can_plan": editable,
            **approval_context(request, programme, editable=editable, urls=urls),
        }
        return render(request, "audit/programme.html", context)


class ProgrammeEditView(EditPageView):
    policy = RUN
    model = AuditProgramme
    form_class = ProgrammeForm
    template_name = "audit/programme_form.html"
    object_name = "programme"

    def initial(self, obj: AuditProgramme | None) -> dict[str, Any]:
        if obj is None:
            return {}
        return {name: getattr(obj, name) for name in ProgrammeForm.base_fields}

    def save(self, form: ProgrammeForm, obj: AuditProgramme | None) -> AuditProgramme:
        data = dict(form.cleaned_data)
        if obj is None:
            return services.audit_programme_create(
                actor=self.request.user, code=data.pop("code"), title=data.pop("title"), **data
            )
        data.pop("code")
        return services.audit_programme_update(actor=self.request.user, programme=obj, **data)

    def success_url(self, obj: AuditProgramme) -> str:
        return obj.get_absolute_url()


class ProgrammeStepView(ApprovalStepView):
    model = AuditProgramme
    policy = Policy(read=Capability.MANAGE_AUDITS, write=Capability.MANAGE_AUDITS)


class ProgrammeReviewStepView(ApprovalStepView):
    """Approve or return: the officer (the service checks the right to change all records)."""

    model = AuditProgramme
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)


# --- Audits -----------------------------------------------------------------------------------
class AuditListView(ListPageView):
    policy = READ
    model = Audit
    selector = staticmethod(selectors.audit_rows)
    filterset_class = AuditFilter
    template_name = "audit/audits.html"

    def list_rows(self, rows: Any) -> Any:
        return rows.order_by("-period_start", "title", "id")

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        context["can_run"] = has_capability(self.request.user, Capability.MANAGE_AUDITS)
        return context


class AuditWorkspaceView(PageView):
    """One audit: its scope, team, sample, checklist (filtered), findings, external auditors'
    access, impartiality declarations and report revisions."""

    policy = READ
    model = Audit
    selector = staticmethod(selectors.audit_details)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = self.get_object(pk)
        rows_qs = selectors.checklist_rows().filter(audit=audit).order_by("order", "pk")
        filters, rows_qs, _valid = filtered(AuditChecklistFilter, request, rows_qs)
        rows = list(rows_qs)
        summaries = selectors.row_summaries(audit, rows, request.user)
        user = request.user
        runs = has_capability(user, Capability.MANAGE_AUDITS)
        context = {
            "audit": audit,
            "filters": filters,
            "rows": [(row, summaries[row.pk]) for row in rows],
            "findings": selectors.finding_rows().filter(audit=audit).order_by("pk"),
            "declarations": selectors.declaration_rows().filter(audit=audit),
            "accesses": selectors.access_rows().filter(audit=audit),
            "reports": selectors.report_rows().filter(audit=audit).order_by("-number"),
            "can_run": runs and audit.status in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS),
            "can_export": has_capability(user, Capability.EXPORT),
            "is_lead": getattr(user, "pk", None) == audit.owner_id,
            "can_name_auditors": has_capability(user, Capability.CHANGE_ALL_RECORDS)
            or getattr(user, "pk", None) == audit.owner_id,
            "confirm_form": ConfirmForm(),
            "access_form": AccessForm(),
            "issue_form": IssueReportForm(),
        }
        return render(request, "audit/audit.html", context)


class AuditEditView(EditPageView):
    policy = RUN
    model = Audit
    form_class = AuditForm
    template_name = "audit/audit_form.html"
    object_name = "audit"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> Any:
        return AuditForm(data, initial=self.initial(obj), user=self.request.user)

    def initial(self, obj: Audit | None) -> dict[str, Any]:
        if obj is None:
            return {"owner": self.request.user.pk}
        values = {name: getattr(obj, name) for name in AuditForm.base_fields}
        for name in ("team", "ai_systems", "requirements"):
            values[name] = list(getattr(obj, name).values_list("pk", flat=True))
        return values

    def save(self, form: AuditForm, obj: Audit | None) -> Audit:
        data = dict(form.cleaned_data)
        if obj is None:
            return services.audit_create(
                actor=self.request.user,
                programme=self.programme,  # type: ignore[attr-defined]
                title=data.pop("title"),
                **data,
            )
        return services.audit_update(actor=self.request.user, audit=obj, **data)

    def success_url(self, obj: Audit) -> str:
        return obj.get_absolute_url()


class AuditCreateView(UnderParentMixin, AuditEditView):
    """Plan an audit in a programme (the programme's id in the URL)."""

    model = AuditProgramme
    parent_attr = "programme"


class AuditStartView(StepView):
    policy = RUN
    model = Audit
    done_message = _("Fieldwork started: the checklist is ready.")

    def run(self, obj: Audit) -> Any:
        return services.audit_start(actor=self.request.user, audit=obj)


class AuditCloseView(StepView):
    policy = RUN
    model = Audit

    def run(self, obj: Audit) -> Any:
        return services.audit_close(actor=self.request.user, audit=obj)


class AuditIssueReportView(StepView):
    policy = RUN
    model = Audit
    done_message = _("The report revision was submitted for issue.")

    def run(self, obj: Audit) -> Any:
        form = IssueReportForm(self.request.POST)
        form.is_valid()
        return services.audit_report_issue(actor=self.request.user, audit=obj, **form.cleaned_data)


class AuditAccessView(StepView):
    """Name an external auditor with an access window (the officer or the lead auditor)."""

    policy = Policy(read=Capability.SEE_ALL_RECORDS, write=Capability.SEE_ALL_RECORDS)
    model = Audit
    done_message = _("The external auditor was named on the audit.")

    def run(self, obj: Audit) -> Any:
        form = AccessForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                [str(e) for errors in form.errors.values() for e in errors]
                or [_("Check the form.")]
            )
        return services.auditor_access_grant(
            actor=self.request.user, audit=obj, **form.cleaned_data
        )

    def redirect_url(self, obj: Any, result: Any) -> str:
        return obj.get_absolute_url()


class ImpartialityConfirmView(StepView):
    """The lead auditor confirms a declaration with a reason."""

    policy = RUN
    model = ImpartialityDeclaration
    done_message = _("Impartiality confirmed.")

    def run(self, obj: ImpartialityDeclaration) -> Any:
        return services.impartiality_confirm(
            actor=self.request.user,
            declaration=obj,
            reason=self.request.POST.get("reason", ""),
        )

    def redirect_url(self, obj: Any, result: Any) -> str:
        return obj.audit.get_absolute_url()


# --- Checklist rows and findings --------------------------------------------------------------
class ChecklistRowView(PageView):
    """A checklist row with the live records it is about; internal auditors record the
    notes, sample and result during fieldwork."""

    policy = Policy(read=Capability.VIEW_AUDITS, write=Capability.MANAGE_AUDITS)
    model = ChecklistRow
    selector = staticmethod(selectors.checklist_rows)

    def page(self, row: ChecklistRow, form: Any, status: int = 200) -> HttpResponse:
        records = selectors.row_records(
            row,
            self.request.user,
            cursor=self.request.GET.get("cursor"),
            page=self.request.GET.get("page"),
        )
        context = {
            "row": row,
            "records": records,
            "form": form,
            "findings": selectors.finding_rows().filter(checklist_row=row),
            "can_run": has_capability(self.request.user, Capability.MANAGE_AUDITS)
            and row.audit.status == AuditStatus.IN_PROGRESS,
        }
        return render(self.request, "audit/audit_checklist_row.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.get_object(pk)
        form = ChecklistRowForm(
            initial={"result": row.result, "sample": row.sample, "notes": row.notes}
        )
        return self.page(row, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.get_object(pk)
        form = ChecklistRowForm(request.POST)
        if form.is_valid():
            try:
                services.checklist_row_update(actor=request.user, row=row, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("The checklist row was saved."))
                return redirect(row.get_absolute_url())
        return self.page(row, form, status=400)


class FindingDetailView(PageView):
    policy = READ
    model = Finding
    selector = staticmethod(selectors.finding_rows)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        finding = self.get_object(pk)
        return render(request, "audit/audit_finding.html", {"finding": finding})


class FindingEditView(EditPageView):
    """Record a finding of an audit (``audit`` in the URL) or change one (``pk``)."""

    policy = RUN
    model = Finding
    form_class = FindingForm
    template_name = "audit/audit_finding_form.html"
    object_name = "finding"

    def audit(self, obj: Finding | None) -> Audit:
        if obj is not None:
            return obj.audit
        return self.audit_obj  # type: ignore[attr-defined, no-any-return]

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> Any:
        return FindingForm(
            data, initial=self.initial(obj), audit=self.audit(obj), user=self.request.user
        )

    def initial(self, obj: Finding | None) -> dict[str, Any]:
        if obj is None:
            return {"requirement": self.request.GET.get("requirement")}
        return {
            "requirement": obj.requirement_id,
            "kind": obj.kind,
            "title": obj.title,
            "description": obj.description,
            "evidence_versions": list(obj.evidence_versions.values_list("pk", flat=True)),
            "evidence_notes": obj.evidence_notes,
        }

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"form": form, "finding": obj, "audit": self.audit(obj)}

    def save(self, form: FindingForm, obj: Finding | None) -> Finding:
        data = dict(form.cleaned_data)
        if obj is None:
            return services.finding_create(
                actor=self.request.user,
                audit=self.audit(None),
                requirement=data.pop("requirement"),
                kind=data.pop("kind"),
                title=data.pop("title"),
                description=data.pop("description"),
                evidence_versions=data.pop("evidence_versions"),
                **data,
            )
        return services.finding_update(actor=self.request.user, finding=obj, **data)

    def success_url(self, obj: Finding) -> str:
        return obj.get_absolute_url()


class FindingCreateView(UnderParentMixin, FindingEditView):
    """Record a finding of the audit whose id is in the URL."""

    model = Audit
    parent_attr = "audit_obj"


# --- Reports ----------------------------------------------------------------------------------
class ReportDetailView(PageView):
    policy = READ
    model = AuditReport
    selector = staticmethod(selectors.report_rows)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.get_object(pk)
        runs = has_capability(request.user, Capability.MANAGE_AUDITS)
        urls = {
            step: reverse(f"audit_report_{step}", args=[report.pk])
            for step in ("submit", "approve", "return")
        }
        context = {
            "report": report,
            "content": report.content,
            "versions": report.versions(),
            "can_correct": runs and report.status == "approved",
            "export_parameters": [("report", str(report.pk))],
            **approval_context(request, report, editable=runs, urls=urls),
        }
        return render(request, "audit/audit_report.html", context)


class ReportStepView(ApprovalStepView):
    model = AuditReport
    policy = RUN

    def run(self, obj: AuditReport) -> Any:
        if self.step == "approve":
            self.done_message = _("The report is issued.")
            return services.audit_report_approve(actor=self.request.user, report=obj)
        return super().run(obj)


class ReportNewVersionView(StepView):
    """A correction of an issued report: a new draft revision with its reason."""

    policy = RUN
    model = AuditReport
    done_message = _("A correction was started.")

    def run(self, obj: AuditReport) -> Any:
        return services.audit_report_new_version(
            actor=self.request.user,
            report=obj,
            revision_reason=self.request.POST.get("revision_reason", ""),
        )


def _step(view: type[ApprovalStepView], step: str) -> Any:
    return type(f"{view.__name__}_{step}", (view,), {"step": step}).as_view()


urlpatterns = [
    path("audit-programmes/", ProgrammeCalendarView.as_view(), name="audit_programmes"),
    path("audit-programmes/new/", ProgrammeEditView.as_view(), name="audit_programme_create"),
    path("audit-programmes/<int:pk>/", ProgrammeDetailView.as_view(), name="audit_programme"),
    path(
        "audit-programmes/<int:pk>/edit/",
        ProgrammeEditView.as_view(),
        name="audit_programme_edit",
    ),
    path(
        "audit-programmes/<int:pk>/submit/",
        _step(ProgrammeStepView, "submit"),
        name="audit_programme_submit",
    ),
    path(
        "audit-programmes/<int:pk>/approve/",
        _step(ProgrammeReviewStepView, "approve"),
        name="audit_programme_approve",
    ),
    path(
        "audit-programmes/<int:pk>/return/",
        _step(ProgrammeReviewStepView, "return"),
        name="audit_programme_return",
    ),
    path(
        "audit-programmes/<int:pk>/new-version/",
        _step(ProgrammeStepView, "new_version"),
        name="audit_programme_new_version",
    ),
    path(
        "audit-programmes/<int:pk>/audits/new/",
        AuditCreateView.as_view(),
        name="audit_create",
    ),
    path("audits/", AuditListView.as_view(), name="audits"),
    path("audits/<int:pk>/", AuditWorkspaceView.as_view(), name="audit"),
    path("audits/<int:pk>/edit/", AuditEditView.as_view(), name="audit_edit"),
    path("audits/<int:pk>/start/", AuditStartView.as_view(), name="audit_start"),
    path("audits/<int:pk>/close/", AuditCloseView.as_view(), name="audit_close"),
    path(
        "audits/<int:pk>/issue-report/",
        AuditIssueReportView.as_view(),
        name="audit_issue_report",
    ),
    path("audits/<int:pk>/access/", AuditAccessView.as_view(), name="audit_access"),
    path(
        "audits/impartiality/<int:pk>/confirm/",
        ImpartialityConfirmView.as_view(),
        name="audit_impartiality_confirm",
    ),
    path(
        "audits/<int:pk>/findings/new/",
        FindingCreateView.as_view(),
        name="audit_finding_create",
    ),
    path("audits/checklist/<int:pk>/", ChecklistRowView.as_view(), name="audit_checklist_row"),
    path("findings/<int:pk>/", FindingDetailView.as_view(), name="audit_finding"),
    path("findings/<int:pk>/edit/", FindingEditView.as_view(), name="audit_finding_edit"),
    path("audits/reports/<int:pk>/", ReportDetailView.as_view(), name="audit_report"),
    path(
        "audits/reports/<int:pk>/submit/",
        _step(ReportStepView, "submit"),
        name="audit_report_submit",
    ),
    path(
        "audits/reports/<int:pk>/approve/",
        _step(ReportStepView, "approve"),
        name="audit_report_approve",
    ),
    path(
        "audits/reports/<int:pk>/return/",
        _step(ReportStepView, "return"),
        name="audit_report_return",
    ),
    path(
        "audits/reports/<int:pk>/new-version/",
        ReportNewVersionView.as_view(),
        name="audit_report_new_version",
    ),
]
