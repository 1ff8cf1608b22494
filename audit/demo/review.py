"""The demo management review (Japanese): the review of the fiscal year, prepared by the
officer, held today with the executive (top management) attending, its inputs annotated,
three decisions with their actions (one done), signed off by the executive, which froze the
inputs as they stood."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from audit.choices import ActionStatus, ReviewInput
from audit.models import ManagementReview
from audit.services import review as services

CODE = "MR-FY"

NOTES = {
    ReviewInput.PREVIOUS_ACTIONS: "前回のマネジメントレビューはないため、今回が初回である。",
    ReviewInput.EXTERNAL_INTERNAL_ISSUES: (
        "生成AIの業務利用の拡大と、取引先からのAIガバナンスに関する要求の高まりを確認した。"
    ),
    ReviewInput.NONCONFORMITIES: (
        "内部監査で検出された軽微な不適合は是正処置の有効性が確認され、完了した。"
        "残る不適合は期限内の対応を求める。"
    ),
    ReviewInput.RISKS: (
        "リスク基準を超えるリスクについて、リスク対応の進捗を四半期ごとに報告することとした。"
    ),
    ReviewInput.SOA: "期限切れの証拠を更新し、適用宣言書の次版で反映する。",
    ReviewInput.IMPROVEMENT: "改善の機会として、モデル監視の自動化を検討する。",
}

ACTIONS = [
    (
        "AIリスクアセスメントの手順を改訂し、生成AIの新たなリスク源を追加する。",
        "リスクアセスメント手順書の改訂",
        60,
        ActionStatus.IN_PROGRESS,
    ),
    (
        "AIガバナンス教育を全従業員に実施し、力量の記録を残す。",
        "全従業員向けAIガバナンス教育の実施",
        120,
        ActionStatus.PLANNED,
    ),
    (
        "期限切れの証拠を更新する責任者を明確にする。",
        "証拠の更新責任者の任命",
        -1,
        ActionStatus.DONE,
    ),
]


def _fiscal_year_start(day: date) -> date:
    """April 1 of the Japanese fiscal year containing ``day``."""
    year = day.year if day.month >= 4 else day.year - 1
    return date(year, 4, 1)


def load(*, users: dict[str, Any]) -> None:
    officer, executive = users["officer"], users["executive"]
    if ManagementReview.objects.filter(code=CODE).exists():
        return  # loaded already
    today = timezone.localdate()
    start = _fiscal_year_start(today)
    review = services.management_review_create(
        actor=officer,
        code=CODE,
        title=f"{start.year}年度 マネジメントレビュー",
        held_on=today,
        period_start=start,
        attendees=[executive, officer],
        other_attendees="情報システム部長、品質保証部長",
        minutes=(
            "AIマネジメントシステムの状況について、9.3.2の各インプットを確認した。"
            "内部監査の結果、不適合と是正処置、リスク対応の状況を中心に議論した。"
        ),
        conclusions=(
            "AIマネジメントシステムは適切、妥当かつ有効であると判断する。"
            "ただし、リスクアセスメント手順と教育について改善を行う。"
        ),
    )
    for section, text in NOTES.items():
        services.management_review_annotate(
            actor=officer, review=review, section=section, text=text
        )
    for decision, title, days, status in ACTIONS:
        action = services.review_action_create(
            actor=officer,
            review=review,
            decision=decision,
            title=title,
            owner=officer,
            due_on=today + timedelta(days=days),
        )
        if status == ActionStatus.DONE:
            services.review_action_complete(actor=officer, action=action, completed_on=today)
        elif status != ActionStatus.PLANNED:
            services.review_action_update(actor=officer, action=action, status=status)
    review = services.management_review_submit(actor=officer, review=review)
    services.management_review_sign_off(actor=executive, review=review)
