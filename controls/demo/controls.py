# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""Demo controls (Japanese): 15 measures of the demo organisation, CTL-001 … CTL-015, some
organisation-wide, some for the demo AI systems, each satisfying Annex A controls and items of
the AI Guidelines for Business or NIST AI RMF (looked up by framework URN and ref id), most with
tests of their effectiveness (one overdue, one never tested). Loaded by ``load_demo`` through
``controls.plug.controls.load_demo`` (order 50: after the core's AI systems, before the risk
register whose treatment actions link to these controls by code); never reference data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from aims import urns
from aims.models import AISystem, Requirement
from controls.choices import ControlStatus, ControlType, TestMethod, TestResult
from controls.models import Control
from controls.services.controls import control_create, control_test_create

NIST_AI_RMF = "urn:aims:framework:nist-ai-rmf"
FRAMEWORKS = {"ISO": urns.ISO_42001, "METI": urns.METI_GUIDELINES, "NIST": NIST_AI_RMF}

P, PR, T, ORG = (
    ControlType.POLICY,
    ControlType.PROCESS,
    ControlType.TECHNICAL,
    ControlType.ORGANISATIONAL,
)
E, PE, NE = TestResult.EFFECTIVE, TestResult.PARTLY_EFFECTIVE, TestResult.NOT_EFFECTIVE

