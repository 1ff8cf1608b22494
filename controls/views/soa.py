"""Pages of the Statement of Applicability: the working version (``/soa/``), any version,
a row (read, and edit while a draft), adding a control of another source, waiving a check,
the workflow steps, and two versions compared row by row."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aims.choices import ApprovalStatus
from aims.models import Requirement
from aims.people import person_name
from aims.permissions import Policy
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, permitted
from aims.services.approval import approval_editable
from aims.views.approval import ApprovalStepView, approval_context
from aims.views.base import EditPageView, PageView, query_parameters
from controls.choices import ImplementationStatus, JustificationType
from controls.filters.soa import SoaFilters
from controls.forms.soa import SoaRowAddForm, SoaRowForm, UnwaiveForm, WaiveForm
from controls.models import ApplicabilityStatement, SoaCheckWaiver, StatementOfApplicability
from controls.selectors import soa as selectors
from controls.services import soa as services

READ = Policy(read=Capability.SEE_RECORDS)
MANAGE = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
ANNEX_A_PREFIX = "A."


def _is_annex_a(shot: dict[str, Any]) -> bool:
    requirement = shot["requirement"]
    return requirement["framework"] == selectors.ANNEX_A_CONTROLS["framework__urn"] and requirement[
        "ref_id"
    ].startswith(ANNEX_A_PREFIX)


def _page(url_name: str, pk: Any) -> str:
    """The page of a linked record (controls and evidence have theirs in other parts of the
    app; "" while a part is not installed)."""
    try:
        return reverse(url_name, args=[pk])
    except NoReverseMatch:
        return ""


def display(shot: dict[str, Any]) -> dict[str, Any]:
    """What a reader sees of a row snapshot in their language: names and choice labels."""
    ja = (get_language() or "ja").startswith("ja")
    requirement = shot["requirement"]
    applicable = shot["applicable"]
    return {
        "name": requirement["name_ja" if ja else "name_en"] or requirement["name_en"],
        "group_name": requirement["group_name_ja" if ja else "group_name_en"],
        "applicable": _("Applicable")
        if applicable is True
        else _("Not applicable")
        if applicable is False
        else _("Not decided"),
        "justification_type": dict(JustificationType.choices).get(shot["justification_type"], ""),
        "implementation_status": dict(ImplementationStatus.choices).get(
            shot["implementation_status"], ""
        ),
        "controls": [
            {**control, "page": _page("control", control["id"])} for control in shot["controls"]
        ],
        "evidence": [
            {**evidence, "page": _page("evidence", evidence["id"])} for evidence in shot["evidence"]
        ],
    }


def _group_names() -> dict[str, str]:
    """The names of Annex A's groups (A.2 … A.10) in the reader's language, one query."""
    headings = Requirement.objects.filter(
        framework__urn=selectors.ANNEX_A_CONTROLS["framework__urn"],
        ref_id__regex=r"^A\.[0-9]+$",
    )
    return {h.ref_id: h.name for h in headings}


def _groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Annex A rows by their group (A.2 … A.10, in the library's order), then the added rows."""
    groups: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    by_ref: dict[str, dict[str, Any]] = {}
    names = _group_names() if items else {}
    for item in items:
        shot = item["shot"]
        if not _is_annex_a(shot):
            added.append(item)
            continue
        ref = ".".join(shot["requirement"]["ref_id"].split(".")[:2])  # A.6.2.4 → A.6
        group = by_ref.get(ref)
        if group is None:
            group = {"ref": ref, "name": names.get(ref, ""), "items": []}
            by_ref[ref] = group
            groups.append(group)
        group["items"].append(item)
    if added:
        groups.append({"ref": "", "added": True, "items": added})
    return groups


