"""Reports of the Statement of Applicability: one version as PDF (cover with its version,
approver and approval date; the rows grouped by Annex A group, then the rows the organisation
added; the result of the consistency checks) and as XLSX or CSV (one line per row); and the
coverage of other frameworks as XLSX or CSV is in ``controls.reports.coverage``.

Rows are read in the one shape of ``controls.snapshot``: an approved or superseded version
from its frozen copy, a draft live. The version is the one asked for, else the approved one
in effect today, else the working version."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from aims.choices import ReportFormat
from aims.models import ReportJob
from aims.people import person_name
from aims.reports import ReportKind
from aims.reports.pdf import render_pdf, report_context
from aims.reports.writers import write_csv, write_xlsx
from aims.scope import restrict
from aims.urns import ISO_42001
from controls.choices import (
    ControlStatus,
    EvidenceReview,
    ImplementationStatus,
    JustificationType,
    SoaCheck,
)
from controls.models import StatementOfApplicability

SHA_SHORT = 12


# --- Which version -----------------------------------------------------------------------------
def single_value(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def unknown_refused(raw: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})


def default_version(user: Any) -> StatementOfApplicability | None:
    """The approved version in effect today, else the working version (a draft or a version
    in review), as ``user`` sees them."""
    from controls.selectors.soa import soa_in_effect, soa_working

    return soa_in_effect(timezone.localdate(), user) or soa_working(user)


def clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """``soa``: the id of a version the requester may see; empty: the approved version in
    effect today, else the working version (fixed now, so the file says which)."""
    unknown_refused(raw, {"soa"})
    text = single_value(raw, "soa")
    if text:
        version = None
        if text.isdigit() and len(text) < 19:
            version = restrict(StatementOfApplicability.objects.filter(pk=int(text)), user).first()
        if version is None:
            raise ValidationError(
                {"soa": [_("No version of the Statement of Applicability has the id %s.") % text]}
            )
    else:
        version = default_version(user)
        if version is None:
            raise ValidationError({"soa": [_("There is no Statement of Applicability yet.")]})
    return {"soa": version.pk}


def describe(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    pk = parameters.get("soa")
    version = StatementOfApplicability.objects.filter(pk=pk).first() if pk else None
    return [(_("Version"), version_text(version) if version else "—")]


def version_text(version: StatementOfApplicability) -> str:
    return _("Version %(number)s (%(status)s)") % {
        "number": version.number,
        "status": version.get_status_display(),
    }


def _version(job: ReportJob) -> StatementOfApplicability:
    rows = restrict(StatementOfApplicability.objects.all(), job.requested_by)
    version = rows.select_related("author", "approved_by").filter(pk=job.parameters["soa"]).first()
    if version is None:  # access was withdrawn after the request
        raise PermissionError("the requester no longer sees this version of the SoA")
    return version


# --- The rows, in the snapshot's shape ---------------------------------------------------------
def row_snapshots(version: StatementOfApplicability, user: Any) -> list[dict[str, Any]]:
    """Every row of ``version`` as ``controls.snapshot`` shapes it, in the library's order:
    frozen for an approved or superseded version, live for a draft
    (``controls.selectors.soa``), with the row's id."""
    from controls.selectors import soa as soa_selectors

    rows = list(soa_selectors.soa_rows(version, user))
    snapshots = soa_selectors.row_snapshots(version, rows, user)
    return [dict(snapshot, row_id=row.pk) for row, snapshot in zip(rows, snapshots, strict=True)]


def _pick(values: dict[str, Any], field: str) -> str:
    japanese = (get_language() or "").startswith("ja")
    value_ja, value_en = values.get(f"{field}_ja") or "", values.get(f"{field}_en") or ""
    return str(value_ja if japanese and value_ja else value_en or value_ja)


def _labels() -> dict[str, dict[str, str]]:
    return {
        "justification_type": {c: str(label) for c, label in JustificationType.choices},
        "implementation_status": {c: str(label) for c, label in ImplementationStatus.choices},
        "control_status": {c: str(label) for c, label in ControlStatus.choices},
        "review_status": {c: str(label) for c, label in EvidenceReview.choices},
        "check": {c: str(label) for c, label in SoaCheck.choices},
    }


def _applicable_text(value: bool | None) -> str:
    if value is None:
        return _("Not decided")
    return _("Applicable") if value else _("Not applicable")


