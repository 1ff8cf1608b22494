"""Data at the scale of DESIGN §10 for the benchmark, written straight into the database with
bulk inserts (the services would take hours for half a million rows; the benchmark measures
reading, not writing). Deterministic for a given seed. Only ever run against the benchmark's
own database (``bench.run`` makes sure of that)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from aims import urns
from aims.choices import AIType, EUAIActTier, LifecycleStage, OrganizationRole, Role
from aims.models import AISystem, BusinessUnit, ChangeRecord, Requirement
from aims.models.changelog import GENESIS_HASH, keyed_hash
from audit.models import Audit, Finding, Nonconformity
from controls.models import Control, Evidence, EvidenceVersion
from impact.models import ImpactAssessment, ImpactEntry
from risk.choices import ActionStatus, RiskStatus, TreatmentOption
from risk.defaults import create_shipped_matrices
from risk.levels import level_of
from risk.models import Risk, RiskCriteria, RiskMatrix, TreatmentAction

OFFICER, OPERATOR, PDF_OWNER = "bench_officer", "bench_operator", "bench_pdf_owner"
AUDITOR = "bench_auditor"
PDF_RISKS = 1_000  # the risks of PDF_OWNER: the 1,000-risk register report
OPERATOR_SYSTEMS = 50
CHUNK = 5_000


@dataclass
class Scale:
    systems: int = 2_000
    risks: int = 50_000
    actions: int = 20_000
    assessments: int = 10_000
    changes: int = 500_000
    controls: int = 2_000
    evidence_versions: int = 200_000
    audits: int = 500
    findings: int = 20_000
    nonconformities: int = 5_000
    seed: int = 42


def _log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def _user(username: str, role: str) -> Any:
    user, _created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": "Bench", "last_name": username, "email": f"{username}@example.com"},
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def generate(scale: Scale) -> dict[str, int]:
    """Fill the database up to ``scale`` (rows already there count) and return the counts."""
    rng = random.Random(scale.seed)
    create_shipped_matrices(RiskMatrix, RiskCriteria)
    officer, operator = (
        _user(OFFICER, Role.GOVERNANCE_OFFICER),
        _user(OPERATOR, Role.OPERATIONAL_MEMBER),
    )
    pdf_owner = _user(PDF_OWNER, Role.OPERATIONAL_MEMBER)
    owners = [
        officer,
        pdf_owner,
        *(_user(f"bench_owner_{n:02d}", Role.OPERATIONAL_MEMBER) for n in range(20)),
    ]
    _systems(scale, rng, owners, operator)
    _risks(scale, rng, owners, pdf_owner)
    _actions(scale, rng, owners)
    _assessments(scale, rng, owners)
    from bench import generate_controls

    generate_controls.controls(scale.controls, rng, owners)
    generate_controls.evidence(scale.evidence_versions, rng, owners)
    generate_controls.soa(rng, officer)
    from bench import generate_audit

    auditor = _user(AUDITOR, Role.INTERNAL_AUDITOR)
    generate_audit.audits(scale.audits, scale.findings, rng, auditor, officer)
    generate_audit.nonconformities(scale.nonconformities, rng, owners, auditor)
    _changes(scale, rng, officer)
    # As autovacuum keeps a live database: statistics for the planner, and the visibility map
    # that lets index-only scans skip the table (freshly loaded, every row would be fetched).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    _warm()
    return counts()


def _warm() -> None:
    """Read every table and index into memory once (``pg_prewarm``, when the server has it),
    as a database in use has them: else a size measured just after its data was written reads
    its pages from disk (the 10× database, 6 GB, measured twice as slow as 1× that way, raw SQL
    included) and the ratio between the sizes measures the disk, not the application."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    except DatabaseError:
        print("  pg_prewarm is not available: the tables are measured as they are cached")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 'm')"
        )


