"""Pages of report jobs: request one, watch it render (htmx polling), download the file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aims import selectors
from aims.api.reports import report_file_response, request_parameters
from aims.choices import Language, ReportFormat
from aims.models import ReportJob
from aims.permissions import Policy
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.services.reports import report_job_create, report_job_retry
from aims.views.base import PageView, paginate, safe_next

_REQUEST_FIELDS = {"csrfmiddlewaretoken", "kind", "format", "language", "next", "report"}


class ReportListView(PageView):
    """The user's report jobs (and shared ones), and the form that requests a new one. Other
    pages (the inventory, later the registers) post here with their filters."""

    policy = Policy(read=Capability.EXPORT, write=Capability.EXPORT)
    model = ReportJob
    selector = staticmethod(selectors.report_jobs)

    def get(self, request: HttpRequest) -> HttpResponse:
        kinds = [
            k for k in registry.all_report_kinds() if has_capability(request.user, k.capability)
        ]
        page = paginate(request, self.rows())
        labels = {kind.code: kind.label for kind in registry.all_report_kinds()}
        for job in page:
            job.kind_label = labels.get(job.kind, job.kind)
        format_labels = dict(ReportFormat.choices)
        context = {
            "page": page,
            # Each kind with only the formats it has, as (code, label).
            "kinds": [(k, [(f, format_labels.get(f, f)) for f in k.formats]) for k in kinds],
            "languages": Language.choices,
        }
        return render(request, "aims/reports/list.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        # The reports page offers one button per format a kind has: ``report=<kind>:<format>``;
        # the list pages' export forms post ``kind`` and ``format``.
        kind, format = request.POST.get("kind", ""), request.POST.get("format", "")
        if "report" in request.POST:
            kind, _sep, format = request.POST["report"].partition(":")
        try:
            job = report_job_create(
                actor=request.user,
                kind=kind,
                format=format,
                language=request.POST.get("language") or (get_language() or "ja")[:2],
                parameters=request_parameters(request.POST, _REQUEST_FIELDS),
            )
        except ValidationError as error:
            labels = {"kind": _("Report"), "format": _("Format"), "language": _("Language")}
            for field, problems in error.message_dict.items():
                label = labels.get(field) or _("Filter “%(name)s”") % {"name": field}
                for problem in problems:
                    messages.error(request, f"{label}: {problem}")
            return redirect(safe_next(request, request.META.get("HTTP_REFERER") or "/reports/"))
        return redirect("report", pk=job.pk)


class ReportDetailView(PageView):
    """A job's status. While it renders, the status block asks again every two seconds
    (htmx); without JavaScript, the page offers a reload link."""

    policy = Policy(read=Capability.EXPORT)
    model = ReportJob
    selector = staticmethod(selectors.report_jobs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object(pk)
        kind = registry.report_kind(job.kind)
        context = {
            "job": job,
            "kind_label": kind.label if kind else job.kind,
            "filters": kind.describe(job.parameters) if kind and kind.describe else None,
        }
        if request.headers.get("HX-Request"):
            return render(request, "aims/reports/_status.html", context)
        return render(request, "aims/reports/detail.html", context)


class ReportRetryView(PageView):
    """Request a failed (or expired) report again: a new job with the same request, checked
    as any new request is."""

    policy = Policy(read=Capability.EXPORT, write=Capability.EXPORT)
    model = ReportJob
    selector = staticmethod(selectors.report_jobs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object(pk)
        try:
            new = report_job_retry(actor=request.user, job=job)
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
            return redirect("report", pk=job.pk)
        return redirect("report", pk=new.pk)


class ReportDownloadView(PageView):
    policy = Policy(read=Capability.EXPORT)
    model = ReportJob
    selector = staticmethod(selectors.report_jobs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object(pk)
        return report_file_response(job)
