# ruff: noqa: E501  (demo texts in Japanese read better unbroken)
"""The demo organisation's evidence, in Japanese: records for most of the demo controls
(``CTL-001`` … ``CTL-015``, made by the controls demo before this one; a code that is absent
is skipped), as small generated PDFs and text files stored through the storage, a few links
(URLs), some expired, some reviewed. Loaded by ``load_demo`` (order 55); never part of the
reference data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aims.models import AISystem
from aims.scope import CHANGE, VIEW, permitted
from controls.models import Control, Evidence
from controls.services.evidence import (
    evidence_create,
    evidence_version_add,
    evidence_version_review,
)

# (control code, title, description, kind: pdf/txt/md/url, AI system or None, uploader,
#  days the period started before today, validity in days from today (negative: expired;
#  None: no expiry), review: None (not yet), "accept" or "reject")
EVIDENCE: list[dict[str, Any]] = [
    {
        "control": "CTL-001",
        "title": "AI方針の周知記録（2026年度）",
        "description": "全従業員向けAI方針説明会の出席記録と資料。",
        "kind": "pdf",
        "system": None,
        "by": "officer",
        "since": 120,
        "valid": 245,
        "review": "accept",
    },
    {
        "control": "CTL-002",
        "title": "AIリスクアセスメント実施記録",
        "description": "四半期ごとのAIリスクアセスメント会議の議事録。",
        "kind": "md",
        "system": None,
        "by": "officer",
        "since": 60,
        "valid": 20,
        "review": "accept",
    },
    {
        "control": "CTL-003",
        "title": "AIシステム影響評価の承認記録",
        "description": "採用選考支援AIの影響評価の承認記録。",
        "kind": "pdf",
        "system": "採用選考支援AI",
        "by": "officer",
        "since": 200,
        "valid": -15,
        "review": "accept",
        "renew": True,
    },
    {
        "control": "CTL-004",
        "title": "学習データ来歴台帳",
        "description": "製品不良検知AIの学習データの取得元・取得日・ライセンスの台帳。",
        "kind": "txt",
        "system": "製品不良検知AI",
        "by": "operator",
        "since": 30,
        "valid": 335,
        "review": "accept",
    },
    {
        "control": "CTL-005",
        "title": "データ品質検査レポート",
        "description": "欠損・重複・ラベル誤りの検査結果。",
        "kind": "pdf",
        "system": "製品不良検知AI",
        "by": "operator",
        "since": 45,
        "valid": 10,
        "review": None,
    },
    {
        "control": "CTL-006",
        "title": "モデル評価ダッシュボード",
        "description": "送電線点検AIの精度・再現率の継続監視ダッシュボード。",
        "kind": "url",
        "url": "https://mlops.example.co.jp/dashboards/powerline-eval",
        "system": "送電線点検AI",
        "by": "operator",
        "since": 14,
        "valid": None,
        "review": None,
    },
    {
        "control": "CTL-007",
        "title": "リリース前検証チェックリスト",
        "description": "検証・妥当性確認の完了チェックリスト。",
        "kind": "md",
        "system": "送電線点検AI",
        "by": "operator",
        "since": 90,
        "valid": -40,
        "review": "accept",
    },
    {
        "control": "CTL-008",
        "title": "利用者向け説明資料",
        "description": "AIを利用していることと判断の限界を利用者に伝える説明文。",
        "kind": "pdf",
        "system": "無人コンビニ決済AI",
        "by": "officer",
        "since": 150,
        "valid": 215,
        "review": "accept",
    },
    {
        "control": "CTL-009",
        "title": "インシデント対応訓練記録",
        "description": "AIインシデント対応手順の机上訓練の記録。",
        "kind": "txt",
        "system": None,
        "by": "officer",
        "since": 400,
        "valid": -35,
        "review": "accept",
    },
    {
        "control": "CTL-010",
        "title": "委託先AIサービスの評価票",
        "description": "外部AIサービス提供者の評価結果。",
        "kind": "pdf",
        "system": "社内向け対話型AI",
        "by": "officer",
        "since": 75,
        "valid": 290,
        "review": "reject",
    },
    {
        "control": "CTL-011",
        "title": "人による確認の運用ログ",
        "description": "不採用判定の人による全件確認の運用記録（月次）。",
        "kind": "csv",
        "system": "採用選考支援AI",
        "by": "officer",
        "since": 31,
        "valid": 28,
        "review": None,
    },
    {
        "control": "CTL-012",
        "title": "運用監視アラート設定",
        "description": "モデル劣化検知のアラート設定（監視基盤）。",
        "kind": "url",
        "url": "https://monitoring.example.co.jp/alerts/model-drift",
        "system": "製品不良検知AI",
        "by": "operator",
        "since": 10,
        "valid": None,
        "review": "accept",
    },
    {
        "control": "CTL-013",
        "title": "AIリテラシー研修修了記録",
        "description": "開発・運用担当者のAIリテラシー研修の修了者一覧。",
        "kind": "csv",
        "system": None,
        "by": "officer",
        "since": 100,
        "valid": 265,
        "review": "accept",
    },
    {
        "control": "CTL-014",
        "title": "脆弱性診断報告書",
        "description": "社内向け対話型AIのプロンプトインジェクション診断結果。",
        "kind": "pdf",
        "system": "社内向け対話型AI",
        "by": "officer",
        "since": 380,
        "valid": -20,
        "review": "accept",
    },
]


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ASCII text lines (a hand-written file, so the demo needs no PDF
    engine); the Japanese description travels in the evidence record."""
    text = "\n".join(
        f"BT /F1 12 Tf 72 {760 - 18 * i} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET"
        for i, line in enumerate(lines)
    ).encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _upload(spec: dict[str, Any], index: int, day: date) -> SimpleUploadedFile | None:
    kind = spec["kind"]
    code = spec["control"]
    if kind == "url":
        return None
    if kind == "pdf":
        content = minimal_pdf(
            [f"Evidence {code}-{index:02d}", f"Period from {day.isoformat()}", "AIMS demo record"]
        )
    elif kind == "csv":
        content = (
            "日付,担当者,結果\n"
            f"{day.isoformat()},佐藤,確認済み\n"
            f"{(day + timedelta(days=7)).isoformat()},鈴木,確認済み\n"
        ).encode()
    else:
        content = f"# {spec['title']}\n\n{spec['description']}\n\n対象期間の開始日: {day.isoformat()}\n".encode()
    return SimpleUploadedFile(f"{code.lower()}-evidence.{kind}", content)