# code, name, description, type, status, systems, owner, requirements ((framework, ref, note)),
# test interval (days), tests ((days ago, method, result, findings))
CONTROLS: list[dict[str, Any]] = [
    {
        "code": "CTL-001",
        "name": "AI方針の策定・承認・周知",
        "description": "AI方針を経営層が承認し、全従業員にイントラネットと年次研修で周知する。年1回見直す。",
        "type": P,
        "status": ControlStatus.OPERATING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.2.2", "AI方針として文書化し、経営層が承認"),
            ("ISO", "A.2.4", "年次のマネジメントレビューで見直し"),
            ("METI", "C-7.2", "共通の指針への対応状況を方針の付属書で説明"),
            ("NIST", "GOVERN 1.2", "信頼できるAIの特性を方針に明記"),
        ],
        "interval": 365,
        "tests": [
            (120, TestMethod.INSPECTION, E, "承認記録と周知記録を確認。全部門への周知を確認した。")
        ],
    },
    {
        "code": "CTL-002",
        "name": "AIガバナンス体制と役割・責任の明確化",
        "description": "AIガバナンス委員会を設置し、AIシステムごとに責任者を任命する。役割分担表を維持する。",
        "type": ORG,
        "status": ControlStatus.OPERATING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.3.2", "役割分担表で責任と権限を定義"),
            ("METI", "C-7.3", "AIシステムごとの責任者を公開"),
            ("NIST", "GOVERN 2.1", "委員会規程で伝達経路を規定"),
        ],
        "interval": 365,
        "tests": [(200, TestMethod.INQUIRY, E, "委員会議事録と任命記録を確認した。")],
    },
    {
        "code": "CTL-003",
        "name": "AIに関する懸念の報告窓口",
        "description": "従業員及び外部の関係者がAIに関する懸念を匿名で報告できる窓口を設け、報告は2営業日以内に受付・記録する。",
        "type": PR,
        "status": ControlStatus.OPERATING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.3.3", "内部通報制度にAIの懸念の区分を追加"),
            ("METI", "C-6.3", "報告への合理的かつ誠実な対応"),
            ("NIST", "MEASURE 3.3", "利用者からのフィードバックの受付"),
        ],
        "interval": 180,
        "tests": [
            (
                300,
                TestMethod.REPERFORMANCE,
                PE,
                "試験的な報告への受付記録が3営業日後だった。手順を見直し中。",
            )
        ],
    },
    {
        "code": "CTL-004",
        "name": "AIシステムの影響評価の実施手順",
        "description": "新規開発・大幅な変更の前に影響評価を実施し、AIガバナンス委員会が承認する。",
        "type": PR,
        "status": ControlStatus.OPERATING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.5.2", "影響評価手順書として文書化"),
            ("ISO", "A.5.4", "個人・集団への影響を評価票で記録"),
            ("NIST", "MAP 5.1", "影響の発生可能性と大きさを評価"),
        ],
        "interval": 365,
        "tests": [
            (60, TestMethod.INSPECTION, E, "直近3件の影響評価が承認済みであることを確認した。")
        ],
    },
    {
        "code": "CTL-005",
        "name": "学習データの品質・来歴管理",
        "description": "学習データの取得元、加工履歴、品質チェックの結果をデータカードに記録し、版管理する。",
        "type": PR,
        "status": ControlStatus.OPERATING,
        "systems": ["採用選考支援AI", "製品不良検知AI"],
        "owner": "operator",
        "requirements": [
            ("ISO", "A.7.4", "データ品質基準と受入検査"),
            ("ISO", "A.7.5", "データカードで来歴を記録"),
            ("METI", "C-2.3", "適正な学習データの利用"),
            ("NIST", "MEASURE 2.1", "テストセットと指標の文書化"),
        ],
        "interval": 90,
        "tests": [
            (
                45,
                TestMethod.INSPECTION,
                PE,
                "製品不良検知AIの一部データセットでデータカードが未更新だった。",
            )
        ],
    },
    {
        "code": "CTL-006",
        "name": "属性別の公平性モニタリング",
        "description": "性別・年齢層別の書類選考通過率を月次で集計し、差が基準を超えた場合は委員会に報告する。",
        "type": T,
        "status": ControlStatus.OPERATING,
        "systems": ["採用選考支援AI"],
        "owner": "operator",
        "requirements": [
            ("ISO", "A.6.2.6", "月次の属性別モニタリング"),
            ("METI", "C-3.1", "バイアスへの配慮"),
            ("NIST", "MEASURE 2.11", "公平性指標の測定"),
        ],
        "interval": 30,
        "tests": [
            (95, TestMethod.AUTOMATED, E, "月次集計が自動で実行され、閾値超過時の通知を確認した。"),
            (65, TestMethod.AUTOMATED, E, "閾値超過なし。"),
        ],
    },
    {
        "code": "CTL-007",
        "name": "AIシステムの検証・妥当性確認",
        "description": "リリース前に独立した検証チームが性能・頑健性を評価し、合否を判定する。",
        "type": PR,
        "status": ControlStatus.OPERATING,
        "systems": ["がん診断支援AI", "製品不良検知AI"],
        "owner": "operator",
        "requirements": [
            ("ISO", "A.6.2.4", "独立した検証チームによる合否判定"),
            ("METI", "C-6.1", "検証可能性の確保"),
            ("NIST", "MEASURE 2.3", "展開環境に近い条件での評価"),
        ],
        "interval": 180,
        "tests": [(30, TestMethod.REPERFORMANCE, E, "評価手順を再実施し、同じ結果が得られた。")],
    },
    {
        "code": "CTL-008",
        "name": "運用時の性能監視とアラート",
        "description": "本番環境での精度・入力分布の変化を監視し、閾値を超えた場合に担当者へ通知する。",
        "type": T,
        "status": ControlStatus.IMPLEMENTING,
        "systems": ["製品不良検知AI", "送電線点検AI"],
        "owner": "operator",
        "requirements": [
            ("ISO", "A.6.2.6", "精度と入力分布のダッシュボード監視"),
            ("ISO", "A.6.2.8", "推論ログの保存"),
            ("NIST", "MEASURE 2.4", "本番環境での監視"),
        ],
        "interval": 90,
        "tests": [],
    },
    {
        "code": "CTL-009",
        "name": "人による最終判断の確保",
        "description": "AIの出力は参考情報とし、不採用・診断などの重要な判断は担当者が全件確認して決定する。",
        "type": PR,
        "status": ControlStatus.OPERATING,
        "systems": ["採用選考支援AI", "がん診断支援AI"],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.9.2", "人による確認の手順を業務手順書に規定"),
            ("ISO", "A.9.3", "責任ある使用の目的に人の判断を明記"),
            ("METI", "C-3.2", "人間の判断の介在"),
            ("NIST", "MAP 3.5", "人間による監督のプロセス"),
        ],
        "interval": 90,
        "tests": [
            (150, TestMethod.OBSERVATION, E, "確認記録のサンプル20件で全件の確認を確認した。")
        ],
    },
    {
        "code": "CTL-010",
        "name": "利用者への説明・情報提供",
        "description": "AIを利用していること、目的、判断への影響及び問合せ先を利用者に分かりやすく掲示・説明する。",
        "type": P,
        "status": ControlStatus.IMPLEMENTING,
        "systems": ["無人コンビニ決済AI", "顔画像認識AI"],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.8.2", "店頭掲示とウェブサイトでの説明"),
            ("METI", "C-6.2", "関係者への情報提供"),
        ],
        "interval": 180,
        "tests": [(20, TestMethod.OBSERVATION, NE, "一部店舗で掲示がなかった。是正中。")],
    },
    {
        "code": "CTL-011",
        "name": "生成AIへの入力情報の取扱いルール",
        "description": "顧客情報・機密情報をプロンプトに入力しないことを利用規程で定め、入力内容をフィルタで検査する。",
        "type": P,
        "status": ControlStatus.OPERATING,
        "systems": ["社内向け対話型AI"],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.9.4", "意図した使用を利用規程で定義"),
            ("METI", "C-4.1", "プライバシーの保護"),
            ("METI", "C-5.1", "情報漏えい対策"),
            ("NIST", "MEASURE 2.10", "プライバシーリスクの評価"),
        ],
        "interval": 90,
        "tests": [(40, TestMethod.AUTOMATED, E, "テスト用の機密情報がフィルタで検知された。")],
    },
    {
        "code": "CTL-012",
        "name": "AIサービス提供者・委託先の評価",
        "description": "外部のAIサービス・データ提供者を契約前及び年1回評価し、責任分担を契約に明記する。",
        "type": PR,
        "status": ControlStatus.OPERATING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.10.2", "契約での責任分担"),
            ("ISO", "A.10.3", "供給者評価チェックリスト"),
            ("METI", "C-7.4", "関係者間の責任の分配"),
            ("NIST", "GOVERN 6.1", "第三者リスクの方針"),
        ],
        "interval": 365,
        "tests": [(500, TestMethod.INSPECTION, E, "主要3社の評価記録を確認した。")],
    },
    {
        "code": "CTL-013",
        "name": "AIインシデント対応手順",
        "description": "AIの誤作動・苦情・事故を記録し、影響範囲の評価、関係者への連絡、再発防止までを定める。",
        "type": PR,
        "status": ControlStatus.IMPLEMENTING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.8.4", "インシデント連絡手順"),
            ("NIST", "MANAGE 4.3", "インシデントの追跡"),
            ("NIST", "GOVERN 4.3", "インシデント情報の共有"),
        ],
        "interval": 180,
        "tests": [],
    },
    {
        "code": "CTL-014",
        "name": "AIリテラシー教育",
        "description": "全従業員に年1回のAIリテラシー研修を実施し、AI開発・運用担当者には専門研修を行う。",
        "type": ORG,
        "status": ControlStatus.OPERATING,
        "systems": [],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.4.6", "人的資源としての力量の確保"),
            ("METI", "C-8.1", "AIリテラシーの確保"),
            ("NIST", "GOVERN 2.2", "研修の実施"),
        ],
        "interval": 365,
        "tests": [(90, TestMethod.INSPECTION, E, "受講率98%を確認した。")],
    },
    {
        "code": "CTL-015",
        "name": "顔画像データの保存期間管理と削除",
        "description": "照合に用いた顔画像は24時間以内に自動削除し、削除ログを保存する。",
        "type": T,
        "status": ControlStatus.PLANNED,
        "systems": ["顔画像認識AI"],
        "owner": "officer",
        "requirements": [
            ("ISO", "A.7.3", "取得目的に限った保存"),
            ("METI", "C-4.1", "プライバシーの保護"),
        ],
        "interval": None,
        "tests": [],
    },
]


