"""Reports of the impact app: one assessment as PDF, laid out like the record of seed 000 and
followed by its entries and linked risks; and the list of assessments as XLSX or CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.choices import ReportFormat
from aims.models import ReportJob
from aims.people import person_name
from aims.reports import ReportKind, clean_filters, describe_filters
from aims.reports.pdf import render_pdf, report_context
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import restrict
from impact import selectors
from impact.choices import HUMAN_JUDGMENT_CRITERIA, AssessmentScope, PartyKind
from impact.filters import ImpactAssessmentFilter
from impact.models import ImpactAssessment
from impact.services import reflected_risk_ids


def _labels(codes: list[str], choices: Any) -> str:
    names = dict(choices)
    return "、".join(str(names.get(c, c)) for c in codes) if codes else ""


# --- One assessment (PDF) ------------------------------------------------------------------------
def clean_one(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(raw) - {"impact_assessment"})
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
    value = str(raw.get("impact_assessment", ""))
    if (
        not value.isdigit()
        or not restrict(ImpactAssessment.objects.filter(pk=int(value)), user).exists()
    ):
        raise ValidationError({"impact_assessment": [_("Unknown impact assessment.")]})
    return {"impact_assessment": int(value)}


def describe_one(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    assessment = ImpactAssessment.objects.filter(pk=parameters.get("impact_assessment")).first()
    return [(_("Impact assessment"), str(assessment) if assessment else "—")]


def render_one(job: ReportJob, out: IO[bytes]) -> None:
    rows = restrict(selectors.impact_assessment_details(), job.requested_by)
    assessment = rows.filter(pk=job.parameters["impact_assessment"]).first()
    if assessment is None:  # access was withdrawn after the request
        raise PermissionError("the requester no longer sees this assessment")
    matrix = assessment.matrix
    name = f"{assessment.ai_system.name} {assessment.system_version}"
    record = [  # the fields of the seed-000 record, in its order
        (_("AI system name and version"), name),
        (_("Date of assessment"), assessment.assessed_on.isoformat()),
        (
            _("Person responsible"),
            " / ".join(
                filter(None, [assessment.responsible_role, person_name(assessment.responsible)])
            ),
        ),
        (
            _("Scope (develop / provide / use)"),
            " ".join(
                filter(
                    None,
                    [_labels(assessment.scope, AssessmentScope.choices), assessment.scope_notes],
                )
            ),
        ),
        (_("Intended use"), assessment.intended_use),
        (_("Reasonably foreseeable misuse"), assessment.foreseeable_misuse),
        (_("Technical context considered"), assessment.technical_context),
        (_("Societal context considered"), assessment.societal_context),
        (_("Applicable laws and jurisdictions"), assessment.laws_and_jurisdictions),
        (
            _("Affected parties (individuals / groups / society)"),
            " ".join(
                filter(
                    None,
                    [
                        _labels(assessment.affected_parties, PartyKind.choices),
                        assessment.affected_parties_description,
                    ],
                )
            ),
        ),
        (_("Potential impacts"), assessment.potential_impacts),
        (_("Severity"), matrix.step_label("impact", assessment.severity)),
        (_("Likelihood"), matrix.step_label("likelihood", assessment.likelihood)),
        (_("Level (severity × likelihood)"), matrix.level_label(assessment.level)),
        (
            _("Interested parties to be informed"),
            " ".join(
                filter(
                    None,
                    [
                        _("Yes") if assessment.stakeholders_to_be_informed else _("No"),
                        assessment.stakeholder_communication,
                    ],
                )
            ),
        ),
        (_("Reflected in the 6.1.2 risk assessment"), ""),
    ]
    risk_ids = reflected_risk_ids(assessment)
    from risk.models import Risk

    risks = list(Risk.objects.filter(pk__in=risk_ids).select_related("matrix"))
    record[-1] = (
        record[-1][0],
        " ".join(
            filter(
                None,
                [
                    _("Considered in AI risks %(codes)s.")
                    % {"codes": ", ".join(r.code for r in risks)}
                    if risks
                    else _("Not yet reflected in any risk."),
                    assessment.reflection_notes,
                ],
            )
        ),
    )
    criteria = [
        (str(label), assessment.human_judgment.get(code, ""))
        for code, label in HUMAN_JUDGMENT_CRITERIA.items()
    ]
    context = report_context(
        job,
        title=_("AI system impact assessment"),
        subtitle=f"{assessment} — {assessment.get_status_display()}",
        approver=(
            f"{person_name(assessment.approved_by)} ({localtime(assessment.approved_at):%Y-%m-%d})"
            if assessment.approved_by
            else ""
        ),
        approval_pending=assessment.approved_by is None,
        filters=describe_one(job.parameters),
        assessment=assessment,
        record=record,
        entries=list(assessment.entries.all()),
        risks=risks,
        criteria=criteria,
        toc=[
            ("record", _("Impact assessment record")),
            ("entries", _("Consequences")),
            ("risks", _("Linked risks")),
            ("guidelines", _("AI Guidelines for Business")),
        ],
    )
    render_pdf("impact/report_assessment.html", context, out)


# --- The list (XLSX, CSV) ------------------------------------------------------------------------
COLUMNS = (
    "id",
    "ai_system",
    "system_version",
    "number",
    "status",
    "assessed_on",
    "responsible",
    "scope",
    "intended_use",
    "affected_parties",
    "severity",
    "likelihood",
    "level",
    "entries",
    "reflected_risks",
    "reassessment_due",
    "approved_by",
    "approved_at",
    "next_review_on",
)


def clean_list(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    return clean_filters(ImpactAssessmentFilter, raw, user=user)


def describe_list(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    return describe_filters(ImpactAssessmentFilter, parameters)


def _rows(job: ReportJob) -> Iterator[list[Any]]:
    visible = restrict(selectors.impact_assessments(), job.requested_by)
    assessments = selectors.impact_assessments_with_entries(
        ImpactAssessmentFilter(job.parameters, queryset=visible).qs
    )
    for a in assessments.iterator(chunk_size=500):
        values = {
            "id": a.pk,
            "ai_system": a.ai_system.name,
            "system_version": a.system_version,
            "number": a.number,
            "status": a.get_status_display(),
            "assessed_on": a.assessed_on,
            "responsible": person_name(a.responsible),
            "scope": _labels(a.scope, AssessmentScope.choices),
            "intended_use": a.intended_use,
            "affected_parties": _labels(a.affected_parties, PartyKind.choices),
            "severity": a.matrix.step_label("impact", a.severity),
            "likelihood": a.matrix.step_label("likelihood", a.likelihood),
            "level": a.matrix.level_label(a.level),
            "entries": len(a.entries.all()),
            "reflected_risks": ", ".join(f"R-{pk:05d}" for pk in reflected_risk_ids(a)),
            "reassessment_due": _("Yes") if a.reassessment_due else _("No"),
            "approved_by": person_name(a.approved_by),
            "approved_at": a.approved_at,
            "next_review_on": a.next_review_on,
        }
        yield [values[c] for c in COLUMNS]


def render_list(job: ReportJob, out: IO[bytes]) -> None:
    if job.format == ReportFormat.CSV:
        write_csv(out, COLUMNS, _rows(job))
    else:
        write_xlsx(out, COLUMNS, _rows(job), title=_("Impact assessments"))


IMPACT_ASSESSMENT = ReportKind(
    code="impact_assessment",
    label=gettext_lazy("AI system impact assessment"),
    formats=(ReportFormat.PDF,),
    clean=clean_one,
    render=render_one,
    describe=describe_one,
)
IMPACT_ASSESSMENT_LIST = ReportKind(
    code="impact_assessment_list",
    label=gettext_lazy("Impact assessments (list)"),
    formats=(ReportFormat.XLSX, ReportFormat.CSV),
    clean=clean_list,
    render=render_list,
    describe=describe_list,
)