def _row_view(snapshot: dict[str, Any], labels: dict[str, dict[str, str]], today: date) -> dict:
    """One row as the reports show it: texts in the job's language, evidence with its short
    SHA-256 and whether it has expired by the report's date."""
    requirement = snapshot.get("requirement", {})
    evidence = []
    for item in snapshot.get("evidence", []):
        valid_until = item.get("valid_until")
        evidence.append(
            {
                "title": item.get("title", ""),
                "version": item.get("version"),
                "sha256": (item.get("sha256") or "")[:SHA_SHORT],
                "url": item.get("url", ""),
                "valid_until": valid_until or "",
                "expired": bool(valid_until) and date.fromisoformat(valid_until) < today,
                "rejected": item.get("review_status") == EvidenceReview.REJECTED,
            }
        )
    return {
        "row_id": snapshot.get("row_id"),
        "ref_id": requirement.get("ref_id", ""),
        "name": _pick(requirement, "name"),
        "framework": requirement.get("framework", ""),
        "group_ref": requirement.get("group_ref", ""),
        "group_name": _pick(requirement, "group_name"),
        "applicable": snapshot.get("applicable"),
        "applicable_text": _applicable_text(snapshot.get("applicable")),
        "justification_type": labels["justification_type"].get(
            snapshot.get("justification_type") or "", ""
        ),
        "justification": snapshot.get("justification", ""),
        "implementation_status": labels["implementation_status"].get(
            snapshot.get("implementation_status") or "", snapshot.get("implementation_status", "")
        ),
        "owner": snapshot.get("owner", ""),
        "controls": [
            {
                "code": c.get("code", ""),
                "name": c.get("name", ""),
                "status": labels["control_status"].get(c.get("status") or "", ""),
            }
            for c in snapshot.get("controls", [])
        ],
        "evidence": evidence,
    }


def _is_annex_a(row: dict[str, Any]) -> bool:
    return row["framework"] == ISO_42001 and str(row["group_ref"]).startswith("A.")


def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Annex A rows by group (A.2 … A.10, in the library's order; a group with control
    objectives of its own, like A.6, lists them as subgroups), then the rows the organisation
    added from other sources."""
    groups: dict[str, dict[str, Any]] = {}
    added: list[dict[str, Any]] = []
    for row in rows:
        if not _is_annex_a(row):
            added.append(row)
            continue
        top = ".".join(str(row["group_ref"]).split(".")[:2])
        group = groups.setdefault(
            top,
            {"id": "group-" + top.replace(".", "-"), "ref": top, "name": "", "subgroups": {}},
        )
        if row["group_ref"] == top:
            group["name"] = row["group_name"]
        sub = group["subgroups"].setdefault(
            row["group_ref"], {"ref": row["group_ref"], "name": row["group_name"], "rows": []}
        )
        sub["rows"].append(row)
    names = _group_names([ref for ref, g in groups.items() if not g["name"]])
    ordered = []
    for group in sorted(groups.values(), key=lambda g: _group_key(g["ref"])):
        group["name"] = group["name"] or names.get(group["ref"], "")
        subgroups = sorted(group["subgroups"].values(), key=lambda g: _group_key(g["ref"]))
        group["subgroups"] = subgroups
        group["rows"] = [row for sub in subgroups for row in sub["rows"]]
        group["titled_subgroups"] = len(subgroups) > 1 or subgroups[0]["ref"] != group["ref"]
        ordered.append(group)
    if added:
        name = _("Controls added from other sources")
        ordered.append(
            {
                "id": "added",
                "ref": "",
                "name": name,
                "rows": added,
                "subgroups": [{"ref": "", "name": name, "rows": added}],
                "titled_subgroups": False,
            }
        )
    return ordered


def _group_names(refs: list[str]) -> dict[str, str]:
    """The names of Annex A groups no row names as its own parent (A.6, whose controls sit
    under its objectives A.6.1 and A.6.2), from the library, in one query."""
    if not refs:
        return {}
    from aims.models import Requirement

    found = Requirement.objects.filter(framework__urn=ISO_42001, ref_id__in=refs)
    return {r.ref_id: _pick({"name_en": r.name_en, "name_ja": r.name_ja}, "name") for r in found}


def _group_key(ref: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in ref.split(".")[1:])


# --- The checks ----------------------------------------------------------------------------------
def checks(version: StatementOfApplicability) -> list[dict[str, Any]]:
    """The consistency checks' result: as frozen at approval, else as they stand (the SoA
    part's service, imported when a draft is reported)."""
    if version.is_frozen:
        return [dict(item) for item in version.frozen_checks]
    from controls.services.soa import soa_checks  # the SoA part's service

    return [
        {
            "code": result.code,
            "requirement_id": result.requirement_id,
            "ref_id": result.ref_id,
            "message": str(result.message),
            "records": [{"kind": r.kind, "label": r.label, "url": r.url} for r in result.records],
            "waived": result.waived,
            "reason": result.reason,
        }
        for result in soa_checks(version)
    ]


def _check_views(items: list[dict[str, Any]], labels: dict[str, dict[str, str]]) -> list[dict]:
    return [
        {
            **item,
            "label": labels["check"].get(item.get("code", ""), item.get("code", "")),
            "records_text": ", ".join(r.get("label", "") for r in item.get("records", [])),
        }
        for item in sorted(items, key=lambda i: (bool(i.get("waived")), i.get("ref_id", "")))
    ]


