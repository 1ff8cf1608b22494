"""The inventory export: the AI systems the inventory page shows for the same filters, as
XLSX or CSV, in columns an import of the platform reads back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from aims import selectors
from aims.choices import OrganizationRole, ReportFormat
from aims.filters import AISystemPageFilter
from aims.models import AISystem, BusinessUnit, ReportJob
from aims.reports import ReportKind, clean_filters, describe_filters
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import restrict
from aims.services.inventory import EXPORT_ONLY_COLUMNS, IMPORT_COLUMNS

COLUMNS = ("id", *IMPORT_COLUMNS, *(c for c in EXPORT_ONLY_COLUMNS if c != "id"))


def clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """The inventory page's filters, validated; unknown names are refused, not ignored."""
    return clean_filters(AISystemPageFilter, raw, user=user)


def _yes_no(value: bool) -> str:
    return pgettext("export boolean", "yes") if value else pgettext("export boolean", "no")


def _rows(job: ReportJob) -> Iterator[list[Any]]:
    visible = restrict(selectors.ai_systems(), job.requested_by)
    systems = AISystemPageFilter(job.parameters, queryset=visible).qs
    for system in systems.iterator(chunk_size=500):
        unit = system.business_unit
        values = {
            "id": system.pk,
            "name": system.name,
            "version": system.version,
            "purpose": system.purpose,
            "description": system.description,
            "business_unit": (unit.code or unit.name) if unit else "",
            "lifecycle_stage": system.get_lifecycle_stage_display(),
            "organization_roles": ", ".join(
                str(label)
                for code, label in OrganizationRole.choices
                if code in system.organization_roles
            ),
            "ai_type": system.get_ai_type_display(),
            "is_generative": _yes_no(system.is_generative),
            "is_advanced": _yes_no(system.is_advanced),
            "eu_ai_act_tier": system.get_eu_ai_act_tier_display(),
            "data_sources": system.data_sources,
            "third_parties": system.third_parties,
            # The username, not the name: the inventory import reads an export back by it.
            "owner": system.owner.get_username() if system.owner else "",
            "review_interval_days": system.review_interval_days,
            "next_review_on": system.next_review_on,
            "affected_parties": ", ".join(p.name for p in system.affected_parties.all()),
            "affected_parties_notes": system.affected_parties_notes,
            "retired_at": system.retired_at,
            "updated_at": system.updated_at,
        }
        yield [values[column] for column in COLUMNS]


def _legend() -> list[tuple[str, str]]:
    fields = {field.name: field for field in AISystem._meta.get_fields()}
    legend = []
    for column in COLUMNS:
        field = fields.get(column)
        label = str(getattr(field, "verbose_name", column)) if column != "id" else "ID"
        legend.append((column, label))
    return legend


def render(job: ReportJob, out: IO[bytes]) -> None:
    if job.format == ReportFormat.CSV:
        write_csv(out, COLUMNS, _rows(job))
    else:
        write_xlsx(
            out,
            COLUMNS,
            _rows(job),
            title=_("AI systems"),
            legend=_legend(),
            legend_title=_("Columns"),
        )


def describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    described = describe_filters(AISystemPageFilter, parameters)
    unit = parameters.get("business_unit")
    if unit:  # a number in the filter; people read the unit's name
        label = str(AISystemPageFilter.base_filters["business_unit"].label)
        name = BusinessUnit.objects.filter(pk=unit).values_list("name", flat=True).first()
        described = [(k, name or v) if k == label else (k, v) for k, v in described]
    return described


AI_SYSTEM_INVENTORY = ReportKind(
    code="ai_system_inventory",
    label=gettext_lazy("AI system inventory"),
    formats=(ReportFormat.XLSX, ReportFormat.CSV),
    clean=clean,
    render=render,
    describe=describe,
)