def load(*, users: dict[str, Any]) -> None:
    if Control.objects.filter(code=CONTROLS[0]["code"]).exists():
        return
    today = timezone.localdate()
    requirements = {
        (key, item.ref_id): item
        for key, urn in FRAMEWORKS.items()
        for item in Requirement.objects.filter(framework__urn=urn, withdrawn=False)
    }
    for index, spec in enumerate(CONTROLS):
        owner = users[spec["owner"]]
        systems = list(AISystem.objects.filter(name__in=spec["systems"]))
        links = [
            (requirements[(key, ref)], note)
            for key, ref, note in spec["requirements"]
            if (key, ref) in requirements
        ]
        control = control_create(
            # The officer registers the organisation-wide controls and those of systems the
            # operator is not granted; a platform actor keeps the demo independent of grants.
            actor=None,
            code=spec["code"],
            name=spec["name"],
            description=spec["description"],
            control_type=spec["type"],
            status=spec["status"],
            ai_systems=systems,
            owner=owner,
            test_interval_days=spec["interval"],
            review_interval_days=365,
            next_review_on=today + timedelta(days=30 + 20 * index - (60 if index == 2 else 0)),
            requirement_links=links,
        )
        for days_ago, method, result, findings in spec["tests"]:
            control_test_create(
                actor=owner,
                control=control,
                tested_on=today - timedelta(days=days_ago),
                method=method,
                result=result,
                findings=findings,
            )
