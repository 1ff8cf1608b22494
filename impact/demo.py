# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""The demo organisation's impact assessment: the face-recognition record of seed 000, in
Japanese, approved, and reflected into the two demo risks of that system. Loaded by
``load_demo`` through ``ImpactConfig.load_demo``; never part of the reference data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from aims import urns
from aims.models import AISystem, Requirement
from impact import services
from impact.models import ImpactAssessment
from risk.models import Risk

SYSTEM = "顔画像認識AI"
RECORD: dict[str, Any] = {
    "system_version": "2.2",
    "assessed_on": date(2025, 9, 10),
    "responsible_role": "情報セキュリティ部門責任者",
    "scope": ["use"],
    "scope_notes": "利用（公共空間での監視）",
    "intended_use": "不審者検知",
    "foreseeable_misuse": "誤検知による一般市民の不利益",
    "technical_context": "画像認識精度が限定的",
    "societal_context": "社会的偏見の増幅リスク",
    "laws_and_jurisdictions": "個人情報保護法、GDPR",
    "affected_parties": ["individuals", "groups", "society"],
    "affected_parties_description": "市民、特定集団、社会全体",
    "potential_impacts": "誤認識による差別、プライバシー侵害",
    "severity": 3,  # 高
    "likelihood": 2,  # 中
    "stakeholders_to_be_informed": True,
    "stakeholder_communication": "必要有。撮影エリアの掲示とウェブサイトで利用目的と問い合わせ窓口を公表する。",
    "vulnerable_groups": "外見上の特徴から誤検知されやすい集団、子ども",
    "social_acceptance": "active_explanation",
    "human_judgment_decision": "human_reviews",
    "human_judgment_rationale": "検知結果だけで措置を取らず、警備員が必ず目視で確認する。",
    "human_judgment": {
        "rights_affected": "移動の自由、プライバシー及び平等な扱いに関わる。",
        "prediction_uncertainty": "照明・角度により誤検知率が変動する。",
        "bias_risk": "学習データの偏りにより特定集団の誤検知率が高くなりうる。",
    },
    "pia_information_flows": "カメラ映像 → 特徴量抽出（施設内サーバ）→ 照合結果を警備端末に通知。映像は72時間で消去。",
    "pia_privacy_risks": "目的外利用、長期保存、第三者提供。",
    "pia_evaluation": "影響：高、発生可能性：中。",
    "pia_treatment": "reduce",
    "pia_plan": "顔画像を保存せず特徴量のみを短期間保持し、アクセスを警備責任者に限定する。",
    "review_interval_days": 180,
}
ENTRIES = [
    {
        "party": "minorities",
        "area": "fairness-and-discrimination",
        "description": "誤認識により特定の集団が不審者として扱われ、差別的な扱いを受ける",
        "severity": 3,
        "likelihood": 2,
        "reversibility": "partly",
        "existing": "検知結果は警備員が目視で確認する",
        "planned": "属性別の誤検知率を月次で測定し公表する",
        "risk": "顔画像認識AIの誤検知により特定の集団が不審者として扱われる",
    },
    {
        "party": "bystanders",
        "area": "privacy",
        "description": "公共空間で通行人の顔画像が本人の知らないうちに取得・照合される",
        "severity": 2,
        "likelihood": 3,
        "reversibility": "partly",
        "existing": "撮影エリアの掲示",
        "planned": "利用目的と保存期間をウェブサイトで公表する",
        "risk": "公共空間での顔画像の取得について利用者・通行人への説明が不十分",
    },
]


def load(*, users: dict[str, Any]) -> None:
    system = AISystem.objects.filter(name=SYSTEM).first()
    if system is None or ImpactAssessment.objects.filter(ai_system=system).exists():
        return
    officer = users["officer"]
    parties = {
        r.ref_id: r for r in Requirement.objects.filter(framework__urn=urns.AFFECTED_PARTIES)
    }
    areas = {r.ref_id: r for r in Requirement.objects.filter(framework__urn=urns.IMPACT_AREAS)}
    assessment = services.impact_assessment_create(
        actor=officer,
        ai_system=system,
        responsible=officer,
        owner=officer,
        **RECORD,
        next_review_on=timezone.localdate() + timedelta(days=150),
    )
    for spec in ENTRIES:
        risk = Risk.objects.filter(title=spec["risk"]).first()
        services.impact_entry_create(
            actor=officer,
            assessment=assessment,
            party_type=parties[spec["party"]],
            impact_area=areas[spec["area"]],
            description=spec["description"],
            severity=spec["severity"],
            likelihood=spec["likelihood"],
            reversibility=spec["reversibility"],
            existing_mitigations=spec["existing"],
            planned_mitigations=spec["planned"],
            risks=[risk] if risk else [],
        )
    services.impact_assessment_submit(actor=officer, assessment=assessment)
    services.impact_assessment_approve(actor=users["executive"], assessment=assessment)