def load(*, users: dict[str, Any]) -> None:
    """Create the demo evidence once (nothing happens when it exists)."""
    if Evidence.objects.filter(title=EVIDENCE[0]["title"]).exists():
        return
    today = timezone.localdate()
    controls = {
        c.code: c for c in Control.objects.filter(code__in=[s["control"] for s in EVIDENCE])
    }
    reviewers = {"officer": users.get("executive"), "operator": users.get("officer")}
    for index, spec in enumerate(EVIDENCE, start=1):
        control = controls.get(spec["control"])
        if control is None:  # the controls demo did not make it: nothing to support
            continue
        system = AISystem.objects.filter(name=spec["system"]).first() if spec["system"] else None
        if spec["system"] and system is None:
            continue
        by = spec["by"]
        operator = users.get("operator")
        if by == "operator" and not (
            permitted(operator, VIEW, control)
            and (system is None or permitted(operator, CHANGE, system))
        ):
            by = "officer"  # not of a system granted to the operator
        uploader = users.get(by)
        start = today - timedelta(days=spec["since"])
        valid = today + timedelta(days=spec["valid"]) if spec["valid"] is not None else None
        evidence = evidence_create(
            actor=uploader,
            title=spec["title"],
            description=spec["description"],
            owner=users.get("officer"),
            ai_systems=[system] if system else [],
            controls=[control],
            review_interval_days=365,
            version={
                "file": _upload(spec, index, start),
                "url": spec.get("url", ""),
                "effective_from": start,
                "effective_until": start + timedelta(days=min(spec["since"], 90)),
                "valid_until": valid,
                "note": "初版",
            },
        )
        version = evidence.current_version
        reviewer = reviewers.get(by)
        if spec["review"] and version is not None and reviewer is not None:
            evidence_version_review(
                actor=reviewer,
                version=version,
                accepted=spec["review"] == "accept",
                comment=""
                if spec["review"] == "accept"
                else "評価対象の期間が委託契約の更新前のため、更新後の評価票を提出してください。",
            )
        if spec.get("renew"):
            # An expired record that was renewed: the second version is valid again.
            evidence_version_add(
                actor=uploader,
                evidence=evidence,
                file=_upload(spec, index + 100, today - timedelta(days=5)),
                url=spec.get("url", ""),
                effective_from=today - timedelta(days=5),
                valid_until=today + timedelta(days=360),
                note="更新版",
            )
    _training_record(users, today)


def _training_record(users: dict[str, Any], today: date) -> None:
    """A training certificate as the evidence of the first demo competence record (7.2),
    when the competence demo made one."""
    from aims.models.competence import CompetenceRecord

    record = CompetenceRecord.objects.select_related("role").order_by("pk").first()
    officer = users.get("officer")
    if record is None or officer is None:
        return
    start = today - timedelta(days=40)
    spec = {
        "control": "TRAINING",
        "kind": "pdf",
        "title": "AIガバナンス研修 修了証",
        "description": "外部研修の修了証。",
    }
    evidence_create(
        actor=officer,
        title=spec["title"],
        description=f"{spec['description']}（{record.role}）",
        owner=officer,
        links=[record],
        review_interval_days=365,
        version={
            "file": _upload(spec, 900, start),
            "effective_from": start,
            "valid_until": today + timedelta(days=700),
            "note": "初版",
        },
    )
