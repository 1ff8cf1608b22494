"""Pages of clause conformance."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from aims import selectors
from aims.choices import ConformanceStatus
from aims.dashboard import clause_evidence
from aims.filters import ClauseAssessmentFilter
from aims.forms.conformance import ClauseAssessmentForm
from aims.models import ClauseAssessment
from aims.permissions import Policy
from aims.roles import Capability, has_capability
from aims.services.conformance import clause_assessment_update
from aims.views.base import EditPageView, PageView, StepView, filtered


class ConformanceView(PageView):
    """Progress per clause group and every clause's status."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = ClauseAssessment
    selector = staticmethod(selectors.clause_assessments)

    def get(self, request: HttpRequest) -> HttpResponse:
        # ?clause= and ?status= narrow the rows (the dashboard's figures link with them).
        filters, rows, _valid = filtered(ClauseAssessmentFilter, request, self.rows())
        rows = list(rows.prefetch_related("documents"))
        evidence = clause_evidence(request.user, [row.requirement.ref_id for row in rows])
        for row in rows:
            row.live_evidence = evidence.get(row.requirement.ref_id)
        context = {
            "summary": selectors.conformance_summary(user=request.user),
            "rows": rows,
            "filtered": filters.is_bound,
            "statuses": ConformanceStatus.choices,
            "can_edit": has_capability(request.user, Capability.CHANGE_ALL_RECORDS),
        }
        return render(request, "aims/conformance/list.html", context)


class ClauseAssessmentConfirmView(StepView):
    """The clause owner confirms the status the live records suggest: written through the
    service, with its change record. The suggestion is worked out again here; a status that
    is no longer the suggestion is refused (the records changed since the page was shown)."""

    policy = Policy(read=Capability.CHANGE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    model = ClauseAssessment
    selector = staticmethod(selectors.clause_assessments)

    def run(self, obj: ClauseAssessment) -> ClauseAssessment:
        ref = obj.requirement.ref_id
        suggested = (clause_evidence(self.request.user, [ref]).get(ref) or {}).get(
            "suggested_status"
        )
        if suggested is None:
            raise ValidationError(_("The records suggest no status for this clause."))
        if self.request.POST.get("status") != suggested:
            raise ValidationError(
                _("The records changed since the page was shown: look at the suggestion again.")
            )
        message = _("Conformance of %(ref)s confirmed as “%(status)s”.") % {
            "ref": ref,
            "status": ConformanceStatus(suggested).label,
        }
        self.done_message = message  # type: ignore[misc]
        return clause_assessment_update(actor=self.request.user, assessment=obj, status=suggested)

    def redirect_url(self, obj: Any, result: Any) -> str:
        return f"{reverse('conformance')}#clause-{obj.pk}"


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
