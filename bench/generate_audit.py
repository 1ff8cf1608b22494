"""The audit part of the benchmark's data (``bench.generate``): one programme, its audits
with their sampled AI systems, scope and checklist, findings, and nonconformities with their
corrective actions. Bulk inserts, deterministic for a seed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from aims import urns
from aims.choices import ApprovalStatus
from aims.models import AISystem, Requirement
from audit.choices import (
    AuditStatus,
    ChecklistResult,
    FindingKind,
    NonconformitySource,
    NonconformityStatus,
    Severity,
)
from audit.models import (
    Audit,
    AuditProgramme,
    ChecklistRow,
    CorrectiveAction,
    Finding,
    Nonconformity,
)

CHUNK = 5_000


def _log(message: str) -> None:
    from bench.generate import _log as log

    log(message)


@transaction.atomic
def audits(count: int, findings: int, rng: random.Random, auditor: Any, approver: Any) -> None:
    have = Audit.objects.count()
    if have >= count:
        return
    _log(f"audits {have} → {count}, findings → {findings}")
    today = date.today()
    programme = AuditProgramme.objects.filter(
        code="BENCH"
    ).first() or AuditProgramme.objects.create(
        code="BENCH",
        title="ベンチ監査プログラム",
        period_start=today - timedelta(days=365),
        period_end=today + timedelta(days=365),
        author=auditor,
        status=ApprovalStatus.APPROVED,
        approved_by=approver,
        approved_at=timezone.now(),
    )
    requirements = list(
        Requirement.objects.filter(framework__urn=urns.ISO_42001, assessable=True)
        .order_by("order")
        .values_list("pk", flat=True)
    )
    systems = list(AISystem.objects.order_by("pk").values_list("pk", flat=True))
    made = Audit.objects.bulk_create(
        Audit(
            programme=programme,
            title=f"ベンチ内部監査 {n:04d}",
            owner=auditor,
            period_start=today - timedelta(days=rng.randint(100, 700)),
            period_end=today - timedelta(days=rng.randint(0, 99)),
            status=rng.choice(AuditStatus.values),
            scope_description="ベンチマーク用の監査範囲。",
        )
        for n in range(have, count)
    )
    system_links, requirement_links, rows = [], [], []
    for audit in made:
        for system in rng.sample(systems, 2):
            system_links.append(Audit.ai_systems.through(audit_id=audit.pk, aisystem_id=system))
        scope = rng.sample(requirements, 10)
        for order, requirement in enumerate(scope):
            requirement_links.append(
                Audit.requirements.through(audit_id=audit.pk, requirement_id=requirement)
            )
            rows.append(
                ChecklistRow(
                    audit=audit,
                    requirement_id=requirement,
                    order=order,
                    result=rng.choice(ChecklistResult.values),
                )
            )
    Audit.ai_systems.through.objects.bulk_create(system_links, batch_size=CHUNK)
    Audit.requirements.through.objects.bulk_create(requirement_links, batch_size=CHUNK)
    ChecklistRow.objects.bulk_create(rows, batch_size=CHUNK)
    each = max(1, findings // max(1, len(made)))
    scope_of = {}
    for link in requirement_links:
        scope_of.setdefault(link.audit_id, []).append(link.requirement_id)
    Finding.objects.bulk_create(
        (
            Finding(
                audit=audit,
                requirement_id=rng.choice(scope_of[audit.pk]),
                kind=rng.choice(FindingKind.values),
                title=f"所見 {audit.pk}-{n}",
                description="ベンチマーク用の所見。",
            )
            for audit in made
            for n in range(each)
        ),
        batch_size=CHUNK,
    )


@transaction.atomic
def nonconformities(count: int, rng: random.Random, owners: list[Any], auditor: Any) -> None:
    have = Nonconformity.objects.count()
    if have >= count:
        return
    _log(f"nonconformities {have} → {count}")
    today = date.today()
    findings = list(
        Finding.objects.filter(
            kind__in=[FindingKind.MINOR_NONCONFORMITY, FindingKind.MAJOR_NONCONFORMITY],
            nonconformity__isnull=True,
        ).values_list("pk", "requirement_id")[: count - have]
    )
    systems = list(AISystem.objects.order_by("pk").values_list("pk", flat=True))
    open_statuses = [s for s in NonconformityStatus.values if s != NonconformityStatus.CLOSED]
    made = Nonconformity.objects.bulk_create(
        (
            Nonconformity(
                reference=f"NC-B-{n:06d}",
                title=f"ベンチ不適合 {n:06d}",
                description="ベンチマーク用の不適合。",
                source=NonconformitySource.AUDIT_FINDING if n < len(findings) else "incident",
                finding_id=findings[n][0] if n < len(findings) else None,
                requirement_id=findings[n][1] if n < len(findings) else None,
                severity=rng.choice(Severity.values),
                status=rng.choice(open_statuses),
                raised_on=today - timedelta(days=rng.randint(0, 400)),
                due_on=today + timedelta(days=rng.randint(-60, 120)),
                owner=rng.choice(owners),
            )
            for n in range(have, count)
        ),
        batch_size=CHUNK,
    )
    Nonconformity.ai_systems.through.objects.bulk_create(
        (
            Nonconformity.ai_systems.through(
                nonconformity_id=nc.pk, aisystem_id=rng.choice(systems)
            )
            for nc in made
        ),
        batch_size=CHUNK,
    )
    CorrectiveAction.objects.bulk_create(
        (
            CorrectiveAction(
                nonconformity=nc,
                title=f"是正処置 {nc.pk}",
                owner=rng.choice(owners),
                due_on=today + timedelta(days=rng.randint(-30, 90)),
            )
            for nc in made
        ),
        batch_size=CHUNK,
    )
