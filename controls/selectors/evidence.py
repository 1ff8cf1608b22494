"""Every read of evidence. Selectors without a ``user`` shape rows and are restricted by the
base views (``aims.scope.restrict``); those with a ``user`` restrict themselves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from aims.models import AISystem
from aims.roles import Capability, has_capability
from aims.scope import VIEW, restrict
from controls.choices import EvidenceReview
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlTest,
    Evidence,
    EvidenceLink,
    EvidenceVersion,
)

#: Evidence expiring within this many days counts as "expiring".
EXPIRING_DAYS = 30


def evidence_rows() -> QuerySet[Evidence]:
    """Evidence with what a list shows: owner, current version, AI systems."""
    return Evidence.objects.select_related(
        "owner", "current_version", "current_version__uploaded_by"
    ).prefetch_related(
        Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version"))
    )


def evidence_for_api() -> QuerySet[Evidence]:
    """Evidence with every relation its API representation reads."""
    return evidence_rows().prefetch_related(
        Prefetch("controls", queryset=Control.objects.only("id", "code")),
        Prefetch("control_tests", queryset=ControlTest.objects.only("id")),
        "clause_assessments",
        Prefetch("links", queryset=EvidenceLink.objects.select_related("content_type")),
        Prefetch(
            "applicability_statements",
            queryset=ApplicabilityStatement.objects.only("id", "soa_id"),
        ),
    )


def evidence_details() -> QuerySet[Evidence]:
    """Evidence with everything its page reads."""
    versions = EvidenceVersion.objects.select_related("uploaded_by", "reviewed_by").order_by(
        "-number"
    )
    return evidence_rows().prefetch_related(
        Prefetch("versions", queryset=versions),
        Prefetch("controls", queryset=Control.objects.order_by("code")),
        Prefetch("control_tests", queryset=ControlTest.objects.select_related("control")),
        Prefetch("clause_assessments", queryset=_clause_assessments()),
        Prefetch("links", queryset=EvidenceLink.objects.select_related("content_type")),
        Prefetch(
            "applicability_statements",
            queryset=ApplicabilityStatement.objects.select_related("soa", "requirement"),
        ),
    )


def _clause_assessments() -> QuerySet[Any]:
    from aims.models import ClauseAssessment

    return ClauseAssessment.objects.select_related("requirement")


def evidence_versions() -> QuerySet[EvidenceVersion]:
    return EvidenceVersion.objects.select_related(
        "evidence", "evidence__owner", "uploaded_by", "reviewed_by"
    ).order_by("evidence_id", "-number")


def valid_on(day: date, prefix: str = "") -> Q:
    """The condition "valid on ``day``" of evidence (reached by ``prefix``, e.g.
    ``"evidence__"`` from a link): it has a current version (never a rejected one: the
    services make the newest version not rejected current), which describes a period that
    started by then, and ``valid_until`` is empty or not before ``day``; read from the
    evidence row alone (its copies of the current version's dates)."""
    return (
        (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": day}))
        & Q(**{f"{prefix}current_version__isnull": False})
        & Q(**{f"{prefix}current_effective_from__lte": day})
    )


def _valid(evidence: Evidence, day: date) -> bool:
    """``valid_on`` of one piece of evidence already read."""
    return (
        evidence.current_version_id is not None
        and evidence.current_effective_from is not None
        and evidence.current_effective_from <= day
        and (evidence.valid_until is None or evidence.valid_until >= day)
    )


def evidence_valid_on(queryset: QuerySet[Evidence], day: date) -> QuerySet[Evidence]:
    """Evidence whose current version is valid on ``day`` (``valid_on``)."""
    return queryset.filter(valid_on(day))


@dataclass
class EvidenceSummary:
    """The evidence of one control as a reader sees it: how much, how much is valid on the
    day asked, and a few of them (valid first, then by title) to name."""

    count: int = 0
    valid: int = 0
    sample: list[Evidence] = field(default_factory=list)


#: How many pieces of evidence a summary names.
SUMMARY_SAMPLE = 5


def control_evidence_summaries(
    control_ids: Iterable[int], user: Any, day: date, *, sample: int = SUMMARY_SAMPLE
) -> dict[int, EvidenceSummary]:
    """For each control: its evidence that ``user`` sees (None: all) counted, the part valid
    on ``day``, and ``sample`` of them, in two queries whatever the numbers. A control of a
    busy system may hold thousands of pieces of evidence; the SoA checks and the coverage of
    other frameworks need only whether one is valid, and pages name a few."""
    ids = sorted(set(control_ids))
    if not ids:
        return {}
    links = Evidence.controls.through.objects.filter(control_id__in=ids)
    if user is not None:
        evidence = restrict(Evidence.objects.all(), user, VIEW)
        if evidence.query.where:  # a reader who sees only some of it
            links = links.filter(evidence_id__in=evidence.values("pk"))
    links = links.annotate(
        valid=ExpressionWrapper(valid_on(day, "evidence__"), output_field=BooleanField())
    )
    found: dict[int, EvidenceSummary] = {pk: EvidenceSummary() for pk in ids}
    counts = links.values("control_id").annotate(
        n=Count("evidence_id"), v=Count("evidence_id", filter=Q(valid=True))
    )
    for row in counts.order_by():
        found[row["control_id"]].count = row["n"]
        found[row["control_id"]].valid = row["v"]
    if sample <= 0:
        return found
    ranked = (
        links.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("control_id")],
                order_by=[F("valid").desc(), F("evidence__title").asc(), F("evidence_id").asc()],
            )
        )
        .filter(rank__lte=sample)  # type: ignore[misc]  # django-stubs: a window annotation
        .values_list("control_id", "evidence_id")
    )
    chosen = list(ranked)
    pieces = Evidence.objects.select_related("current_version").in_bulk(
        {evidence_id for _control_id, evidence_id in chosen}
    )
    by_control: dict[int, list[Evidence]] = {}
    for control_id, evidence_id in chosen:
        by_control.setdefault(control_id, []).append(pieces[evidence_id])
    for control_id, items in by_control.items():
        # valid first, then by title (the window's order), as the page names them
        found[control_id].sample = sorted(items, key=lambda e: (not _valid(e, day), e.title, e.pk))
    return found


