"""The approval workflow's pages, the same for every approvable record: the buttons a record's
page shows (``approval_context`` and ``partials/approval_*.html``), one view per step, and two
versions side by side."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from aims.choices import ApprovalStatus
from aims.forms.approval import ReturnForm
from aims.models.approval import Approvable
from aims.roles import has_capability
from aims.services.approval import (
    CompareRow,
    approval_approve,
    approval_compare,
    approval_new_version,
    approval_return,
    approval_submit,
    can_review,
    review_bar,
    shown,
)
from aims.views.base import PageView, StepView

STEPS = {
    "submit": (approval_submit, _("Submitted for review.")),
    "approve": (approval_approve, _("Approved.")),
    "return": (approval_return, _("Returned to the author.")),
    "new_version": (approval_new_version, _("A new version was started.")),
}


def approval_context(
    request: HttpRequest, version: Approvable, *, editable: bool, urls: dict[str, str]
) -> dict[str, Any]:
    """What the workflow partials show ``request.user`` for ``version``: the steps they may
    take now (``urls`` names each step's address; a step without one is not offered) and the
    reviewer's return form."""
    user = request.user
    in_review = version.status == ApprovalStatus.IN_REVIEW
    approver = has_capability(user, version.APPROVAL_CAPABILITY)
    newest = version.versions().order_by("-number").only("pk").first() or version
    return {
        "approval": version,
        "approval_urls": urls,
        "can_submit": editable and version.status == ApprovalStatus.DRAFT and "submit" in urls,
        "can_review": can_review(user, version),
        # Why an approver may not review this version (its author, or they changed it).
        "review_bar": review_bar(user, version) if approver and in_review else None,
        "can_start_version": editable
        and version.status == ApprovalStatus.APPROVED
        and newest.pk == version.pk
        and "new_version" in urls,
        "return_form": ReturnForm(),
    }


class ApprovalStepView(StepView):
    """One workflow step (``step``: submit, approve, return or new_version) on one record.
    ``approval_target(obj)`` is the version it acts on (the record itself by default)."""

    step: ClassVar[str]

    def approval_target(self, obj: Any) -> Approvable:
        return obj

    def invalid_return(self, obj: Any, form: ReturnForm) -> HttpResponse:
        """A return without a comment: say so on the record's page."""
        messages.error(self.request, " ".join(str(e) for e in form.errors.get("comment", [])))
        return redirect(self.redirect_url(obj, None))

    def post(self, request: HttpRequest, pk: Any, **kwargs: Any) -> HttpResponse:
        if self.step == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                return self.invalid_return(self.get_object(pk), form)
            self.comment = form.cleaned_data["comment"]
        return super().post(request, pk, **kwargs)

    def run(self, obj: Any) -> Any:
        service, self.done_message = STEPS[self.step]
        extra = {"comment": self.comment} if self.step == "return" else {}
        return service(actor=self.request.user, version=self.approval_target(obj), **extra)

    def redirect_url(self, obj: Any, result: Any) -> str:
        target = result if isinstance(result, type(obj)) else obj
        return target.get_absolute_url()


class ApprovalCompareView(PageView):
    """Two versions of a record side by side, changed fields marked: the record of the URL
    and ``?with=`` another version of it (by default the one before)."""

    template_name = "partials/compare_page.html"

    def show(self, version: Any, name: str) -> str:
        return shown(version, name)

    def extra_rows(self, left: Any, right: Any) -> list[CompareRow]:
        return []

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self.get_object(pk)
        versions = list(version.versions())
        other = next((v for v in versions if str(v.pk) == request.GET.get("with", "")), None)
        if other is None:
            earlier = [v for v in versions if v.number < version.number]
            other = earlier[-1] if earlier else version
        left, right = sorted([other, version], key=lambda v: v.number)
        rows = approval_compare(left, right, show=self.show, extra=self.extra_rows)
        context = {
            "record": version,
            "back_url": version.get_absolute_url(),
            "left": left,
            "right": right,
            "rows": rows,
            "versions": versions,
        }
        return render(request, self.template_name, context)
