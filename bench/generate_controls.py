"""The controls part of the benchmark's data (``bench.generate``): the organisation's
controls with their requirements and AI systems, evidence with its versions, and a Statement
of Applicability whose 38 rows cite them. Bulk inserts, deterministic for a seed."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction

from aims import urns
from aims.models import AISystem, Requirement
from controls.choices import (
    ControlStatus,
    ControlType,
    EvidenceReview,
    ImplementationStatus,
    JustificationType,
)
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlRequirement,
    Evidence,
    EvidenceVersion,
    StatementOfApplicability,
)

CHUNK = 5_000
#: Versions per piece of evidence: 200,000 versions are 40,000 pieces of five versions.
VERSIONS_EACH = 5


def _log(message: str) -> None:
    from bench.generate import _log as log

    log(message)


def annex_a() -> list[int]:
    return list(
        Requirement.objects.filter(
            framework__urn=urns.ISO_42001, assessable=True, ref_id__startswith="A."
        )
        .order_by("order")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def controls(count: int, rng: random.Random, owners: list[Any]) -> None:
    have = Control.objects.count()
    if have >= count:
        return
    _log(f"controls {have} → {count}")
    annex = annex_a()
    others = list(
        Requirement.objects.filter(framework__urn=urns.METI_GUIDELINES, assessable=True)
        .order_by("order")
        .values_list("pk", flat=True)
    )
    systems = list(AISystem.objects.order_by("pk").values_list("pk", flat=True))
    today = date.today()
    Control.objects.bulk_create(
        (
            Control(
                code=f"BC-{n:05d}",
                name=f"ベンチ管理策 {n:05d}",
                description="ベンチマーク用の管理策。モデルの変更を記録し、承認を得てから展開する。",
                control_type=rng.choice(ControlType.values),
                status=rng.choice(ControlStatus.values),
                owner=rng.choice(owners),
                review_interval_days=365,
                next_review_on=today + timedelta(days=rng.randint(-30, 360)),
                test_interval_days=180,
                last_tested_on=today - timedelta(days=rng.randint(0, 400)),
                last_test_result=rng.choice(["effective", "partly_effective", "not_effective"]),
            )
            for n in range(have, count)
        ),
        batch_size=CHUNK,
    )
    new = list(Control.objects.filter(pk__gt=0).order_by("pk").values_list("pk", flat=True))[have:]
    links = []
    system_links = []
    through = Control.ai_systems.through
    for pk in new:
        for requirement in rng.sample(annex, 2) + rng.sample(others, 1):
            links.append(ControlRequirement(control_id=pk, requirement_id=requirement))
        if rng.random() < 0.6:  # the others are organisation-wide
            for system in rng.sample(systems, 2):
                system_links.append(through(control_id=pk, aisystem_id=system))
    ControlRequirement.objects.bulk_create(links, batch_size=CHUNK, ignore_conflicts=True)
    through.objects.bulk_create(system_links, batch_size=CHUNK, ignore_conflicts=True)


def evidence(versions: int, rng: random.Random, owners: list[Any]) -> None:
    """Evidence, five versions each, the copies of its current version that the services keep
    set as it is made, and the current version linked by one UPDATE a chunk (bulk_update's
    CASE per row would dominate at 400,000 pieces)."""
    pieces = versions // VERSIONS_EACH
    have = Evidence.objects.count()
    if have >= pieces:
        return
    _log(f"evidence {have} → {pieces} ({versions} versions)")
    control_ids = list(Control.objects.values_list("pk", flat=True))
    systems = list(AISystem.objects.order_by("pk").values_list("pk", flat=True))
    today = date.today()
    step = CHUNK // VERSIONS_EACH
    for start in range(have, pieces, step):
        stop = min(start + step, pieces)
        # Each piece's versions: when each begins and until when it is valid.
        plans = []
        for _n in range(start, stop):
            first = today - timedelta(days=rng.randint(200, 900))
            plans.append(
                [
                    (
                        first + timedelta(days=90 * (number - 1)),
                        first
                        + timedelta(days=90 * (number - 1))
                        + timedelta(days=rng.randint(120, 500)),
                    )
                    for number in range(1, VERSIONS_EACH + 1)
                ]
            )
        with transaction.atomic():
            made = Evidence.objects.bulk_create(
                Evidence(
                    title=f"ベンチ証拠 {n:06d} テスト報告書",
                    description="ベンチマーク用の証拠。",
                    owner=rng.choice(owners),
                    review_interval_days=365,
                    next_review_on=today + timedelta(days=rng.randint(-30, 360)),
                    valid_until=plan[-1][1],
                    current_effective_from=plan[-1][0],
                    awaiting_review=True,  # every version is submitted, none reviewed
                    current_uploaded_by=owners[0],
                )
                for n, plan in zip(range(start, stop), plans, strict=True)
            )
            rows = []
            for piece, plan in zip(made, plans, strict=True):
                for number, (begins, valid_until) in enumerate(plan, start=1):
                    digest = hashlib.sha256(f"{piece.pk}:{number}".encode()).hexdigest()
                    rows.append(
                        EvidenceVersion(
                            evidence=piece,
                            number=number,
                            url=f"https://ci.example.com/reports/{piece.pk}/{number}"
                            if number % 2
                            else "",
                            file="" if number % 2 else f"evidence/bench/{digest}.pdf",
                            file_name="" if number % 2 else "report.pdf",
                            file_size=None if number % 2 else 20_000,
                            file_sha256="" if number % 2 else digest,
                            content_type="" if number % 2 else "application/pdf",
                            effective_from=begins,
                            effective_until=begins + timedelta(days=89),
                            valid_until=valid_until,
                            uploaded_by=owners[0],
                            review_status=EvidenceReview.SUBMITTED,
                        )
                    )
            EvidenceVersion.objects.bulk_create(rows)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Evidence._meta.db_table} e SET current_version_id = v.id "
                    f"FROM {EvidenceVersion._meta.db_table} v WHERE v.evidence_id = e.id "
                    "AND v.number = %s AND e.id BETWEEN %s AND %s",
                    [VERSIONS_EACH, min(p.pk for p in made), max(p.pk for p in made)],
                )
            control_links = Evidence.controls.through
            control_links.objects.bulk_create(
                (
                    control_links(evidence_id=piece.pk, control_id=rng.choice(control_ids))
                    for piece in made
                ),
                ignore_conflicts=True,
            )
            system_links = Evidence.ai_systems.through
            system_links.objects.bulk_create(
                (
                    system_links(evidence_id=piece.pk, aisystem_id=rng.choice(systems))
                    for piece in made
                    if rng.random() < 0.7
                ),
                ignore_conflicts=True,
            )
        if (start // step) % 20 == 0:
            _log(f"  evidence {stop}")


@transaction.atomic
def soa(rng: random.Random, officer: Any) -> None:
    """One draft SoA with a row for each Annex A control, each citing the controls that
    satisfy it (a few) and evidence of those controls."""
    version = StatementOfApplicability.objects.order_by("-number").first()
    if version is None:
        version = StatementOfApplicability.objects.create(author=officer, owner=officer)
    # Loading the library made the 38 rows already (empty): fill those no control cites yet.
    existing = {row.requirement_id: row for row in version.rows.all()}
    if any(row.controls.exists() for row in existing.values()):
        return
    _log("Statement of Applicability, 38 rows")
    for requirement in annex_a():
        applicable = rng.random() < 0.9
        fields = {
            "applicable": applicable,
            "justification_type": JustificationType.RISK_TREATMENT
            if applicable
            else JustificationType.GOOD_PRACTICE,
            "justification": "リスク対応の結果として適用する。"
            if applicable
            else "該当する業務がない。",
            "implementation_status": rng.choice(ImplementationStatus.values),
            "owner": officer,
        }
        row = existing.get(requirement)
        if row is None:
            row = ApplicabilityStatement.objects.create(
                soa=version, requirement_id=requirement, **fields
            )
        else:
            ApplicabilityStatement.objects.filter(pk=row.pk).update(**fields)
        implementing = list(
            Control.objects.filter(requirements=requirement).values_list("pk", flat=True)[:8]
        )
        row.controls.set(implementing)
        row.evidence.set(
            Evidence.objects.filter(controls__in=implementing).values_list("pk", flat=True)[:10]
        )