def counts() -> dict[str, int]:
    return {
        "AI systems": AISystem.objects.count(),
        "risks": Risk.objects.count(),
        "treatment actions": TreatmentAction.objects.count(),
        "impact assessments": ImpactAssessment.objects.count(),
        "change records": ChangeRecord.objects.count(),
        "controls": Control.objects.count(),
        "evidence": Evidence.objects.count(),
        "evidence versions": EvidenceVersion.objects.count(),
        "audits": Audit.objects.count(),
        "findings": Finding.objects.count(),
        "nonconformities": Nonconformity.objects.count(),
    }


@transaction.atomic
def _systems(scale: Scale, rng: random.Random, owners: list[Any], operator: Any) -> None:
    have = AISystem.objects.count()
    if have >= scale.systems:
        return
    _log(f"AI systems {have} → {scale.systems}")
    units = [
        BusinessUnit.objects.get_or_create(
            name=f"Bench unit {n:02d}", defaults={"code": f"B{n:02d}"}
        )[0]
        for n in range(20)
    ]
    stages = [s for s in LifecycleStage.values if s != LifecycleStage.RETIRED]
    today = date.today()
    AISystem.objects.bulk_create(
        (
            AISystem(
                name=f"ベンチAIシステム {n:05d}",
                version=f"{1 + n % 4}.{n % 10}",
                purpose="ベンチマーク用のAIシステム。需要予測と異常検知を行う。",
                business_unit=rng.choice(units),
                lifecycle_stage=rng.choice(stages),
                organization_roles=rng.sample(OrganizationRole.values, rng.randint(1, 2)),
                ai_type=rng.choice(AIType.values),
                eu_ai_act_tier=rng.choice(EUAIActTier.values),
                owner=rng.choice(owners),
                review_interval_days=180,
                next_review_on=today + timedelta(days=rng.randint(-60, 360)),
            )
            for n in range(have, scale.systems)
        ),
        batch_size=CHUNK,
    )
    granted = AISystem.objects.order_by("pk")[:OPERATOR_SYSTEMS]
    content_type = ContentType.objects.get_for_model(AISystem)
    permissions = Permission.objects.filter(
        content_type=content_type, codename__in=["view_aisystem", "change_aisystem"]
    )
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=operator, permission=p, content_type=content_type, object_pk=str(s.pk)
            )
            for s in granted
            for p in permissions
        ],
        ignore_conflicts=True,
    )


def _risks(scale: Scale, rng: random.Random, owners: list[Any], pdf_owner: Any) -> None:
    have = Risk.objects.count()
    if have >= scale.risks:
        return
    _log(f"risks {have} → {scale.risks}")
    matrix = RiskMatrix.objects.get(code="5x5", is_current=True)
    system_ids = list(AISystem.objects.values_list("pk", flat=True))
    categories = list(
        Requirement.objects.filter(framework__urn=urns.AI_RISK_CATEGORIES).values_list(
            "pk", flat=True
        )
    )
    today = date.today()
    pdf_have = Risk.objects.filter(owner=pdf_owner).count()
    statuses = [
        RiskStatus.OPEN,
        RiskStatus.IN_TREATMENT,
        RiskStatus.IN_TREATMENT,
        RiskStatus.ACCEPTED,
        RiskStatus.CLOSED,
    ]
    for start in range(have, scale.risks, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, scale.risks)):
            il, ii = rng.randint(1, 5), rng.randint(1, 5)
            rl, ri = rng.randint(1, il), rng.randint(1, ii)
            status = rng.choice(statuses)
            owner = pdf_owner if pdf_have < PDF_RISKS and n % 37 == 0 else rng.choice(owners[2:])
            pdf_have += owner is pdf_owner
            inherent, residual = level_of(matrix, il, ii), level_of(matrix, rl, ri)
            rows.append(
                Risk(
                    title=f"ベンチリスク {n:06d}: 学習データの偏りによる不公平な判定",
                    matrix=matrix,
                    description="ベンチマーク用のリスク。",
                    owner=owner,
                    inherent_likelihood=il,
                    inherent_impact=ii,
                    inherent_level=inherent[0],
                    inherent_rank=inherent[1],
                    residual_likelihood=rl,
                    residual_impact=ri,
                    residual_level=residual[0],
                    residual_rank=residual[1],
                    treatment_option=rng.choice(TreatmentOption.values),
                    status=status,
                    closed_reason="ベンチ" if status == RiskStatus.CLOSED else "",
                    review_interval_days=180,
                    next_review_on=today + timedelta(days=rng.randint(-90, 360)),
                )
            )
        with transaction.atomic():
            created = Risk.objects.bulk_create(rows)
            Risk.ai_systems.through.objects.bulk_create(
                Risk.ai_systems.through(risk_id=r.pk, aisystem_id=s)
                for r in created
                for s in rng.sample(system_ids, rng.randint(1, 2))
            )
            if categories:
                Risk.categories.through.objects.bulk_create(
                    Risk.categories.through(risk_id=r.pk, requirement_id=c)
                    for r in created
                    for c in rng.sample(categories, rng.randint(1, 2))
                )
        _log(f"  risks {start + len(rows)}")