def evidence_expired(queryset: QuerySet[Evidence], day: date | None = None) -> QuerySet[Evidence]:
    return queryset.filter(valid_until__lt=day or timezone.localdate())


def evidence_expiring(queryset: QuerySet[Evidence], day: date | None = None) -> QuerySet[Evidence]:
    """Valid today, expiring within ``EXPIRING_DAYS``."""
    today = day or timezone.localdate()
    return queryset.filter(
        valid_until__gte=today, valid_until__lte=today + timedelta(days=EXPIRING_DAYS)
    )


def freshness(evidence: Evidence, today: date | None = None) -> str:
    """``none`` (no version yet), ``rejected``, ``expired``, ``expiring`` or ``valid``."""
    today = today or timezone.localdate()
    version = evidence.current_version
    if version is None:
        return "none"
    if version.review_status == EvidenceReview.REJECTED:
        return "rejected"
    if evidence.valid_until is not None and evidence.valid_until < today:
        return "expired"
    if evidence.valid_until is not None and evidence.valid_until <= today + timedelta(
        days=EXPIRING_DAYS
    ):
        return "expiring"
    return "valid"


def evidence_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Evidence]:
    """The evidence ``user`` may see (``filters``: ``ai_system``, ``control``)."""
    rows = restrict(evidence_rows(), user, VIEW)
    filters = filters or {}
    if filters.get("ai_system"):
        rows = rows.filter(ai_systems=filters["ai_system"])
    if filters.get("control"):
        rows = rows.filter(controls=filters["control"])
    return rows


