"""The control register: the controls the list page shows for the same filters, as XLSX or
CSV, with headers in the job's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.models import ReportJob
from aims.people import person_name
from aims.reports import ReportKind, clean_filters, describe_filters
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import Sight, restrict, sight
from controls.filters.controls import ControlPageFilter
from controls.models import Control, ControlRequirement
from controls.selectors.controls import controls

COLUMNS = (
    "code",
    "name",
    "description",
    "control_type",
    "status",
    "ai_systems",
    "owner",
    "requirements",
    "test_interval_days",
    "last_tested_on",
    "last_test_result",
    "test_overdue",
    "review_interval_days",
    "next_review_on",
    "updated_at",
)


def _headers() -> dict[str, str]:
    """Column headers in the active language (the job's)."""
    return {
        "code": _("Code"),
        "name": _("Name"),
        "description": _("Description"),
        "control_type": _("Type"),
        "status": _("Status"),
        "ai_systems": _("AI systems"),
        "owner": _("Owner"),
        "requirements": _("Requirements satisfied"),
        "test_interval_days": _("Test interval (days)"),
        "last_tested_on": _("Last tested"),
        "last_test_result": _("Last test result"),
        "test_overdue": _("Test overdue"),
        "review_interval_days": _("Review interval (days)"),
        "next_review_on": _("Next review"),
        "updated_at": _("Last changed"),
    }


def clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    return clean_filters(ControlPageFilter, raw, user=user)


def describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    return describe_filters(ControlPageFilter, parameters)


def register_rows(job: ReportJob) -> QuerySet[Control]:
    """The controls as the requester sees them with the job's filters, with what every
    column needs fetched in a fixed number of queries."""
    visible = restrict(controls(), job.requested_by)
    return ControlPageFilter(job.parameters, queryset=visible).qs.prefetch_related(
        Prefetch(
            "requirement_links",
            queryset=ControlRequirement.objects.select_related("requirement__framework"),
        )
    )


def _values(control: Any, seen: Sight) -> dict[str, Any]:
    return {
        "code": control.code,
        "name": control.name,
        "description": control.description,
        "control_type": control.get_control_type_display(),
        "status": control.get_status_display(),
        "ai_systems": seen.text(control.ai_systems.all()) or _("organisation-wide"),
        "owner": person_name(control.owner),
        "requirements": "; ".join(
            f"{link.requirement.framework.ref_id} {link.requirement.ref_id}"
            + (f" ({link.note})" if link.note else "")
            for link in control.requirement_links.all()
        ),
        "test_interval_days": control.test_interval_days,
        "last_tested_on": control.last_tested_on,
        "last_test_result": control.get_last_test_result_display()
        if control.last_test_result
        else "",
        "test_overdue": _("yes") if control.test_overdue else _("no"),
        "review_interval_days": control.review_interval_days,
        "next_review_on": control.next_review_on,
        "updated_at": control.updated_at,
    }


def _table(job: ReportJob) -> Iterator[list[Any]]:
    seen = sight(job.requested_by)
    # Chunks keep memory flat; the prefetches run per chunk.
    rows = register_rows(job)
    for start in range(0, rows.count(), 500):
        for control in rows[start : start + 500]:
            values = _values(control, seen)
            yield [values[column] for column in COLUMNS]


def render(job: ReportJob, out: IO[bytes]) -> None:
    headers = _headers()
    header = [headers[column] for column in COLUMNS]
    if job.format == ReportFormat.CSV:
        write_csv(out, header, _table(job))
    else:
        write_xlsx(
            out,
            header,
            _table(job),
            title=_("Control register"),
            legend=[(headers[column], column) for column in COLUMNS],
            legend_title=_("Columns"),
        )


CONTROL_REGISTER = ReportKind(
    code="control_register",
    label=gettext_lazy("Control register"),
    formats=(ReportFormat.XLSX, ReportFormat.CSV),
    clean=clean,
    render=render,
    describe=describe,
)
