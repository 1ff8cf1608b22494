# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""The demo organisation's AIMS records (Japanese, after the AI Guidelines for Business App. 1
Table 2 and the seed-000 face-recognition example). Each Table 2 case keeps the roles the table
gives the company that runs it (the demo organisation stands in for it) and names the other
parties as the table does; purposes say only what the table's summary says.
Loaded by ``manage.py load_demo``; never part of the reference library."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from aims import urns
from aims.models import (
    AISystem,
    BusinessUnit,
    ClauseAssessment,
    ContextIssue,
    Document,
    InterestedParty,
    Objective,
    Organization,
    Requirement,
)
from aims.services.conformance import clause_assessment_update
from aims.services.documents import document_approve, document_create, document_submit
from aims.services.inventory import ai_system_create, ai_system_grant
from aims.services.records import objective_result_record, record_create, record_update

SCOPE = (
    "本社（東京）及び国内事業部門が開発・提供・利用するすべてのAIシステムと、その企画から廃止までの"
    "ライフサイクルを対象とする。研究所の試作段階のモデルは対象外とする。"
)
UNITS = [("人事部", "HR"), ("小売事業部", "RETAIL"), ("医療ITサービス部", "MED"), ("製造部", "MFG")]
SYSTEMS: list[dict[str, Any]] = [
    {
        "name": "採用選考支援AI",
        "version": "1.3",
        "unit": "HR",
        "stage": "operation",
        "roles": ["developer", "provider", "business_user"],
        "ai_type": "machine_learning",
        "tier": "high",
        "purpose": "グループ各社（海外を含む）の人材採用部門が、エントリーシートの書類選考を判断する際の参考情報を示す。過去のエントリーシートと合否判定（内定の判定）の結果から学習した分類モデルで合否判定を支援する。",
        "third_parties": "AI開発：当社AI開発部門／提供：当社システム部門・人材開発部門／利用：グループ各社（海外を含む）の人材採用部門",
        "parties": ["job-applicants"],
    },
    {
        "name": "無人コンビニ決済AI",
        "version": "2.0",
        "unit": "RETAIL",
        "stage": "deployment",
        "roles": ["provider"],
        "ai_type": "deep_learning",
        "tier": "limited",
        "purpose": "店内カメラの画像認識で客が手に取った商品を特定し、退店時に電子マネーで一括決済する。",
        "third_parties": "AIシステム開発：X社",
        "parties": ["consumers", "bystanders"],
    },
    {
        "name": "がん診断支援AI",
        "version": "0.9",
        "unit": "MED",
        "stage": "verification",
        "roles": ["developer", "provider"],
        "ai_type": "deep_learning",
        "tier": "high",
        "purpose": "病歴等の情報と内視鏡画像を取り込み、診察中にがんの可能性が高い部分をリアルタイムで強調表示する。判断は医師が行う。",
        "third_parties": "提供先：医療機関",
        "parties": ["patients", "data-subjects"],
    },
    {
        "name": "製品不良検知AI",
        "version": "3.1",
        "unit": "MFG",
        "stage": "operation",
        "roles": ["provider", "business_user"],
        "ai_type": "deep_learning",
        "tier": "minimal",
        "purpose": "工場で生産される完成品（工業用部品）の外観上の不具合を画像から識別し、目視で行っていた検品を製造ラインで自動化する。欠陥品が極めて少ないため、完成品と異なる画像を生成するモデルと正常品を識別するモデルを組み合わせる。",
        "third_parties": "AI開発（委託）：B社（製造ソリューション）／提供：当社製造管理部／利用：当社製造ライン（工場）",
        "parties": ["employees"],
    },
    {
        "name": "送電線点検AI",
        "version": "1.0",
        "unit": "MFG",
        "stage": "development",
        "roles": ["provider", "business_user"],
        "ai_type": "deep_learning",
        "tier": "minimal",
        "purpose": "ドローン又はヘリコプターで撮影した架空送電線の動画を画像解析し、異常箇所の判別と報告書の作成を自動化する。リアルタイムでの判断は行わず、撮影の完了後速やかに処理する。",
        "third_parties": "AI開発：X社（AI開発部）／提供：当社システム部門・電力サービス保全部／利用：当社保守担当",
        "parties": ["local-communities"],
    },
    {
        "name": "スマート家電最適化AI",
        "version": "2.2",
        "unit": "RETAIL",
        "stage": "operation",
        "roles": ["developer", "provider"],
        "ai_type": "machine_learning",
        "tier": "minimal",
        "purpose": "センサー情報（利用者の位置・状態、温度、湿度、照度、CO2濃度）、気象のオープンデータ及び利用者からのフィードバック（ストレス、快適度の意見等）をAIモデルが分析し、スマート冷蔵庫（食材管理、レシピ提案等）、空調、床暖房、空気清浄機、ロボット掃除機、換気システム等を自動制御する。",
        "third_parties": "AI開発：当社AI開発部／提供：当社アプライアンス事業部／利用：消費者（業務外利用者）",
        "parties": ["consumers", "data-subjects", "environment"],
    },
    {
        "name": "社内向け対話型AI",
        "version": "1.5",
        "unit": "HR",
        "stage": "operation",
        "roles": ["business_user"],
        "ai_type": "generative",
        "tier": "limited",
        "generative": True,
        "advanced": True,
        "purpose": "社員がプロンプト（指示や質問）を入力して回答を得る社内向けのAIアシスタント。質問、プログラミング、文書生成、翻訳、要約等、社内業務の様々な目的に使い、業務の生産性を高める。",
        "third_parties": "AI開発：A社（クラウドプラットフォーム及び生成AIのモデル）／提供：グループ会社C社（AIアシスタントサービスを実装し、グループ社員に提供）",
        "parties": ["employees"],
    },
    {
        "name": "顔画像認識AI",
        "version": "2.2",
        "unit": "RETAIL",
        "stage": "operation",
        "roles": ["business_user"],
        "ai_type": "deep_learning",
        "tier": "high",
        "purpose": "公共空間に設置したカメラの映像から不審者を検知し、警備員に通知する。",
        "parties": ["bystanders", "minorities", "society-at-large"],
    },
]
ISSUES = [
    (
        "AI事業者ガイドライン及び各国のAI規制の動向",
        "external",
        "legal",
        "採用選考・医療分野のAIはEU AI法のハイリスクに該当し得るため、要求事項を継続的に確認する。",
    ),
    (
        "生成AIの社内利用の急速な拡大",
        "internal",
        "technological",
        "利用ルールと教育を整備し、情報漏えいと誤情報のリスクを管理する。",
    ),
    (
        "顔認識技術に対する社会的な懸念",
        "external",
        "societal",
        "影響評価を実施し、利害関係者への説明を強化する。",
    ),
]
PARTIES = [
    ("応募者", "affected", "公平で説明可能な選考、個人情報の適切な取扱い"),
    ("患者・医療機関", "customer", "診断支援の正確性と安全性、医師による最終判断の確保"),
    ("個人情報保護委員会", "regulator", "個人情報保護法の順守"),
    ("従業員", "employee", "生成AIの安全な利用環境と教育"),
]
CONFORMANCE = {
    "4.1": "conformant",
    "4.2": "conformant",
    "4.3": "conformant",
    "5.1": "partial",
    "5.2": "partial",
    "5.3": "conformant",
    "6.1.1": "partial",
    "6.1.2": "partial",
    "7.2": "partial",
    "7.5.1": "conformant",
}


