"""The management review pack (PDF, Japanese and English): a cover with the organisation,
the scope, the review's date, version and who signed it off and when; the 9.3.2 inputs as they
were (frozen at sign-off; a draft's read now); the notes on each input; the decisions and
actions (9.3.3).

A signed review's pack is reproducible: everything in it comes from the review as frozen,
the cover carries the sign-off time (not the time of rendering, nor the job's number) and the
PDF's creation date is that time, so rendering it again gives the same bytes, whatever has
changed in the registers since."""

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
from aims.reports.pdf import platform_version, render_pdf
from aims.scope import restrict
from audit.choices import ActionStatus, ReviewInput
from audit.models import ManagementReview


def clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """``review``: the id of a management review the requester may see (required)."""
    unknown = sorted(set(raw) - {"review"})
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
    value = raw.get("review")
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ""
    text = "" if value is None else str(value)
    review = None
    if text.isdigit() and len(text) < 19:
        review = restrict(ManagementReview.objects.filter(pk=int(text)), user).first()
    if review is None:
        raise ValidationError({"review": [_("Choose a management review you can see (its id).")]})
    return {"review": review.pk}


def describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    pk = parameters.get("review")
    review = ManagementReview.objects.filter(pk=pk).first() if pk else None
    return [(_("Management review"), f"{review} v{review.number}" if review else "—")]


def _review(job: ReportJob) -> ManagementReview:
    rows = restrict(ManagementReview.objects.all(), job.requested_by)
    review = (
        rows.select_related("author", "approved_by")
        .prefetch_related("attendees")
        .filter(pk=job.parameters["review"])
        .first()
    )
    if review is None:  # access was withdrawn after the request
        raise PermissionError("the requester no longer sees this management review")
    return review


def _context(job: ReportJob) -> dict[str, Any]:
    from aims.models import Organization
    from audit.review_inputs import review_inputs

    review = _review(job)
    inputs = review_inputs(review)
    notes = review.annotations or {}
    sections = [
        {
            **section,
            "id": f"input-{section['code']}",
            "title": str(ReviewInput(section["code"]).label),
            "note": notes.get(section["code"], ""),
        }
        for section in inputs.get("sections", [])
    ]
    signed = review.is_frozen and review.approved_at is not None
    dated = review.approved_at if signed else timezone.now()
    from audit.services.review import review_record

    frozen = inputs.get("record") if signed else None
    record: dict[str, Any] = frozen if isinstance(frozen, dict) else review_record(review)
    statuses = dict(ActionStatus.choices)
    actions = [
        {**action, "status_label": str(statuses.get(action["status"], action["status"]))}
        for action in record["actions"]
    ]
    toc = [("review", _("About this review"))]
    toc += [(s["id"], s["title"]) for s in sections]
    toc.append(("actions", _("Decisions and actions")))
    return {
        "organization": Organization.objects.order_by("pk").first(),
        "language": job.language,
        "title": _("Management review"),
        "subtitle": f"{review.code} {review.title}",
        "platform_version": platform_version(),
        "review": review,
        "signed": signed,
        "signed_by": person_name(review.approved_by) if signed else "",
        "signed_at": timezone.localtime(review.approved_at) if signed else None,
        "created": timezone.localtime(dated).isoformat(timespec="seconds"),
        "inputs": inputs,
        "sections": sections,
        "attendees": record["attendees"],
        "actions": actions,
        "toc": toc,
        "read_from": _("The inputs as frozen when top management signed the review off.")
        if signed
        else _("The inputs as they stand today (the review is not signed off)."),
    }


def render(job: ReportJob, out: IO[bytes]) -> None:
    render_pdf("audit/review_report.html", _context(job), out)


MANAGEMENT_REVIEW = ReportKind(
    code="management_review",
    label=gettext_lazy("Management review pack"),
    formats=(ReportFormat.PDF,),
    clean=clean,
    render=render,
    describe=describe,
)