def version_context(request: HttpRequest, version: StatementOfApplicability) -> dict[str, Any]:
    """Everything the SoA page shows for ``version``, in a number of queries that does not
    grow with its rows."""
    user = request.user
    rows = list(selectors.soa_rows(version, user))
    # The records relying on the rows, read once for the snapshots and the checks.
    relied = (
        None
        if version.is_frozen
        else selectors.requirement_reliances([row.requirement_id for row in rows], user)
    )
    shots = selectors.row_snapshots(version, rows, user, relied)
    checks = services.checks_of_rows(version, rows, user, relied)
    by_requirement: dict[int, list[Any]] = {}
    for check in checks:
        by_requirement.setdefault(check.requirement_id, []).append(check)
    items = [
        {
            "row": row,
            "shot": shot,
            "shown": display(shot),
            "checks": by_requirement.get(row.requirement_id, []),
        }
        for row, shot in zip(rows, shots, strict=True)
    ]
    owners = sorted(
        {(row.owner_id, person_name(row.owner)) for row in rows if row.owner_id is not None},
        key=lambda o: o[1],
    )
    filters = SoaFilters(request.GET, owners)
    shown = [item for item in items if filters.keep(item)]
    row_of = {row.requirement_id: row for row in rows}
    editable = permitted(user, CHANGE, version)
    draft = version.status == ApprovalStatus.DRAFT
    urls = {
        step: reverse(f"soa_{step}", args=[version.pk])
        for step in ("submit", "approve", "return", "new_version")
    }
    kinds = [kind for kind in registry.all_report_kinds() if kind.code.startswith("soa")]
    return {
        "soa": version,
        "groups": _groups(shown),
        "rows": shown,
        "shown_count": len(shown),
        "row_count": len(rows),
        "applicable_count": sum(1 for s in shots if s["applicable"] is True),
        "excluded_count": sum(1 for s in shots if s["applicable"] is False),
        "checks": [(check, row_of.get(check.requirement_id)) for check in checks],
        "failing_count": sum(1 for c in checks if not c.waived),
        "filters": filters,
        "clear_url": request.path,
        "export_parameters": query_parameters(request, filters.valid),
        "can_edit": editable and draft,
        "waive_form": WaiveForm(),
        "versions": list(version.versions().select_related("approved_by")),
        "report_kinds": kinds if has_capability(user, Capability.EXPORT) else [],
        **approval_context(request, version, editable=editable, urls=urls),
    }


class SoaView(PageView):
    """The working version: the draft or the version in review if any, else the approved
    one."""

    policy = READ

    def get(self, request: HttpRequest) -> HttpResponse:
        version = selectors.soa_working(request.user)
        if version is None:
            return render(request, "controls/soa.html", {"soa": None, "rows": []})
        return render(request, "controls/soa.html", version_context(request, version))


class SoaVersionView(PageView):
    policy = READ
    model = StatementOfApplicability
    selector = staticmethod(selectors.soa_versions)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        return render(request, "controls/soa.html", version_context(request, version))


class SoaRowView(EditPageView):
    """A row: what it shows (frozen or live) and, while its version is a draft, its form;
    ``remove`` takes an added row out of the draft."""

    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = ApplicabilityStatement
    template_name = "controls/soa_row.html"
    object_name = "row"

    def base_queryset(self) -> Any:
        return ApplicabilityStatement.objects.select_related(
            "soa", "requirement__parent", "requirement__framework", "owner"
        )

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> SoaRowForm:
        initial = SoaRowForm.initial_for(obj) if data is None else None
        return SoaRowForm(data, initial=initial, user=self.request.user, row=obj)

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        user = self.request.user
        version = obj.soa
        rows = list(selectors.soa_rows(version, user).filter(pk=obj.pk))
        shot = selectors.row_snapshots(version, rows, user)[0]
        checks = services.checks_of_rows(version, rows, user)
        editable = version.status == ApprovalStatus.DRAFT and permitted(user, CHANGE, obj)
        return {
            "row": obj,
            "soa": version,
            "shot": shot,
            "shown": display(shot),
            "checks": checks,
            "form": form if editable else None,
            "can_remove": editable and not _is_annex_a(shot),
            "waivers": list(
                SoaCheckWaiver.objects.filter(soa=version, requirement=obj.requirement)
            ),
        }

    def save(self, form: SoaRowForm, obj: Any) -> Any:
        return services.soa_row_update(actor=self.request.user, row=obj, **form.data_for_service())

    def get_success_message(self, obj: Any) -> str:
        return _("The row %(ref)s was saved.") % {"ref": obj.requirement.ref_id}

    def success_url(self, obj: Any) -> str:
        return reverse("soa_version", args=[obj.soa_id])

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        row = self.get_object(pk)
        try:
            approval_editable(row.soa)  # no form is offered: say why, change nothing
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("soa_row", pk=row.pk)
        if not request.POST.get("remove"):
            return super().post(request, pk, **kwargs)
        try:
            services.soa_row_remove(actor=request.user, row=row)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("soa_row", pk=row.pk)
        messages.success(request, _("The row was removed."))
        return redirect("soa_version", pk=row.soa_id)


class SoaRowCreateView(EditPageView):
    """Add a control of another source (another framework's requirement) to a draft."""

    policy = MANAGE
    model = StatementOfApplicability
    selector = staticmethod(selectors.soa_versions)
    template_name = "controls/soa_row_form.html"

    def version(self) -> StatementOfApplicability:
        return self.get_object(self.kwargs["pk"])

    def get_object_or_none(self, pk: Any) -> Any:
        return None  # the form makes a row; ``pk`` names its version

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> SoaRowAddForm:
        return SoaRowAddForm(data, user=self.request.user, soa=self.version())

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"form": form, "soa": self.version()}

    def save(self, form: SoaRowAddForm, obj: Any) -> Any:
        data = form.data_for_service()
        requirement = data.pop("requirement")
        return services.soa_row_add(
            actor=self.request.user, soa=self.version(), requirement=requirement, **data
        )

    def get_success_message(self, obj: Any) -> str:
        return _("The control %(ref)s was added.") % {"ref": obj.requirement.ref_id}

    def success_url(self, obj: Any) -> str:
        return reverse("soa_version", args=[obj.soa_id])