def _assessments(scale: Scale, rng: random.Random, owners: list[Any]) -> None:
    """Impact assessments, five per AI system until the scale is reached, each with two
    consequences on the 3×3 matrix; most approved."""
    have = ImpactAssessment.objects.count()
    if have >= scale.assessments:
        return
    _log(f"impact assessments {have} → {scale.assessments}")
    matrix = RiskMatrix.objects.get(code="3x3", is_current=True)
    systems = list(AISystem.objects.order_by("pk").values_list("pk", "version"))
    parties = list(
        Requirement.objects.filter(framework__urn=urns.AFFECTED_PARTIES).values_list(
            "pk", flat=True
        )
    )
    areas = list(
        Requirement.objects.filter(framework__urn=urns.IMPACT_AREAS).values_list("pk", flat=True)
    )
    statuses = ["approved", "approved", "approved", "draft", "in_review"]
    today = date.today()
    for start in range(have, scale.assessments, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, scale.assessments)):
            system_id, version = systems[n % len(systems)]
            severity, likelihood = rng.randint(1, 3), rng.randint(1, 3)
            level, rank = level_of(matrix, likelihood, severity)
            status = rng.choice(statuses)
            author, approver = rng.sample(owners, 2)
            rows.append(
                ImpactAssessment(
                    ai_system_id=system_id,
                    system_version=version,
                    number=1 + n // len(systems),
                    assessed_on=today - timedelta(days=rng.randint(0, 700)),
                    responsible=author,
                    responsible_role="ベンチ責任者",
                    scope=["use"],
                    intended_use="ベンチマーク用の用途",
                    affected_parties=["individuals"],
                    potential_impacts="誤判定による不利益",
                    matrix=matrix,
                    severity=severity,
                    likelihood=likelihood,
                    level=level,
                    level_rank=rank,
                    status=status,
                    author=author,
                    owner=author,
                    approved_by=approver if status == "approved" else None,
                    approved_at=timezone.now() if status == "approved" else None,
                    review_interval_days=365,
                    next_review_on=today + timedelta(days=rng.randint(-60, 360)),
                )
            )
        with transaction.atomic():
            created = ImpactAssessment.objects.bulk_create(rows)
            entries = []
            for assessment in created:
                for k in range(2):
                    severity, likelihood = rng.randint(1, 3), rng.randint(1, 3)
                    level, rank = level_of(matrix, likelihood, severity)
                    entries.append(
                        ImpactEntry(
                            assessment=assessment,
                            party_type_id=rng.choice(parties),
                            impact_area_id=rng.choice(areas),
                            description=f"影響 {k + 1}",
                            severity=severity,
                            likelihood=likelihood,
                            level=level,
                            level_rank=rank,
                        )
                    )
            ImpactEntry.objects.bulk_create(entries)


