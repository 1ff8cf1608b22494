# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""The demo organisation's AI risk register: risks of the demo AI systems started from the
catalogue (AI Guidelines for Business App. 1-B), in Japanese; some in treatment, one accepted
above the criteria by top management, some overdue for review. Loaded by ``load_demo`` through
``RiskConfig.load_demo``; never part of the reference data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from aims import urns
from aims.models import AISystem, Requirement
from controls.models import Control
from risk import selectors
from risk.models import Risk
from risk.services.acceptance import risk_accept
from risk.services.register import risk_create
from risk.services.treatment import ANNEX_A_CONTROLS, treatment_action_create

# (catalogue entry, AI system, title, inherent L×I, residual L×I, owner, treatment, actions,
#  days to the next review: negative = overdue)
RISKS: list[dict[str, Any]] = [
    {
        "template": "RX-1",
        "system": "採用選考支援AI",
        "title": "採用選考AIが過去データの偏りから特定の性別・年齢の応募者を不当に低く評価する",
        "inherent": (4, 4),
        "residual": (2, 4),
        "owner": "officer",
        "treatment": "change_likelihood",
        "plan": "学習データの属性別分布を是正し、リリースごとに属性別の選考通過率を比較する。不採用判定は全件を採用担当者が確認する。",
        "actions": [
            ("属性別通過率のモニタリングを月次で実施", 30, "in_progress", ["A.6.2.6", "A.7.4"]),
            ("不採用判定の人による全件確認の手順化", -20, "done", ["A.9.2"]),
        ],
        "review": -5,
    },
    {
        "template": "RX-7",
        "system": "採用選考支援AI",
        "title": "応募者から評価理由の説明を求められても判断根拠を示せない",
        "inherent": (3, 3),
        "residual": (2, 3),
        "owner": "officer",
        "treatment": "change_consequences",
        "plan": "評価に影響した主な要素を出力する機能を追加し、問い合わせ窓口を設ける。",
        "actions": [],
        "review": 60,
    },
    {
        "template": "RX-5",
        "system": "無人コンビニ決済AI",
        "title": "商品の誤認識により利用者に誤った金額を請求する",
        "inherent": (4, 3),
        "residual": (2, 2),
        "owner": "officer",
        "treatment": "change_likelihood",
        "plan": "認識の確信度が低い場合は店員の確認を求め、退店後に明細を確認・訂正できるようにする。",
        "actions": [("低確信度時の店員確認フローを導入", 15, "planned", ["A.6.2.5"])],
        "review": 90,
    },
    {
        "template": "RX-4",
        "system": "無人コンビニ決済AI",
        "title": "店内カメラ映像の利用目的を超えた利用・保存によるプライバシー侵害",
        "inherent": (3, 4),
        "residual": (2, 3),
        "owner": "officer",
        "treatment": "remove_source",
        "plan": "顔画像を保存せず特徴量のみを短期間保持する。店頭で撮影と利用目的を掲示する。",
        "actions": [],
        "review": -12,
    },
    {
        "template": "RX-11",
        "system": "社内向け対話型AI",
        "title": "生成AIの誤った回答（ハルシネーション）を社員が確認せずに業務で使う",
        "inherent": (5, 3),
        "residual": (3, 3),
        "owner": "officer",
        "treatment": "change_likelihood",
        "plan": "回答に出典を表示し、社外提出文書への利用前に確認することを利用規程で定める。",
        "actions": [("利用規程の改定とeラーニングの実施", 45, "in_progress", ["A.9.2", "A.8.2"])],
        "review": 30,
    },
    {
        "template": "RX-9",
        "system": "社内向け対話型AI",
        "title": "プロンプトに入力した顧客情報・機密情報がサービス外に流出する",
        "inherent": (3, 5),
        "residual": (2, 5),
        "owner": "officer",
        "treatment": "share",
        "plan": "入力データを学習に使わない契約の事業者を選定し、機密情報の入力を技術的に検知・遮断する。",
        "actions": [],
        "review": 14,
    },
    {
        "template": "RX-1",
        "system": "顔画像認識AI",
        "title": "顔画像認識AIの誤検知により特定の集団が不審者として扱われる",
        "inherent": (3, 5),
        "residual": (3, 4),
        "owner": "officer",
        "treatment": "retain",
        "plan": "試行は1施設に限定し、検知結果は警備員が必ず目視で確認する。誤検知率を属性別に月次報告する。",
        "actions": [("属性別誤検知率の月次報告", 10, "in_progress", ["A.5.4", "A.6.2.6"])],
        "review": 45,
        "accept": "試行期間（6か月）に限り、全件の目視確認を条件として受容する。取締役会にて決定。",
    },
    {
        "template": "RX-4",
        "system": "顔画像認識AI",
        "title": "公共空間での顔画像の取得について利用者・通行人への説明が不十分",
        "inherent": (4, 3),
        "residual": (2, 3),
        "owner": "officer",
        "treatment": "change_consequences",
        "plan": "撮影エリアの掲示とウェブサイトでの利用目的の公表を行う。",
        "actions": [],
        "review": -30,
    },
    {
        "template": "RX-6",
        "system": "製品不良検知AI",
        "title": "学習用画像の改ざん（データ汚染）により不良品を見逃す",
        "inherent": (2, 4),
        "residual": (1, 4),
        "owner": "operator",
        "treatment": "change_likelihood",
        "plan": "学習データの取得経路を限定し、ハッシュ値で改ざんを検知する。",
        "actions": [("学習データのハッシュ管理を導入", -3, "planned", ["A.7.5"])],
        "review": 21,
    },
    {
        "template": "C.3.environment-complexity",
        "system": "製品不良検知AI",
        "title": "照明や製品ロットの変化で検知精度が低下する",
        "inherent": (4, 3),
        "residual": (2, 3),
        "owner": "operator",
        "treatment": "change_likelihood",
        "plan": "精度を日次で監視し、閾値を下回ったら再学習を判断する。",
        "actions": [],
        "review": -2,
    },
    {
        "template": "RX-5",
        "system": "送電線点検AI",
        "title": "ドローン画像の見落としにより送電線の損傷が放置され事故につながる",
        "inherent": (2, 5),
        "residual": (2, 4),
        "owner": "operator",
        "treatment": "change_consequences",
        "plan": "AIの判定に関わらず年1回は人による全線点検を継続する。",
        "actions": [],
        "review": 120,
    },
    {
        "template": "RX-8",
        "system": "スマート家電最適化AI",
        "title": "最適化処理に必要な計算資源の増大による電力消費と環境負荷",
        "inherent": (3, 2),
        "residual": (3, 2),
        "owner": "officer",
        "treatment": "not_decided",
        "plan": "",
        "actions": [],
        "review": 180,
    },
    {
        "template": "RX-2",
        "system": "スマート家電最適化AI",
        "title": "利用者の嗜好に合わせた提案が偏り、選択の幅を狭める",
        "inherent": (3, 2),
        "residual": (2, 2),
        "owner": "officer",
        "treatment": "change_consequences",
        "plan": "提案の多様性を指標として監視し、提案理由を利用者に表示する。",
        "actions": [],
        "review": 90,
    },
    {
        # Over-reliance on the system's output is automation bias: the catalogue's entry for it
        # is the Annex C risk source "level of automation", in the human-oversight category.
        "template": "C.3.level-of-automation",
        "categories": ["human-oversight"],
        "system": "がん診断支援AI",
        "title": "医師がAIの診断支援結果に過度に依存し、見落としが生じる",
        "inherent": (3, 5),
        "residual": (2, 4),
        "owner": "officer",
        "treatment": "change_likelihood",
        "plan": "AIの結果を表示する前に医師が一次所見を記録する運用とし、不一致例を症例検討会で共有する。",
        "actions": [
            ("一次所見の先行記録を電子カルテに組み込む", 60, "planned", ["A.9.3", "A.6.2.2"])
        ],
        "review": 40,
    },
]