# --- PDF -----------------------------------------------------------------------------------------
def pdf_context(job: ReportJob) -> dict[str, Any]:
    version = _version(job)
    today = timezone.localdate()
    labels = _labels()
    rows = [_row_view(s, labels, today) for s in row_snapshots(version, job.requested_by)]
    groups = grouped(rows)
    found = _check_views(checks(version), labels)
    open_checks = [c for c in found if not c.get("waived")]
    applicable = sum(1 for r in rows if r["applicable"] is True)
    excluded = sum(1 for r in rows if r["applicable"] is False)
    approved = version.approved_at
    approval = (
        f"{person_name(version.approved_by)} ({timezone.localtime(approved):%Y-%m-%d})"
        if version.approved_by and approved
        else ""
    )
    toc = [("version", _("About this version"))]
    toc += [(g["id"], f"{g['ref']} {g['name']}".strip()) for g in groups]
    toc.append(("checks", _("Consistency checks")))
    return report_context(
        job,
        title=_("Statement of Applicability"),
        subtitle=_("ISO/IEC 42001 6.1.3 d) · %(version)s") % {"version": version_text(version)},
        approver=approval,
        approval_pending=not approval,
        filters=describe(job.parameters),
        toc=toc,
        version=version,
        version_facts=[
            (_("Version"), str(version.number)),
            (_("Status"), version.get_status_display()),
            (_("Author"), person_name(version.author) or "—"),
            (_("Approved by"), person_name(version.approved_by) or "—"),
            (
                _("Approved at"),
                f"{timezone.localtime(approved):%Y-%m-%d %H:%M}" if approved else "—",
            ),
            (_("What changed"), version.change_summary or "—"),
            (
                _("Rows"),
                _("%(total)s rows: %(applicable)s applicable, %(excluded)s not applicable.")
                % {"total": len(rows), "applicable": applicable, "excluded": excluded},
            ),
            (
                _("Read from"),
                _("The rows as frozen when the version was approved.")
                if version.is_frozen
                else _("The rows as they stand (the version is not approved)."),
            ),
        ],
        groups=groups,
        checks=found,
        open_checks=len(open_checks),
        today=today,
    )


def render(job: ReportJob, out: IO[bytes]) -> None:
    if job.format == ReportFormat.PDF:
        render_pdf("controls/report_soa.html", pdf_context(job), out)
        return
    version = _version(job)
    header = [label for _code, label in _columns()]
    table = _table(version, job)
    if job.format == ReportFormat.CSV:
        write_csv(out, header, table)
    else:
        write_xlsx(
            out,
            header,
            table,
            title=_("Statement of Applicability v%(number)s") % {"number": version.number},
        )


# --- XLSX and CSV --------------------------------------------------------------------------------
def _columns() -> list[tuple[str, str]]:
    return [
        ("group", _("Group")),
        ("ref_id", _("Control no.")),
        ("name", _("Control")),
        ("applicable", _("Applicable")),
        ("justification_type", _("Justification type")),
        ("justification", _("Justification")),
        ("implementation_status", _("Implementation status")),
        ("controls", _("Implementing controls")),
        ("evidence", _("Evidence")),
        ("owner", _("Owner")),
    ]


def _evidence_text(item: dict[str, Any]) -> str:
    parts = [item["title"]]
    if item["version"] is not None:
        parts.append(f"v{item['version']}")
    if item["sha256"]:
        parts.append(f"SHA-256 {item['sha256']}")
    if item["valid_until"]:
        parts.append(_("valid until %(date)s") % {"date": item["valid_until"]})
    if item["expired"]:
        parts.append(_("expired"))
    if item["rejected"]:
        parts.append(_("rejected"))
    return " ".join(parts)


def _table(version: StatementOfApplicability, job: ReportJob) -> Iterator[list[Any]]:
    today = timezone.localdate()
    labels = _labels()
    rows = [_row_view(s, labels, today) for s in row_snapshots(version, job.requested_by)]
    for group in grouped(rows):
        for row in group["rows"]:
            yield [
                f"{group['ref']} {group['name']}".strip(),
                row["ref_id"],
                row["name"],
                row["applicable_text"],
                row["justification_type"],
                row["justification"],
                row["implementation_status"],
                "\n".join(f"{c['code']} {c['name']}" for c in row["controls"]),
                "\n".join(_evidence_text(e) for e in row["evidence"]),
                row["owner"],
            ]


SOA = ReportKind(
    code="soa",
    label=gettext_lazy("Statement of Applicability"),
    formats=(ReportFormat.PDF, ReportFormat.XLSX, ReportFormat.CSV),
    clean=clean,
    render=render,
    describe=describe,
)
