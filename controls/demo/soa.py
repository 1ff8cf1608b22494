# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""The demo organisation's Statement of Applicability, in Japanese: a justification for each
of the 38 Annex A controls (three excluded, with the reason), the demo controls that satisfy
each control as its implementing controls and their evidence, version 1 approved (written by
the officer, approved by top management), then a version 2 draft with a few changes.

Loaded by ``load_demo`` after the other demos (order 200), so it reads the demo controls
(``CTL-001``…) and evidence when they exist; without them the applicable rows have no
implementing control yet, and the checks that raises are waived with the reason. Never part
of the reference data."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from aims.choices import ApprovalStatus
from controls.models import Control, Evidence, StatementOfApplicability
from controls.selectors.soa import requirement_reliances, soa_rows
from controls.services import soa as services
from controls.services.soa import evidence_valid

RISK, IMPACT, LEGAL, PARTY, PRACTICE = (
    "risk_treatment",
    "impact_assessment",
    "legal",
    "interested_party",
    "good_practice",
)

#: ref_id → (applicable, justification type, justification).
ROWS: dict[str, tuple[bool, str, str]] = {
    "A.2.2": (
        True,
        LEGAL,
        "取引先との契約でAIの利用方針の提示を求められており、経営会議で承認したAI方針を全社に周知している。",
    ),
    "A.2.3": (
        True,
        PRACTICE,
        "情報セキュリティ方針及び個人情報保護方針とAI方針の間で矛盾が生じないよう、改定時に相互参照を確認する。",
    ),
    "A.2.4": (
        True,
        PRACTICE,
        "AI方針は年1回及び重大な変化の後に見直し、マネジメントレビューで結果を報告する。",
    ),
    "A.3.2": (
        True,
        PRACTICE,
        "AIシステムごとに責任者を定め、AI統括責任者が全体を監督する体制をとる。",
    ),
    "A.3.3": (
        True,
        PARTY,
        "従業員及び取引先からAIに関する懸念を受け付ける窓口を求められており、内部通報窓口を拡張して対応する。",
    ),
    "A.4.2": (
        True,
        PRACTICE,
        "AIシステム台帳に、利用するデータ、ツール、計算資源及び担当者を記録する。",
    ),
    "A.4.3": (
        True,
        RISK,
        "学習データの偏りによる誤判定リスクへの対応として、データ資源の出所と範囲を文書化する。",
    ),
    "A.4.4": (True, PRACTICE, "モデル開発及び評価に用いるツールとそのバージョンを台帳で管理する。"),
    "A.4.5": (True, PRACTICE, "推論基盤及び学習環境の構成と容量を把握し、変更時に記録する。"),
    "A.4.6": (
        True,
        PRACTICE,
        "AIシステムの開発・運用に必要な力量を定め、担当者の教育記録を保持する。",
    ),
    "A.5.2": (
        True,
        IMPACT,
        "顔画像認識AIなど個人に影響の大きいシステムがあるため、影響評価の手順を定めて運用する。",
    ),
    "A.5.3": (True, IMPACT, "影響評価の結果は承認を経て保存し、見直しの都度新しい版を作成する。"),
    "A.5.4": (
        True,
        RISK,
        "特定の集団に対する誤検知のリスクがあり、個人及び集団への影響を評価して対応策に反映する。",
    ),
    "A.5.5": (
        True,
        IMPACT,
        "公共空間での顔画像の利用は社会的な受容性に関わるため、社会的影響を評価する。",
    ),
    "A.6.1.2": (
        True,
        PRACTICE,
        "公平性、透明性及び安全性を開発目標として定め、各プロジェクトの計画に組み込む。",
    ),
    "A.6.1.3": (
        True,
        PRACTICE,
        "設計、検証、導入の各段階でレビューを行う開発プロセスを定めている。",
    ),
    "A.6.2.2": (
        True,
        RISK,
        "誤判定リスクへの対応として、精度及び人による確認の要件を仕様に明記する。",
    ),
    "A.6.2.3": (True, PRACTICE, "設計判断とその理由を設計書に残し、後から検証できるようにする。"),
    "A.6.2.4": (
        True,
        RISK,
        "導入前に精度及び属性別の性能を検証し、基準を満たさないモデルはリリースしない。",
    ),
    "A.6.2.5": (
        True,
        RISK,
        "低確信度の判定時に人が確認する手順を含めた導入計画を承認してから本番環境へ展開する。",
    ),
    "A.6.2.6": (True, RISK, "属性別の誤検知率を月次で監視し、閾値を超えた場合は是正する。"),
    "A.6.2.7": (
        True,
        LEGAL,
        "取引先との契約により、AIシステムの技術文書の提出が求められる場合がある。",
    ),
    "A.6.2.8": (
        True,
        PRACTICE,
        "推論結果と判定根拠をログに記録し、一定期間保存して事後検証に用いる。",
    ),
    "A.7.2": (True, PRACTICE, "開発及び改善に用いるデータの要件（範囲、鮮度、品質）を定める。"),
    "A.7.3": (
        False,
        PRACTICE,
        "学習に用いるデータはすべて自社の業務で生成したものであり、第三者からのデータの取得を行っていないため適用しない。取得を始める時点で見直す。",
    ),
    "A.7.4": (
        True,
        RISK,
        "データ品質の低下が誤判定につながるリスクに対応するため、属性別の分布と欠損を定期的に確認する。",
    ),
    "A.7.5": (
        True,
        RISK,
        "学習データの改ざんリスクへの対応として、データのハッシュと来歴を記録する。",
    ),
    "A.7.6": (True, PRACTICE, "前処理の手順とその変更履歴を記録し、再現可能にする。"),
    "A.8.2": (
        True,
        RISK,
        "利用者の誤用リスクへの対応として、利用規程と操作説明を利用者に提供する。",
    ),
    "A.8.3": (
        False,
        LEGAL,
        "現時点で当社のAIシステムについて外部への報告を求める法令上又は契約上の義務はないため適用しない。法令の改正を四半期ごとに確認する。",
    ),
    "A.8.4": (
        True,
        LEGAL,
        "個人情報保護法に基づく漏えい等の報告に備え、AIインシデントの連絡手順を定める。",
    ),
    "A.8.5": (
        True,
        PARTY,
        "撮影エリアの利用者から利用目的の説明を求められており、掲示とウェブサイトで情報を提供する。",
    ),
    "A.9.2": (
        True,
        RISK,
        "不採用判定などの重要な判断は人が全件確認する手順を定め、誤用リスクに対応する。",
    ),
    "A.9.3": (True, RISK, "AIシステムの責任ある利用の目標を定め、利用部門の計画に組み込む。"),
    "A.9.4": (True, PRACTICE, "各AIシステムの意図した用途を台帳に明記し、用途外の利用を禁止する。"),
    "A.10.2": (
        True,
        PRACTICE,
        "委託先及び共同開発先との間で、AIに関する責任分担を契約で明確にする。",
    ),
    "A.10.3": (
        True,
        LEGAL,
        "外部のAIサービスを利用しており、委託先管理の契約条項で供給者の義務を定める。",
    ),
    "A.10.4": (
        False,
        PARTY,
        "当社はAIシステムを製品又はサービスとして顧客に提供しておらず、社内業務及び自社施設の運営に利用するのみであるため適用しない。",
    ),
}

