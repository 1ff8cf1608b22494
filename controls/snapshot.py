"""What an SoA row shows, as plain data: the one shape the SoA page, the comparison of two
versions, the reports and the frozen copy of an approved version all read.

A draft's row is turned into this shape from its live links (``row_snapshot``); an approved
version stores it (``ApplicabilityStatement.frozen``) and is read from there. Two snapshots
compare key by key (``snapshot_changes``).

Shape (every value JSON: str, int, bool, None, lists and dicts of them)::

    {
      "requirement": {"id", "urn", "ref_id", "name_en", "name_ja", "framework" (its URN),
                      "group_ref", "group_name_en", "group_name_ja"},
      "applicable": True | False | None,
      "justification_type": "risk_treatment" | … | "",
      "justification": "…",
      "implementation_status": "not_implemented" | "partial" | "implemented",
      "owner": "person's name" | "",
      "controls": [{"id", "code", "name", "status"}],          # by code
      "evidence": [{"id", "title", "version_id", "version", "sha256", "url",
                    "effective_from", "valid_until", "review_status"}],  # by title
      "relied_on_by": [{"kind", "label", "url"}],               # risks, impact assessments
    }
"""

from __future__ import annotations

from typing import Any

#: The keys a reader compares, in the order the comparison lists them.
COMPARED = (
    "applicable",
    "justification_type",
    "justification",
    "implementation_status",
    "owner",
    "controls",
    "evidence",
)


def requirement_snapshot(requirement: Any) -> dict[str, Any]:
    """The requirement (Annex A control) a row is about, and its group (A.2 … A.10)."""
    parent = requirement.parent
    return {
        "id": requirement.pk,
        "urn": requirement.urn,
        "ref_id": requirement.ref_id,
        "name_en": requirement.name_en,
        "name_ja": requirement.name_ja,
        "framework": requirement.framework.urn,
        "group_ref": parent.ref_id if parent is not None else "",
        "group_name_en": parent.name_en if parent is not None else "",
        "group_name_ja": parent.name_ja if parent is not None else "",
    }


def snapshot_changes(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """The compared keys whose values differ between two row snapshots."""
    return [key for key in COMPARED if left.get(key) != right.get(key)]


def evidence_snapshot(evidence: Any) -> dict[str, Any]:
    """A piece of evidence as an SoA row cites it: its current version (the newest not
    rejected), whose SHA-256 identifies the file that was relied on."""
    version = evidence.current_version
    return {
        "id": evidence.pk,
        "title": evidence.title,
        "version_id": version.pk if version is not None else None,
        "version": version.number if version is not None else None,
        "sha256": version.file_sha256 if version is not None else "",
        "url": version.url if version is not None else "",
        "effective_from": version.effective_from.isoformat() if version is not None else None,
        "valid_until": evidence.valid_until.isoformat() if evidence.valid_until else None,
        "review_status": version.review_status if version is not None else "",
    }


def row_snapshot(row: Any, *, relied_on: list[Any] | None = None) -> dict[str, Any]:
    """What a live SoA row shows now (the shape above). Reads the row's requirement (with
    its parent and framework), owner, controls and evidence (with ``current_version``): a
    caller snapshotting many rows prefetches them (``controls.selectors.soa``).
    ``relied_on``: the ``aims.registry.Reliance`` records relying on the row's requirement."""
    from aims.people import person_name

    return {
        "requirement": requirement_snapshot(row.requirement),
        "applicable": row.applicable,
        "justification_type": row.justification_type,
        "justification": row.justification,
        "implementation_status": row.implementation_status,
        "owner": person_name(row.owner),
        "controls": sorted(
            (
                {"id": c.pk, "code": c.code, "name": c.name, "status": c.status}
                for c in row.controls.all()
            ),
            key=lambda c: c["code"],
        ),
        "evidence": sorted(
            (evidence_snapshot(e) for e in row.evidence.all()),
            key=lambda e: (e["title"], e["id"]),
        ),
        "relied_on_by": [
            {"kind": r.kind, "label": r.label, "url": r.url} for r in (relied_on or [])
        ],
    }