AI_POLICY = """1. 目的：当社は、人間中心の考え方に基づき、AIを安全、公平かつ透明に開発・提供・利用する。
2. 適用範囲：当社が開発・提供・利用するすべてのAIシステムに適用する。
3. 原則：AI事業者ガイドラインの共通の指針（人間中心、安全性、公平性、プライバシー保護、セキュリティ確保、透明性、アカウンタビリティ）を順守する。
4. 体制：AIガバナンス責任者を置き、リスクアセスメントと影響評価を定期的に実施する。
5. 改善：本方針は年1回及び重大な変化があった時にレビューし、継続的に改善する。"""


def load(*, operator: Any, officer: Any, executive: Any) -> None:
    org = Organization.objects.order_by("pk").first()
    if org is not None and not org.scope_statement:
        record_update(actor=None, obj=org, scope_statement=SCOPE)
    units = {}
    for name, code in UNITS:
        units[code] = BusinessUnit.objects.filter(code=code).first() or record_create(
            actor=None, model=BusinessUnit, name=name, code=code
        )
    parties = {
        r.ref_id: r for r in Requirement.objects.filter(framework__urn=urns.AFFECTED_PARTIES)
    }
    today = timezone.localdate()
    for index, spec in enumerate(SYSTEMS):
        if AISystem.objects.filter(name=spec["name"], version=spec["version"]).exists():
            continue
        system = ai_system_create(
            actor=None,
            name=spec["name"],
            version=spec["version"],
            purpose=spec["purpose"],
            business_unit=units[spec["unit"]],
            lifecycle_stage=spec["stage"],
            organization_roles=spec["roles"],
            ai_type=spec["ai_type"],
            eu_ai_act_tier=spec["tier"],
            is_generative=spec.get("generative", False),
            is_advanced=spec.get("advanced", False),
            third_parties=spec.get("third_parties", ""),
            owner=officer,
            review_interval_days=180,
            next_review_on=today + timedelta(days=10 + 40 * index),
            affected_parties=[parties[p] for p in spec["parties"] if p in parties],
        )
        if spec["name"] in {"製品不良検知AI", "送電線点検AI"}:
            ai_system_grant(actor=None, system=system, user=operator)
    for title, kind, category, effect in ISSUES:
        if not ContextIssue.objects.filter(title=title).exists():
            record_create(
                actor=None,
                model=ContextIssue,
                title=title,
                kind=kind,
                category=category,
                effect=effect,
                owner=officer,
            )
    for name, category, needs in PARTIES:
        if not InterestedParty.objects.filter(name=name).exists():
            record_create(
                actor=None,
                model=InterestedParty,
                name=name,
                category=category,
                needs_and_expectations=needs,
            )
    if not Objective.objects.exists():
        fairness = record_create(
            actor=None,
            model=Objective,
            title="採用選考AIの公平性の確保",
            target="男女間の書類選考通過率の差を2ポイント未満にする",
            measure="四半期ごとの公平性テスト",
            due_on=date(today.year + 1, 3, 31),
            status="in_progress",
            owner=officer,
            ai_systems=list(AISystem.objects.filter(name="採用選考支援AI")),
        )
        objective_result_record(
            actor=None,
            objective=fairness,
            measured_on=today - timedelta(days=30),
            value="3.1ポイント",
        )
        record_create(
            actor=None,
            model=Objective,
            title="全従業員へのAIリテラシー教育",
            target="受講率100%",
            measure="eラーニングの受講記録",
            due_on=date(today.year + 1, 6, 30),
            status="planned",
            owner=officer,
        )
    if not Document.objects.filter(kind="ai_policy").exists():
        policy = document_create(
            actor=officer,
            title="AI方針",
            kind="ai_policy",
            content=AI_POLICY,
            review_interval_days=365,
            next_review_on=today + timedelta(days=300),
        )
        document_submit(actor=officer, document=policy)
        document_approve(actor=executive, document=policy)
    for row in ClauseAssessment.objects.select_related("requirement").filter(
        requirement__ref_id__in=CONFORMANCE, status="not_started"
    ):
        linked = (
            Document.objects.filter(kind="ai_policy") if row.requirement.ref_id == "5.2" else []
        )
        clause_assessment_update(
            actor=None,
            assessment=row,
            owner=officer,
            status=CONFORMANCE[row.requirement.ref_id],
            documents=list(linked),
        )
