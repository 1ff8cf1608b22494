"""Coverage of other frameworks by the Statement of Applicability, through the library's
crosswalks: for each assessable item of a framework (an item of the AI Guidelines for
Business, a NIST AI RMF subcategory, …), what reaches it and how far.

What reaches an item:
- an SoA row whose control (an Annex A control, or a row the organisation added) is the item
  itself or is linked to it by a mapping of the library, in either direction and of any
  relationship;
- an organisation's control that satisfies the item directly (``ControlRequirement``).

Evidence is valid today when its current version is not rejected, the period it describes
has begun and its valid-until date, if any, has not passed (``Evidence.valid_until``; the
rule of ``controls.selectors.evidence.evidence_valid_on``, read here in the same query as the
rest). An item is *covered* when at least one of them is complete: an applicable, implemented row
with evidence valid today (on the row or on one of its implementing controls), or an
operating control with evidence valid today. It is *partly* covered when it is reached only
by rows that are applicable but partially implemented or implemented without valid evidence,
or by controls without valid evidence or not yet operating. Otherwise it is not covered.

The rows are those of one version of the SoA: the working version (a draft or a version in
review, else the approved one) unless another is asked for; without any version nothing is
covered. A draft's rows are read live; an approved or superseded version's rows are read
from their frozen copy (``ApplicabilityStatement.frozen``), and only the evidence of their
implementing controls, which the copy does not hold, is read as it stands.

Everything is read in a fixed number of queries whatever the number of frameworks, items,
rows, mappings, controls or evidence, and computed in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aims.models import Framework, Mapping, Requirement
from aims.models.approval import FROZEN
from aims.scope import restrict
from aims.urns import ISO_42001
from controls.choices import ControlStatus, EvidenceReview, ImplementationStatus
from controls.models import (
    ApplicabilityStatement,
    ControlRequirement,
    Evidence,
    StatementOfApplicability,
)

COVERED = "covered"
PARTLY = "partly"
NONE = "none"
STATUSES = (COVERED, PARTLY, NONE)
#: The tag the library gives the controls of ISO/IEC 42001 Annex A.
ANNEX_A_TAG = "annex-a"


def status_label(status: str) -> str:
    return {
        COVERED: _("Covered"),
        PARTLY: _("Partly covered"),
        NONE: _("Not covered"),
    }[status]


@dataclass
class Reach:
    """One SoA row or control that reaches an item, and how far it carries it."""

    kind: str  # "soa_row" or "control"
    id: int
    label: str
    url: str
    state: str  # COVERED, PARTLY or NONE (reaches the item but counts for nothing)
    reason: str
    relationship: str = ""  # the mapping's relationship; "" when direct
    controls: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ItemCoverage:
    requirement: Requirement
    status: str
    reaches: list[Reach]

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass
class FrameworkCoverage:
    framework: Framework
    total: int = 0
    covered: int = 0
    partly: int = 0
    items: list[ItemCoverage] = field(default_factory=list)

    @property
    def none(self) -> int:
        return self.total - self.covered - self.partly

    @property
    def covered_percent(self) -> float:
        """Covered items as a share of the framework's assessable items (partly covered
        items do not count)."""
        return _percent(self.covered, self.total)

    @property
    def partly_percent(self) -> float:
        return _percent(self.partly, self.total)

    @property
    def none_percent(self) -> float:
        return _percent(self.none, self.total)


def _percent(part: int, total: int) -> float:
    return round(100 * part / total, 1) if total else 0.0


# --- Which frameworks, which SoA version ---------------------------------------------------------
def annex_a_requirements() -> QuerySet[Requirement]:
    return Requirement.objects.filter(framework__urn=ISO_42001, tags__contains=[ANNEX_A_TAG])


def _crosswalked() -> Exists:
    """Whether a mapping of the library links an item of the outer framework to an ISO/IEC
    42001 Annex A control (either way)."""
    annex = annex_a_requirements()
    return Exists(
        Mapping.objects.filter(
            Q(source__framework=OuterRef("pk"), target__in=annex)
            | Q(target__framework=OuterRef("pk"), source__in=annex)
        )
    )


def frameworks_for_coverage() -> QuerySet[Framework]:
    """Every framework of the library, each annotated ``crosswalked`` (``_crosswalked``), the
    crosswalked ones first."""
    return Framework.objects.annotate(crosswalked=_crosswalked()).order_by(
        "-crosswalked", "category", "ref_id"
    )


def coverage_frameworks() -> QuerySet[Framework]:
    """The frameworks of the library with a crosswalk to ISO/IEC 42001 Annex A (in either
    direction), ISO/IEC 42001 itself excluded: what the coverage page lists."""
    return (
        Framework.objects.annotate(crosswalked=_crosswalked())
        .filter(_crosswalked())
        .exclude(urn=ISO_42001)
        .order_by("category", "ref_id")
    )


def _working_version(user: Any) -> StatementOfApplicability | None:
    """The working version (``controls.selectors.soa.soa_working``)."""
    from controls.selectors.soa import soa_working

    return soa_working(user)


def coverage_version(user: Any, soa: Any = None) -> StatementOfApplicability | None:
    """The version of the SoA coverage is computed against: ``soa`` (a version id the user
    may see; ``ValidationError`` otherwise), else the working version, else None."""
    if soa in (None, ""):
        return _working_version(user)
    text = str(soa)
    version = None
    if text.isdigit() and len(text) < 19:
        version = restrict(StatementOfApplicability.objects.filter(pk=int(text)), user).first()
    if version is None:
        raise ValidationError(
            {"soa": [_("No version of the Statement of Applicability has the id %s.") % text]}
        )
    return version


# --- Facts -------------------------------------------------------------------------------------
def _link(url_name: str, pk: Any) -> str:
    """The page of a record of another part of the app ("" while that page does not exist)."""
    try:
        return reverse(url_name, args=[pk])
    except NoReverseMatch:
        return ""


def _evidence_fact(
    *,
    pk: int,
    title: str,
    version: int | None,
    sha256: str,
    valid_until: date | None,
    review_status: str,
    effective_from: date | None,
    today: date,
) -> dict[str, Any]:
    expired = valid_until is not None and valid_until < today
    started = effective_from is None or effective_from <= today
    return {
        "id": pk,
        "title": title,
        "version": version,
        "sha256": sha256,
        "valid_until": valid_until,
        "review_status": review_status,
        "expired": expired,
        # "Valid today" (the rule the SoA check shares, ``evidence_valid_on``): a current
        # version, not rejected, describing a period begun by today, not past valid-until.
        "valid": version is not None
        and review_status != EvidenceReview.REJECTED
        and started
        and not expired,
        "url": _link("evidence", pk),
    }


def _live_evidence(evidence: Evidence, today: date) -> dict[str, Any]:
    current = evidence.current_version
    return _evidence_fact(
        pk=evidence.pk,
        title=evidence.title,
        version=current.number if current is not None else None,
        sha256=current.file_sha256 if current is not None else "",
        valid_until=evidence.valid_until,
        review_status=current.review_status if current is not None else "",
        effective_from=current.effective_from if current is not None else None,
        today=today,
    )


def _frozen_evidence(item: dict[str, Any], today: date) -> dict[str, Any]:
    valid_until, effective_from = item.get("valid_until"), item.get("effective_from")
    return _evidence_fact(
        pk=item["id"],
        title=item.get("title", ""),
        version=item.get("version"),
        sha256=item.get("sha256", ""),
        valid_until=date.fromisoformat(valid_until) if valid_until else None,
        review_status=item.get("review_status", ""),
        effective_from=date.fromisoformat(effective_from) if effective_from else None,
        today=today,
    )


@dataclass
class _Row:
    id: int
    requirement_id: int
    label: str
    applicable: bool | None
    implementation_status: str
    controls: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


def _rows(version: StatementOfApplicability, user: Any, today: date) -> list[_Row]:
    rows = restrict(ApplicabilityStatement.objects.filter(soa=version), user)
    if version.status in FROZEN:
        facts = []
        for pk, requirement_id, frozen in rows.values_list("pk", "requirement_id", "frozen"):
            requirement = frozen.get("requirement", {})
            facts.append(
                _Row(
                    id=pk,
                    requirement_id=requirement_id,
                    label=_requirement_label(
                        requirement.get("ref_id", ""),
                        requirement.get("name_en", ""),
                        requirement.get("name_ja", ""),
                    ),
                    applicable=frozen.get("applicable"),
                    implementation_status=frozen.get("implementation_status", ""),
                    controls=[dict(c) for c in frozen.get("controls", [])],
                    evidence=[_frozen_evidence(e, today) for e in frozen.get("evidence", [])],
                )
            )
        return facts
    live = rows.select_related("requirement").prefetch_related(
        Prefetch("controls", queryset=restrict(_controls(), user)),
        Prefetch(
            "evidence",
            queryset=restrict(Evidence.objects.select_related("current_version"), user),
        ),
    )
    return [
        _Row(
            id=row.pk,
            requirement_id=row.requirement_id,
            label=str(row.requirement),
            applicable=row.applicable,
            implementation_status=row.implementation_status,
            controls=[
                {"id": c.pk, "code": c.code, "name": c.name, "status": c.status}
                for c in row.controls.all()
            ],
            evidence=[_live_evidence(e, today) for e in row.evidence.all()],
        )
        for row in live
    ]


def _controls() -> QuerySet[Any]:
    from controls.models import Control

    return Control.objects.all()


def _requirement_label(ref_id: str, name_en: str, name_ja: str) -> str:
    name = name_ja if (get_language() or "").startswith("ja") and name_ja else name_en
    return f"{ref_id} {name or name_ja}".strip()


@dataclass
class _ControlEvidence:
    """A control's evidence as the reader sees it: how much, how much is valid today, and
    the few named (``controls.selectors.evidence.control_evidence_summaries``)."""

    count: int = 0
    valid: int = 0
    named: list[dict[str, Any]] = field(default_factory=list)


def _control_evidence(
    control_ids: Iterable[int], user: Any, today: date, sample: int
) -> dict[int, _ControlEvidence]:
    """The evidence of each control, counted, with ``sample`` of them named: a fixed number
    of queries, and never every piece of evidence of every control (thousands at scale)."""
    from controls.selectors.evidence import control_evidence_summaries

    summaries = control_evidence_summaries(control_ids, user, today, sample=sample)
    return {
        pk: _ControlEvidence(
            count=summary.count,
            valid=summary.valid,
            named=[_live_evidence(e, today) for e in summary.sample],
        )
        for pk, summary in summaries.items()
    }


def _with_counts(control: dict[str, Any], found: _ControlEvidence | None) -> dict[str, Any]:
    return {
        **control,
        "url": _link("control", control["id"]),
        "evidence_count": found.count if found else 0,
        "valid_evidence_count": found.valid if found else 0,
    }


# --- Reaching an item --------------------------------------------------------------------------
def _row_reach(
    row: _Row, relationship: str, control_evidence: dict[int, _ControlEvidence]
) -> Reach:
    evidence = list(row.evidence)
    seen = {e["id"] for e in evidence}
    for control in row.controls:
        found = control_evidence.get(control["id"])
        for item in found.named if found else []:
            if item["id"] not in seen:
                seen.add(item["id"])
                evidence.append(item)
    valid = any(e["valid"] for e in row.evidence) or any(
        found.valid for c in row.controls if (found := control_evidence.get(c["id"]))
    )
    if row.applicable is not True:
        state = NONE
        reason = (
            _("Not applicable.") if row.applicable is False else _("Applicability not decided.")
        )
    elif row.implementation_status == ImplementationStatus.IMPLEMENTED:
        state = COVERED if valid else PARTLY
        reason = (
            _("Applicable and implemented, with evidence valid today.")
            if valid
            else _("Applicable and implemented, but no evidence is valid today.")
        )
    elif row.implementation_status == ImplementationStatus.PARTIAL:
        state, reason = PARTLY, _("Applicable, partially implemented.")
    else:
        state, reason = NONE, _("Applicable, not implemented.")
    return Reach(
        kind="soa_row",
        id=row.id,
        label=row.label,
        url=_link("soa_row", row.id),
        state=state,
        reason=str(reason),
        relationship=relationship,
        controls=[_with_counts(c, control_evidence.get(c["id"])) for c in row.controls],
        evidence=evidence,
    )


def _control_reach(link: ControlRequirement, found: _ControlEvidence | None) -> Reach:
    control = link.control
    valid = bool(found and found.valid)
    if control.status == ControlStatus.OPERATING:
        state = COVERED if valid else PARTLY
        reason = (
            _("Operating, with evidence valid today.")
            if valid
            else _("Operating, but no evidence is valid today.")
        )
    elif control.status == ControlStatus.RETIRED:
        state, reason = NONE, _("Retired.")
    else:
        state, reason = PARTLY, _("Not yet operating.")
    return Reach(
        kind="control",
        id=control.pk,
        label=str(control),
        url=_link("control", control.pk),
        state=state,
        reason=str(reason),
        controls=[
            _with_counts(
                {
                    "id": control.pk,
                    "code": control.code,
                    "name": control.name,
                    "status": control.status,
                },
                found,
            )
        ],
        evidence=[],  # counted on the control (``_with_counts``), named on its page
    )


_RANK = {COVERED: 0, PARTLY: 1, NONE: 2}


def framework_coverage(
    frameworks: Iterable[Framework],
    *,
    user: Any,
    version: StatementOfApplicability | None,
    today: date | None = None,
    named: int = 0,
) -> list[FrameworkCoverage]:
    """The coverage of each of ``frameworks`` by ``version`` of the SoA (None: nothing is
    covered) and by the controls satisfying their items directly, as ``user`` sees the rows,
    controls and evidence. Each result's ``items`` lists every assessable item with what
    reaches it; each control's evidence is counted, and ``named`` pieces of an implementing
    control's evidence are named (a drill-down names a few; the percentages need none). A
    fixed number of queries, whatever the sizes."""
    frameworks = list(frameworks)
    today = today or timezone.localdate()
    results = {f.pk: FrameworkCoverage(framework=f) for f in frameworks}
    if not frameworks:
        return []
    items = list(
        Requirement.objects.filter(
            framework__in=frameworks, assessable=True, withdrawn=False
        ).order_by("framework_id", "order")
    )
    item_ids = {item.pk for item in items}
    rows = _rows(version, user, today) if version is not None else []
    direct: list[ControlRequirement] = []
    # The items each SoA row's control reaches: itself, and the other end of its mappings.
    reached: dict[int, list[tuple[_Row, str]]] = defaultdict(list)
    if rows:
        by_requirement: dict[int, list[_Row]] = defaultdict(list)
        for row in rows:
            by_requirement[row.requirement_id].append(row)
            if row.requirement_id in item_ids:
                reached[row.requirement_id].append((row, ""))
        ends = list(by_requirement)
        mappings = Mapping.objects.filter(
            Q(source_id__in=ends, target__framework__in=frameworks)
            | Q(target_id__in=ends, source__framework__in=frameworks)
        ).values_list("source_id", "target_id", "relationship")
        pairs: set[tuple[int, int]] = set()
        for source, target, relationship in mappings:
            for end, item in ((source, target), (target, source)):
                if end in by_requirement and item in item_ids:
                    for row in by_requirement[end]:
                        if (row.id, item) not in pairs:
                            pairs.add((row.id, item))
                            reached[item].append((row, relationship))
    if version is not None:
        direct = list(
            restrict(ControlRequirement.objects.all(), user)
            .filter(requirement_id__in=item_ids)
            .select_related("control")
            .order_by("control__code")
        )
    # The evidence of the rows' implementing controls is named (a few each); that of the
    # controls reaching items directly is counted (hundreds may reach one framework).
    row_controls = {c["id"] for row in rows for c in row.controls}
    control_evidence = _control_evidence(row_controls, user, today, named)
    control_evidence.update(
        _control_evidence({d.control_id for d in direct} - row_controls, user, today, 0)
    )
    direct_by_item: dict[int, list[ControlRequirement]] = defaultdict(list)
    for link in direct:
        direct_by_item[link.requirement_id].append(link)
    for requirement in items:
        reaches = [
            _row_reach(row, relationship, control_evidence)
            for row, relationship in reached[requirement.pk]
        ] + [
            _control_reach(link, control_evidence.get(link.control_id))
            for link in direct_by_item[requirement.pk]
        ]
        reaches.sort(key=lambda r: (_RANK[r.state], r.kind != "soa_row", r.label))
        status = min((r.state for r in reaches), key=_RANK.__getitem__, default=NONE)
        result = results[requirement.framework_id]
        result.total += 1
        result.covered += status == COVERED
        result.partly += status == PARTLY
        result.items.append(ItemCoverage(requirement=requirement, status=status, reaches=reaches))
    return [results[f.pk] for f in frameworks]