@transaction.atomic
def _actions(scale: Scale, rng: random.Random, owners: list[Any]) -> None:
    have = TreatmentAction.objects.count()
    if have >= scale.actions:
        return
    _log(f"treatment actions {have} → {scale.actions}")
    risk_ids = list(Risk.objects.values_list("pk", flat=True))
    today = date.today()
    rows = []
    for n in range(have, scale.actions):
        status = rng.choice(ActionStatus.values)
        rows.append(
            TreatmentAction(
                risk_id=rng.choice(risk_ids),
                title=f"対策 {n:06d}",
                owner=rng.choice(owners),
                due_on=today + timedelta(days=rng.randint(-30, 180)),
                status=status,
                completed_on=today if status == ActionStatus.DONE else None,
            )
        )
    TreatmentAction.objects.bulk_create(rows, batch_size=CHUNK)


def _copy_text(value: Any) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


#: Change records written per COPY (a transaction each; the hash chain runs across them).
COPY_CHUNK = 50_000
CHANGE_COLUMNS = (
    "timestamp",
    "actor_id",
    "actor_username",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "before",
    "after",
    "source",
    "correlation_id",
    "previous_hash",
    "record_hash",
    "record_hmac",
)


def _changes(scale: Scale, rng: random.Random, actor: Any) -> None:
    """Change records with a valid hash chain, so ``verify_change_log`` still passes. Each
    record is hashed as the model hashes it (``compute_hash``), chained to the one before, and
    written with COPY a chunk at a time: memory stays flat and 5,000,000 records take minutes,
    not the hour the ORM's inserts would."""
    import io
    import json

    have = ChangeRecord.objects.count()
    if have >= scale.changes:
        return
    _log(f"change records {have} → {scale.changes}")
    kinds = [
        (
            ContentType.objects.get_for_model(Risk),
            "risk.risk",
            list(Risk.objects.values_list("pk", flat=True)[:20_000]),
        ),
        (
            ContentType.objects.get_for_model(AISystem),
            "aims.aisystem",
            list(AISystem.objects.values_list("pk", flat=True)),
        ),
    ]
    previous = (
        ChangeRecord.objects.order_by("-id").values_list("record_hash", flat=True).first()
    ) or GENESIS_HASH
    moment = timezone.now() - timedelta(days=365)
    step = timedelta(days=365) / max(1, scale.changes - have)
    before, after = {"status": "open"}, {"status": "in_treatment"}
    before_text, after_text = json.dumps(before), json.dumps(after)
    columns = ", ".join(CHANGE_COLUMNS)
    for start in range(have, scale.changes, COPY_CHUNK):
        buffer = io.StringIO()
        for n in range(start, min(start + COPY_CHUNK, scale.changes)):
            content_type, label, ids = kinds[n % 2]
            moment += step
            record = ChangeRecord(
                timestamp=moment,
                actor=actor,
                actor_username=actor.username,
                action="update",
                content_type=content_type,
                object_id=str(rng.choice(ids)),
                object_repr=f"bench {n}",
                before=before,
                after=after,
                source="command",
                correlation_id="bench",
                previous_hash=previous,
            )
            record.record_hash = record.compute_hash(model_label=label)
            record.record_hmac = keyed_hash(record.record_hash)
            previous = record.record_hash
            values = (
                record.timestamp.isoformat(),
                actor.pk,
                record.actor_username,
                record.action,
                content_type.pk,
                record.object_id,
                record.object_repr,
                before_text,
                after_text,
                record.source,
                record.correlation_id,
                record.previous_hash,
                record.record_hash,
                record.record_hmac,
            )
            buffer.write("\t".join(_copy_text(v) for v in values))
            buffer.write("\n")
        buffer.seek(0)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {ChangeRecord._meta.db_table} ({columns}) FROM STDIN", buffer)
        if (start // COPY_CHUNK) % 10 == 0:
            _log(f"  change records {min(start + COPY_CHUNK, scale.changes)}")
