"""Pages of clause conformance."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from aims import selectors, services
from aims.models import ClauseAssessment
from aims.permissions import Policy, PolicyViewMixin
from aims.roles import Capability, has_capability


class ClauseAssessmentForm(forms.ModelForm):
    class Meta:
        model = ClauseAssessment
        fields = ["status", "owner", "notes", "not_applicable_reason", "documents"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            "not_applicable_reason": forms.Textarea(attrs={"rows": 2}),
            "documents": forms.CheckboxSelectMultiple,
        }


class ConformanceView(PolicyViewMixin, View):
    """Progress per clause group and every clause's status."""

    policy = Policy(read=Capability.SEE_RECORDS)

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "summary": selectors.conformance_summary(user=request.user),
            "rows": selectors.clause_assessment_list(user=request.user)
            .select_related("owner")
            .prefetch_related("documents"),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/conformance/list.html", context)


class ClauseAssessmentEditView(PolicyViewMixin, View):
    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    template_name = "aims/conformance/form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = get_object_or_404(selectors.clause_assessment_list(user=request.user), pk=pk)
        form = ClauseAssessmentForm(instance=row)
        return render(request, self.template_name, {"form": form, "row": row})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = get_object_or_404(selectors.clause_assessment_list(user=request.user), pk=pk)
        # Validate on a copy: the service takes its "before" snapshot from the untouched row.
        scratch = ClauseAssessment(pk=row.pk, requirement=row.requirement)
        form = ClauseAssessmentForm(request.POST, instance=scratch)
        if form.is_valid():
            try:
                services.clause_assessment_update(
                    actor=request.user, assessment=row, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Conformance of %(ref)s saved.") % {"ref": row.requirement.ref_id}
                )
                return redirect("conformance")
        return render(request, self.template_name, {"form": form, "row": row}, status=400)