# The demo's own controls (``controls.demo.controls``, loaded before the register) each action
# relies on, by the Annex A control it implements; an action links those that cover its risk's
# AI system or the whole organisation.
CONTROLS_BY_ANNEX: dict[str, list[str]] = {
    "A.5.4": ["CTL-004"],
    "A.6.2.2": ["CTL-009"],
    "A.6.2.5": ["CTL-007"],
    "A.6.2.6": ["CTL-006", "CTL-008"],
    "A.7.4": ["CTL-005"],
    "A.7.5": ["CTL-005"],
    "A.8.2": ["CTL-010"],
    "A.9.2": ["CTL-009"],
    "A.9.3": ["CTL-009"],
}


def _own_controls(refs: list[str], system: AISystem | None) -> list[Control]:
    codes = {code for ref in refs for code in CONTROLS_BY_ANNEX.get(ref, [])}
    rows = Control.objects.filter(code__in=codes).prefetch_related("ai_systems")
    return [
        control
        for control in rows
        if not control.ai_systems.all()
        or (system is not None and system in control.ai_systems.all())
    ]


def load(*, users: dict[str, Any]) -> None:
    """Create the demo register once (nothing happens when the demo risks exist)."""
    if Risk.objects.filter(title=RISKS[0]["title"]).exists():
        return
    catalogue = {item.ref_id: item for item in selectors.risk_templates()}
    controls = {c.ref_id: c for c in Requirement.objects.filter(**ANNEX_A_CONTROLS)}
    today = timezone.localdate()
    for spec in RISKS:
        system = AISystem.objects.filter(name=spec["system"]).first()
        entry = catalogue.get(spec["template"])
        initial = selectors.risk_template_initial(entry) if entry else {}
        initial.pop("title", None)
        if spec.get("categories"):
            initial["categories"] = list(
                Requirement.objects.filter(
                    framework__urn=urns.AI_RISK_CATEGORIES, ref_id__in=spec["categories"]
                )
            )
        owner = users[spec["owner"]]
        risk = risk_create(
            actor=owner,
            **initial,
            title=spec["title"],
            ai_systems=[system] if system else [],
            inherent_likelihood=spec["inherent"][0],
            inherent_impact=spec["inherent"][1],
            residual_likelihood=spec["residual"][0],
            residual_impact=spec["residual"][1],
            treatment_option=spec["treatment"],
            treatment_plan=spec["plan"],
            owner=owner,
            review_interval_days=180,
            next_review_on=today + timedelta(days=spec["review"]),
        )
        for title, due_in, status, refs in spec["actions"]:
            treatment_action_create(
                actor=owner,
                risk=risk,
                title=title,
                due_on=today + timedelta(days=due_in),
                status=status,
                controls=[controls[r] for r in refs if r in controls],
                implementing_controls=_own_controls(refs, system),
            )
        if "accept" in spec:
            risk_accept(
                actor=users["executive"],
                risk=risk,
                rationale=spec["accept"],
                expires_on=today + timedelta(days=180),
            )
