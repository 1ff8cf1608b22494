"""The coverage of other frameworks by the Statement of Applicability
(``controls.selectors.coverage``) as XLSX or CSV: one line per item of each framework, with
its coverage and what reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.models import Framework, ReportJob
from aims.reports import ReportKind
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import restrict
from controls.models import StatementOfApplicability
from controls.reports.soa import single_value, unknown_refused, version_text
from controls.selectors import coverage as coverage_selectors
from controls.selectors.evidence import SUMMARY_SAMPLE


# --- Parameters ------------------------------------------------------------------------
def clean_coverage(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """``framework``: one framework's items (empty: every framework crosswalked to Annex A);
    ``soa``: the version to compute against (empty: the working version when the job runs)."""
    unknown_refused(raw, {"framework", "soa"})
    cleaned: dict[str, Any] = {}
    text = single_value(raw, "framework")
    if text:
        if not (
            text.isdigit()
            and len(text) < 19
            and restrict(Framework.objects.filter(pk=int(text)), user).exists()
        ):
            raise ValidationError({"framework": [_("Unknown framework.")]})
        cleaned["framework"] = int(text)
    soa = single_value(raw, "soa")
    if soa:
        version = coverage_selectors.coverage_version(user, soa)
        assert version is not None
        cleaned["soa"] = version.pk
    return cleaned


def describe_coverage(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    described = []
    if parameters.get("framework"):
        framework = Framework.objects.filter(pk=parameters["framework"]).first()
        described.append((_("Framework"), framework.name if framework else "—"))
    if parameters.get("soa"):
        version = StatementOfApplicability.objects.filter(pk=parameters["soa"]).first()
        described.append((_("Version"), version_text(version) if version else "—"))
    return described


def _coverage_columns() -> list[str]:
    return [
        _("Framework"),
        _("Item no."),
        _("Item"),
        _("Coverage"),
        _("Reached by"),
        _("Evidence"),
        _("SoA version"),
    ]


def _coverage_table(job: ReportJob) -> Iterator[list[Any]]:
    user = job.requested_by
    version = coverage_selectors.coverage_version(user, job.parameters.get("soa"))
    frameworks: Any = (
        restrict(Framework.objects.filter(pk=job.parameters["framework"]), user)
        if job.parameters.get("framework")
        else restrict(coverage_selectors.coverage_frameworks(), user)
    )
    results = coverage_selectors.framework_coverage(
        frameworks, user=user, version=version, named=SUMMARY_SAMPLE
    )
    shown_version = version_text(version) if version is not None else "—"
    for result in results:
        for item in result.items:
            yield [
                result.framework.name,
                item.requirement.ref_id,
                item.requirement.name,
                item.status_label,
                "\n".join(
                    f"[{coverage_selectors.status_label(r.state)}] {r.label}: {r.reason}"
                    for r in item.reaches
                ),
                "\n".join(
                    sorted(
                        {
                            e["title"] + (f" v{e['version']}" if e["version"] else "")
                            for r in item.reaches
                            for e in r.evidence
                        }
                    )
                ),
                shown_version,
            ]


def render_coverage(job: ReportJob, out: IO[bytes]) -> None:
    if job.format == ReportFormat.CSV:
        write_csv(out, _coverage_columns(), _coverage_table(job))
    else:
        write_xlsx(out, _coverage_columns(), _coverage_table(job), title=_("Framework coverage"))


COVERAGE = ReportKind(
    code="coverage",
    label=gettext_lazy("Framework coverage"),
    formats=(ReportFormat.XLSX, ReportFormat.CSV),
    clean=clean_coverage,
    render=render_coverage,
    describe=describe_coverage,
)
