"""Pages of clause conformance."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from aims import selectors
from aims.forms.conformance import ClauseAssessmentForm
from aims.models import ClauseAssessment
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.services.conformance import clause_assessment_update
from aims.views.base import EditPageView, PageView


class ConformanceView(PageView):
    """Progress per clause group and every clause's status."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = ClauseAssessment
    selector = staticmethod(selectors.clause_assessments)

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "summary": selectors.conformance_summary(user=request.user),
            "rows": self.rows().prefetch_related("documents"),
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/conformance/list.html", context)


class ClauseAssessmentEditView(EditPageView):
    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = ClauseAssessment
    selector = staticmethod(selectors.clause_assessments)
    template_name = "aims/conformance/form.html"
    object_name = "row"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> ClauseAssessmentForm:
        if data is None:
            return ClauseAssessmentForm(instance=obj)
        # Validate on a copy: the service takes its "before" snapshot from the untouched row.
        scratch = ClauseAssessment(pk=obj.pk, requirement=obj.requirement)
        return ClauseAssessmentForm(data, instance=scratch)

    def save(self, form: ClauseAssessmentForm, obj: ClauseAssessment) -> ClauseAssessment:
        clause_assessment_update(actor=self.request.user, assessment=obj, **form.cleaned_data)
        return obj

    def get_success_message(self, obj: ClauseAssessment) -> str:
        return _("Conformance of %(ref)s saved.") % {"ref": obj.requirement.ref_id}

    def success_url(self, obj: ClauseAssessment) -> str:
        return reverse("conformance")
