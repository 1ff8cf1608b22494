# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""Demo nonconformities (Japanese), loaded after the audit demo (order 310): the
nonconformities of the demo audit's nonconformity findings (the first minor one answered,
its corrective action done, verified effective by the demo auditor and closed; the next one
open with an action in progress owned by the operator), and one from an incident raised by the
officer. Without the audit demo's findings, only the incident's. Never reference data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from aims.models import AISystem
from audit.choices import (
    NONCONFORMITY_KINDS,
    ActionStatus,
    CauseCategory,
    FindingKind,
    NonconformitySource,
    Severity,
    VerificationResult,
)
from audit.models import Finding, Nonconformity
from audit.services.nonconformities import (
    corrective_action_create,
    nonconformity_close,
    nonconformity_create,
    nonconformity_submit,
    nonconformity_update,
    nonconformity_verify,
)

INCIDENT_TITLE = "製品不良検知AIの誤検知率が監視しきい値を超過"


def _nc_of(finding: Finding, auditor: Any, owner: Any) -> Nonconformity:
    """The finding's nonconformity: opened by the audit demo when its finding service opens
    one, else here."""
    existing = Nonconformity.objects.filter(finding=finding).first()
    if existing is not None:
        if existing.owner_id is None:
            nonconformity_update(actor=auditor, nonconformity=existing, owner=owner)
        return existing
    severity = Severity.MAJOR if finding.kind == FindingKind.MAJOR_NONCONFORMITY else Severity.MINOR
    return nonconformity_create(
        actor=auditor,
        source=NonconformitySource.AUDIT_FINDING,
        finding=finding,
        title=finding.title,
        description=finding.description,
        requirement=finding.requirement,
        severity=severity,
        ai_systems=list(finding.audit.ai_systems.all()),
        owner=owner,
        raised_on=min(timezone.localdate(), finding.audit.fieldwork_end or timezone.localdate()),
    )


def _closed_loop(nc: Nonconformity, users: dict[str, Any]) -> None:
    operator, auditor = users["operator"], users["auditor"]
    today = timezone.localdate()
    nonconformity_update(
        actor=operator,
        nonconformity=nc,
        correction="該当する記録を直ちに補完し、責任者の承認を得た。",
        corrected_on=min(today, nc.raised_on + timedelta(days=3)),
        why_chain=[
            "記録が作成されていなかった。",
            "担当者が記録の作成を必要な手順と認識していなかった。",
            "手順書に記録の作成と保管の責任者が明記されていなかった。",
        ],
        root_cause="手順書に記録の作成責任者と保管期限が定められていなかった。",
        cause_category=CauseCategory.PROCESS,
        similar_elsewhere="他のAIシステムの手順書も点検し、同様の不備がないことを確認した。",
    )
    action = corrective_action_create(
        actor=operator,
        nonconformity=nc,
        title="手順書を改訂し記録の作成責任者と保管期限を明記する",
        description="改訂版を承認し、担当者に周知する。",
        owner=operator,
        due_on=nc.raised_on + timedelta(days=20),
        status=ActionStatus.IN_PROGRESS,
    )
    from audit.services.nonconformities import corrective_action_complete

    corrective_action_complete(
        actor=operator, action=action, completed_on=min(today, nc.raised_on + timedelta(days=14))
    )
    nonconformity_submit(actor=operator, nonconformity=nc)
    nonconformity_verify(
        actor=auditor,
        nonconformity=nc,
        result=VerificationResult.EFFECTIVE,
        note="改訂後の手順書に基づく記録3件をサンプリングし、欠落がないことを確認した。",
    )
    nonconformity_close(actor=auditor, nonconformity=nc)


def _open_loop(nc: Nonconformity, users: dict[str, Any]) -> None:
    operator = users["operator"]
    nonconformity_update(
        actor=operator,
        nonconformity=nc,
        correction="暫定措置として、対象期間の評価結果を再確認した。",
        corrected_on=min(timezone.localdate(), nc.raised_on + timedelta(days=5)),
        why_chain=[
            "評価結果のレビューが実施されていなかった。",
            "レビューの頻度が定められていなかった。",
        ],
        root_cause="評価結果のレビュー頻度と担当者が定められていなかった。",
        cause_category=CauseCategory.GOVERNANCE,
    )
    corrective_action_create(
        actor=operator,
        nonconformity=nc,
        title="評価結果の月次レビューを運用手順に組み込む",
        owner=operator,
        due_on=timezone.localdate() + timedelta(days=30),
        status=ActionStatus.IN_PROGRESS,
    )


def load(*, users: dict[str, Any]) -> None:
    operator, officer = users["operator"], users["officer"]
    findings = list(
        Finding.objects.filter(kind__in=NONCONFORMITY_KINDS)
        .select_related("audit", "requirement")
        .order_by("audit_id", "id")
    )
    for index, finding in enumerate(findings[:2]):
        nc = _nc_of(finding, users["auditor"], operator)
        if nc.actions.exists() or nc.status != "open":
            continue  # loaded before
        if index == 0:
            _closed_loop(nc, users)
        else:
            _open_loop(nc, users)
    if Nonconformity.objects.filter(title=INCIDENT_TITLE).exists():
        return
    today = timezone.localdate()
    systems = list(AISystem.objects.filter(name="製品不良検知AI"))
    nc = nonconformity_create(
        actor=officer,
        source=NonconformitySource.INCIDENT,
        title=INCIDENT_TITLE,
        description="運用監視で誤検知率が2週連続で監視しきい値（3%）を超過した。ライン停止が2件発生した。",
        severity=Severity.MINOR,
        ai_systems=systems,
        owner=operator,
        raised_on=today - timedelta(days=10),
        due_on=today + timedelta(days=20),
    )
    nonconformity_update(
        actor=operator,
        nonconformity=nc,
        correction="しきい値を一時的に引き上げ、誤検知品を人手で再検査する運用に切り替えた。",
        corrected_on=today - timedelta(days=9),
    )
