"""The internal audit report (9.2.2 f), DESIGN §9) as PDF, in Japanese or English: cover,
scope, criteria, team, method, sample, findings by requirement, conclusions. Rendered from a
report revision's frozen ``content`` (never from the audit as it stands now), so an issued
report reads the same whenever it is rendered again."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.models import ReportJob
from aims.people import person_name
from aims.reports import ReportKind
from aims.reports.pdf import render_pdf, report_context
from aims.scope import restrict
from audit.choices import ChecklistResult, FindingKind
from audit.models import AuditReport


def clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """``report``: the id of a report revision the requester may see."""
    unknown = sorted(set(raw) - {"report"})
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
    value = raw.get("report")
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ""
    text = "" if value is None else str(value)
    report = None
    if text.isdigit() and len(text) < 19:
        report = restrict(AuditReport.objects.filter(pk=int(text)), user).first()
    if report is None:
        raise ValidationError({"report": [_("Choose an audit report you may see.")]})
    return {"report": report.pk}


def describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    report = AuditReport.objects.filter(pk=parameters.get("report")).first()
    return [(_("Audit report"), str(report) if report else "—")]


def _report(job: ReportJob) -> AuditReport:
    rows = restrict(AuditReport.objects.select_related("approved_by", "audit"), job.requested_by)
    report = rows.filter(pk=job.parameters["report"]).first()
    if report is None:  # access was withdrawn after the request
        raise PermissionError("the requester no longer sees this audit report")
    return report


def pdf_context(job: ReportJob) -> dict[str, Any]:
    report = _report(job)
    content = report.content or {}
    kinds = dict(FindingKind.choices)
    results = dict(ChecklistResult.choices)
    requirements = [
        {
            **item,
            "result_label": str(results.get(item.get("result", ""), item.get("result", ""))),
            "findings": [
                {**f, "kind_label": str(kinds.get(f["kind"], f["kind"]))}
                for f in item.get("findings", [])
            ],
        }
        for item in content.get("requirements", [])
    ]
    counts = [
        (str(kinds[code]), content.get("findings_count", {}).get(code, 0))
        for code in FindingKind.values
    ]
    approved = report.approved_at
    approval = (
        f"{person_name(report.approved_by)} ({timezone.localtime(approved):%Y-%m-%d})"
        if report.approved_by and approved
        else ""
    )
    toc = [
        ("scope", _("Scope")),
        ("criteria", _("Criteria and method")),
        ("team", _("Audit team")),
        ("sample", _("Sample")),
        ("findings", _("Findings by requirement")),
        ("conclusions", _("Conclusions")),
    ]
    period = content.get("period", ["", ""])
    fieldwork = content.get("fieldwork", ["", ""])
    return report_context(
        job,
        title=_("Internal audit report"),
        subtitle=_("%(audit)s · revision %(number)s")
        % {"audit": content.get("audit", {}).get("title", ""), "number": report.number},
        approver=approval,
        approval_pending=not approval,
        filters=describe(job.parameters),
        toc=toc,
        report=report,
        content=content,
        facts=[
            (
                _("Audit programme"),
                "{code} {title}".format(**content.get("programme", {}))
                if content.get("programme")
                else "—",
            ),
            (_("Audit period"), f"{period[0]} – {period[1]}"),
            (_("Fieldwork"), f"{fieldwork[0] or '—'} – {fieldwork[1] or '—'}"),
            (_("Revision"), str(report.number)),
            (_("Reason for the revision"), report.revision_reason or "—"),
        ],
        requirements=requirements,
        counts=counts,
    )


def render(job: ReportJob, out: IO[bytes]) -> None:
    render_pdf("audit/audit_report_pdf.html", pdf_context(job), out)


AUDIT_REPORT = ReportKind(
    code="audit_report",
    label=gettext_lazy("Internal audit report"),
    formats=(ReportFormat.PDF,),
    clean=clean,
    render=render,
    describe=describe,
)
