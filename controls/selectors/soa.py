"""Reads of the Statement of Applicability: its versions, the working and the in-effect
version, its rows (with what a row's snapshot reads) and the rows as snapshots (frozen for an
approved version, live for a draft)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from aims.choices import ApprovalStatus
from aims.models import Requirement
from aims.registry import Reliance, registry
from aims.scope import VIEW, restrict
from controls.models import ApplicabilityStatement, Control, Evidence, StatementOfApplicability
from controls.snapshot import row_snapshot, snapshot_changes

#: The Annex A controls of ISO/IEC 42001 (38 in the shipped library): one SoA row each.
ANNEX_A_CONTROLS = {
    "framework__urn": "urn:aims:framework:iso-iec-42001",
    "ref_id__startswith": "A.",
    "assessable": True,
    "withdrawn": False,
}


def annex_a_controls() -> QuerySet[Requirement]:
    return Requirement.objects.filter(**ANNEX_A_CONTROLS).order_by("order")


def soa_versions() -> QuerySet[StatementOfApplicability]:
    """Every version of the SoA, newest first, with the people the pages name."""
    return StatementOfApplicability.objects.select_related("author", "approved_by", "owner")


def _visible(user: Any) -> QuerySet[StatementOfApplicability]:
    rows = soa_versions()
    return rows if user is None else restrict(rows, user, VIEW)


def soa_working(user: Any) -> StatementOfApplicability | None:
    """The version being worked on: the draft or the version in review if any, else the
    approved one, else None (``user`` None: the platform itself)."""
    versions = _visible(user).exclude(status=ApprovalStatus.SUPERSEDED)
    return versions.order_by("-number").first()


def soa_in_effect(on: date, user: Any = None) -> StatementOfApplicability | None:
    """The approved version in effect at the end of ``on``: the last approved by then (a
    version approved later superseded it only from its own approval on)."""
    end = timezone.make_aware(datetime.combine(on, time.max))
    versions = _visible(user).filter(
        status__in=(ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED), approved_at__lte=end
    )
    return versions.order_by("-approved_at", "-number").first()


def soa_rows(version: StatementOfApplicability, user: Any) -> QuerySet[ApplicabilityStatement]:
    """The rows of ``version`` in reading order (Annex A first, by the library's order), with
    what ``controls.snapshot.row_snapshot`` and the checks read, in a constant number of
    queries."""
    rows = ApplicabilityStatement.objects.filter(soa=version).select_related(
        "requirement__parent", "requirement__framework", "owner"
    )
    if user is not None:
        rows = restrict(rows, user, VIEW)
    if not version.is_frozen:
        # The controls' own evidence is counted, not read (``control_evidence_summaries``):
        # a control may hold thousands of pieces.
        evidence = Evidence.objects.select_related("current_version").order_by("title", "id")
        rows = rows.prefetch_related(
            Prefetch("controls", queryset=Control.objects.order_by("code")),
            Prefetch("evidence", queryset=evidence),
        )
    return rows.order_by("requirement__framework_id", "requirement__order", "pk")


def requirement_reliances(requirement_ids: list[int], user: Any) -> dict[int, list[Reliance]]:
    """Every record the registered providers say relies on each requirement (as far as
    ``user`` may see; None: all), one call per provider."""
    found: dict[int, list[Reliance]] = {}
    for provider in sorted(registry.requirement_reliances, key=lambda p: p.order):
        for requirement_id, records in provider.relied_on(requirement_ids, user).items():
            found.setdefault(requirement_id, []).extend(records)
    return found


def soa_row_snapshots(version: StatementOfApplicability, user: Any) -> list[dict[str, Any]]:
    """The rows of ``version`` as ``controls.snapshot`` shapes them: an approved (or
    superseded) version's frozen content, a draft's live content."""
    rows = list(soa_rows(version, user))
    return row_snapshots(version, rows, user)


def visible_urls(urls: list[str], user: Any) -> set[str] | None:
    """Which of the record pages ``urls`` ``user`` may see (None: all of them), one query per
    kind of record: what a frozen SoA names of the records relying on its rows (stored as
    label and page when it was approved) is shown only to whom may see the record today."""
    from django.urls import Resolver404, resolve

    from aims.roles import Capability, has_capability
    from aims.scope import permitted_ids

    if user is None or has_capability(user, Capability.SEE_ALL_RECORDS):
        return None
    wanted: dict[Any, dict[Any, str]] = {}
    for url in set(urls):
        try:
            match = resolve(url)
        except Resolver404:
            continue
        model = getattr(getattr(match.func, "view_class", None), "model", None)
        if model is not None and "pk" in match.kwargs:
            wanted.setdefault(model, {})[match.kwargs["pk"]] = url
    shown: set[str] = set()
    for model, by_pk in wanted.items():
        shown.update(by_pk[pk] for pk in permitted_ids(user, VIEW, model, by_pk))
    return shown


def row_snapshots(
    version: StatementOfApplicability,
    rows: list[ApplicabilityStatement],
    user: Any,
    relied: dict[int, list[Reliance]] | None = None,
) -> list[dict[str, Any]]:
    """``soa_row_snapshots`` for rows already read by ``soa_rows`` (and, for a draft, the
    records relying on them that ``user`` sees, when the caller read them already)."""
    if version.is_frozen:
        urls = [r["url"] for row in rows for r in row.frozen.get("relied_on_by", [])]
        shown = visible_urls(urls, user)
        if shown is None:
            return [row.frozen for row in rows]
        return [
            {
                **row.frozen,
                "relied_on_by": [
                    r for r in row.frozen.get("relied_on_by", []) if r["url"] in shown
                ],
            }
            for row in rows
        ]
    if relied is None:
        relied = requirement_reliances([row.requirement_id for row in rows], user)
    return [row_snapshot(row, relied_on=relied.get(row.requirement_id, [])) for row in rows]


# --- Comparison -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowChange:
    """A row that differs between two versions: ``kind`` is "added", "removed" or
    "changed"; ``fields`` the compared keys that differ (``controls.snapshot.COMPARED``)."""

    kind: str
    urn: str
    ref_id: str
    left: dict[str, Any] | None
    right: dict[str, Any] | None
    fields: list[str]


def soa_compare(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[RowChange]:
    """The rows added, removed and changed from ``left`` to ``right`` (row snapshots of two
    versions), matched by the requirement's URN, in ``right``'s order then the removed."""
    before = {shot["requirement"]["urn"]: shot for shot in left}
    after = {shot["requirement"]["urn"]: shot for shot in right}
    changes = []
    for urn, shot in after.items():
        old = before.get(urn)
        if old is None:
            changes.append(RowChange("added", urn, shot["requirement"]["ref_id"], None, shot, []))
            continue
        fields = snapshot_changes(old, shot)
        if fields:
            changes.append(
                RowChange("changed", urn, shot["requirement"]["ref_id"], old, shot, fields)
            )
    for urn, shot in before.items():
        if urn not in after:
            changes.append(RowChange("removed", urn, shot["requirement"]["ref_id"], shot, None, []))
    return changes