def evidence_linked_to(record: Model, user: Any) -> list[Evidence]:
    """The evidence linked to ``record`` that ``user`` may see: directly (a control, a control
    test, a clause assessment, an SoA row) or through ``EvidenceLink`` (records of other
    apps), in a fixed number of queries."""
    rows = evidence_rows()
    if isinstance(record, Control):
        rows = rows.filter(controls=record)
    elif isinstance(record, ControlTest):
        rows = rows.filter(control_tests=record)
    elif isinstance(record, ApplicabilityStatement):
        rows = rows.filter(applicability_statements=record)
    elif record._meta.label == "aims.ClauseAssessment":
        rows = rows.filter(clause_assessments=record.pk)
    else:
        links = EvidenceLink.objects.filter(
            evidence=OuterRef("pk"),
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
        )
        rows = rows.filter(Exists(links))
    return list(restrict(rows, user, VIEW).order_by("title", "id"))


def evidence_awaiting_review(user: Any) -> QuerySet[EvidenceVersion] | None:
    """Submitted versions ``user`` may review: of evidence they own or, with the right to
    approve, any they see; never versions they uploaded. Only a piece of evidence's current
    version waits for a review: one a newer version has replaced no longer counts."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    # Read through the evidence's own copy of its current version's state (an index of the
    # evidence awaiting review), not by walking every version ever submitted.
    # Uploaded by anyone else, or by nobody left: as ranges of the index on either side of
    # the reader, so a reader who uploaded most of what waits (an officer who submits for
    # others to review) costs nothing to ask; ``!=`` would read all of theirs first.
    others = (
        Q(evidence__current_uploaded_by__lt=user.pk)
        | Q(evidence__current_uploaded_by__gt=user.pk)
        | Q(evidence__current_uploaded_by__isnull=True)
    )
    rows = evidence_versions().filter(
        others, evidence__awaiting_review=True, evidence__current_version=F("pk")
    )
    if not has_capability(user, Capability.APPROVE):
        rows = rows.filter(evidence__owner_id=user.pk)
    return restrict(rows, user, VIEW).order_by("created_at", "pk")


def evidence_version_in_period(
    evidence: Evidence, start: date, end: date
) -> EvidenceVersion | None:
    """The version of ``evidence`` an evidence pack of the period ``start`` … ``end`` cites:
    the newest version not rejected whose described period overlaps it (a version without an
    end describes the day it starts). Its effective period decides, not its upload date: a
    report on a year is often uploaded after the year ended."""
    ends = Q(effective_until__isnull=True, effective_from__gte=start) | Q(
        effective_until__gte=start
    )
    return (
        evidence.versions.exclude(review_status=EvidenceReview.REJECTED)
        .filter(ends, effective_from__lte=end)
        .order_by("-number")
        .first()
    )


def evidence_link_targets(evidence: Evidence, user: Any) -> list[Model]:
    """The records of other apps ``evidence`` is linked to (``EvidenceLink``) that ``user``
    may see: one query per kind of record, never a record hidden from them."""
    ids: dict[int, list[int]] = {}
    for link in evidence.links.all():
        ids.setdefault(link.content_type_id, []).append(link.object_id)
    found: list[Model] = []
    for content_type_id, object_ids in ids.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        rows = restrict(model._default_manager.filter(pk__in=object_ids), user, VIEW)
        found.extend(rows)
    return found


def visible_link_keys(evidence: list[Evidence], user: Any) -> set[tuple[int, int]]:
    """``(content type id, object id)`` of the records linked to ``evidence`` (links
    prefetched) that ``user`` may see: one query per kind of record for the whole list."""
    ids: dict[int, set[int]] = {}
    for item in evidence:
        for link in item.links.all():
            ids.setdefault(link.content_type_id, set()).add(link.object_id)
    keys: set[tuple[int, int]] = set()
    for content_type_id, object_ids in ids.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        rows = restrict(model._default_manager.filter(pk__in=object_ids), user, VIEW)
        keys |= {(content_type_id, pk) for pk in rows.values_list("pk", flat=True)}
    return keys