class SoaWaiveView(PageView):
    """Waive a check of a row with a reason (``soa_waive``) or withdraw a waiver
    (``soa_unwaive``); either way back to the version's page."""

    policy = MANAGE
    model = StatementOfApplicability
    selector = staticmethod(selectors.soa_versions)
    http_method_names = ["post"]
    unwaive = False

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        form = (UnwaiveForm if self.unwaive else WaiveForm)(request.POST)
        back = redirect("soa_version", pk=version.pk)
        if not form.is_valid():
            for problems in form.errors.values():
                for problem in problems:
                    messages.error(request, problem)
            return back
        data = form.cleaned_data
        requirement = Requirement.objects.filter(pk=data["requirement"]).first()
        try:
            if self.unwaive:
                waiver = SoaCheckWaiver.objects.filter(
                    soa=version, requirement=requirement, check_code=data["check_code"]
                ).first()
                if waiver is None:
                    raise ValidationError(_("This check is not waived."))
                services.soa_check_unwaive(actor=request.user, waiver=waiver)
            else:
                if requirement is None:
                    raise ValidationError(_("This control has no row in this version."))
                services.soa_check_waive(
                    actor=request.user,
                    soa=version,
                    requirement=requirement,
                    check_code=data["check_code"],
                    reason=data["reason"],
                )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
            return back
        messages.success(
            request, _("The waiver was withdrawn.") if self.unwaive else _("The check was waived.")
        )
        return back


class SoaUnwaiveView(SoaWaiveView):
    unwaive = True


class SoaStepView(ApprovalStepView):
    model = StatementOfApplicability
    selector = staticmethod(selectors.soa_versions)


class SoaSubmitView(SoaStepView):
    policy = MANAGE
    step = "submit"


class SoaNewVersionView(SoaStepView):
    policy = MANAGE
    step = "new_version"


class SoaApproveView(SoaStepView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "approve"


class SoaReturnView(SoaStepView):
    policy = Policy(read=Capability.APPROVE, write=Capability.APPROVE)
    step = "return"


class SoaCompareView(PageView):
    """Two versions row by row: the rows added, removed and changed (by the control's URN),
    each changed row with the fields that differ."""

    policy = READ
    model = StatementOfApplicability
    selector = staticmethod(selectors.soa_versions)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        versions = list(self.rows().order_by("number"))
        other = next((v for v in versions if str(v.pk) == request.GET.get("with", "")), None)
        if other is None:
            earlier = [v for v in versions if v.number < version.number]
            other = earlier[-1] if earlier else version
        left, right = sorted([other, version], key=lambda v: v.number)
        user = request.user
        changes = selectors.soa_compare(
            selectors.soa_row_snapshots(left, user), selectors.soa_row_snapshots(right, user)
        )
        context = {
            "soa": version,
            "left": left,
            "right": right,
            "versions": versions,
            "changes": [
                {
                    "change": change,
                    "left": display(change.left) if change.left else None,
                    "right": display(change.right) if change.right else None,
                }
                for change in changes
            ],
        }
        return render(request, "controls/soa_compare.html", context)


urlpatterns = [
    path("soa/", SoaView.as_view(), name="soa"),
    path("soa/<int:pk>/", SoaVersionView.as_view(), name="soa_version"),
    path("soa/<int:pk>/compare/", SoaCompareView.as_view(), name="soa_compare"),
    path("soa/<int:pk>/rows/new/", SoaRowCreateView.as_view(), name="soa_row_create"),
    path("soa/<int:pk>/waive/", SoaWaiveView.as_view(), name="soa_waive"),
    path("soa/<int:pk>/unwaive/", SoaUnwaiveView.as_view(), name="soa_unwaive"),
    path("soa/<int:pk>/submit/", SoaSubmitView.as_view(), name="soa_submit"),
    path("soa/<int:pk>/approve/", SoaApproveView.as_view(), name="soa_approve"),
    path("soa/<int:pk>/return/", SoaReturnView.as_view(), name="soa_return"),
    path("soa/<int:pk>/new-version/", SoaNewVersionView.as_view(), name="soa_new_version"),
    path("soa/rows/<int:pk>/", SoaRowView.as_view(), name="soa_row"),
]