WAIVER_REASON = "実施する管理策を整備中であり、次期（2026年度上期）に導入する計画。マネジメントレビューで進捗を確認する。"

#: What version 2 changes (a draft): the justifications and statuses that moved on.
CHANGES: dict[str, dict[str, Any]] = {
    "A.3.3": {
        "justification": "従業員及び取引先からAIに関する懸念を受け付ける窓口を設け、受付件数と対応状況を四半期ごとに経営会議へ報告する。"
    },
    "A.6.2.8": {
        "justification": "推論結果と判定根拠をログに記録し、1年間保存して事後検証及びインシデント調査に用いる。"
    },
    "A.8.3": {
        "applicable": True,
        "justification_type": LEGAL,
        "justification": "取引先との新しい契約でAIインシデントの外部報告が求められたため、適用に変更する。",
    },
}


def _status(controls: list[Control], evidence: list[Evidence]) -> str:
    """Implemented only with evidence valid today; partly with controls but no valid
    evidence; else not implemented."""
    today = timezone.localdate()
    if controls and any(evidence_valid(e, today) for e in evidence):
        return "implemented"
    return "partial" if controls else "not_implemented"


def load(*, users: dict[str, Any]) -> None:
    officer, executive = users["officer"], users["executive"]
    if StatementOfApplicability.objects.exclude(status=ApprovalStatus.DRAFT).exists():
        return  # loaded already
    services.soa_rows_ensure(actor=officer)
    version = StatementOfApplicability.objects.order_by("-number").first()
    if version is None:
        return  # no library: no Annex A, no SoA
    rows = list(soa_rows(version, None))
    relied = requirement_reliances([row.requirement_id for row in rows], None)
    for row in rows:
        ref = row.requirement.ref_id
        applicable, kind, text = ROWS.get(ref, (True, PRACTICE, "組織の良好な慣行として適用する。"))
        records = relied.get(row.requirement_id, [])
        if not applicable and records:
            applicable, text = True, text + "（リスク対応が依拠しているため適用する。）"
        if kind == RISK and not any(r.kind == "risk" for r in records):
            kind = PRACTICE
        controls = list(
            Control.objects.filter(requirements=row.requirement).exclude(status="retired")
        )
        evidence = list(
            Evidence.objects.filter(Q(controls__in=controls))
            .select_related("current_version")
            .distinct()
        )
        services.soa_row_update(
            actor=officer,
            row=row,
            applicable=applicable,
            justification_type=kind,
            justification=text,
            implementation_status=_status(controls, evidence) if applicable else "not_implemented",
            controls=controls if applicable else [],
            evidence=evidence if applicable else [],
            owner=officer,
        )
    # What the data cannot settle yet (controls still to be put in place) is waived, saying so.
    for check in services.soa_checks(version):
        if not check.waived:
            services.soa_check_waive(
                actor=officer,
                soa=version,
                requirement=next(
                    r.requirement for r in rows if r.requirement_id == check.requirement_id
                ),
                check_code=check.code,
                reason=WAIVER_REASON,
            )
    version = services.soa_submit(actor=officer, soa=version)
    version = services.soa_approve(actor=executive, soa=version)
    draft = services.soa_new_version(actor=officer, soa=version)
    for row in soa_rows(draft, None):
        change = CHANGES.get(row.requirement.ref_id)
        if change:
            services.soa_row_update(actor=officer, row=row, **change)
