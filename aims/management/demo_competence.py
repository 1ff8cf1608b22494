"""The demo organisation's competence register (7.2): two roles, one for the whole AIMS and
one for the recruiting AI system, with the people in them. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from aims.models import AISystem, CompetenceRecord, CompetenceRole, CompetenceState
from aims.services.competence import competence_record_create, competence_role_create

ROLES: list[dict[str, Any]] = [
    {
        "name": "AIマネジメントシステム管理責任者",
        "description": "AIMSの運用、内部監査への対応及びマネジメントレビューの準備を担う。",
        "required_competence": (
            "ISO/IEC 42001の要求事項の理解、リスクアセスメントの実務経験、"
            "AI事業者ガイドラインの研修の修了。"
        ),
        "systems": [],
        "holder": "officer",
    },
    {
        "name": "採用選考支援AIのモデル評価担当",
        "description": "モデルの公平性及び性能の評価を行い、結果を記録する。",
        "required_competence": "統計及び機械学習の評価手法の知識、公平性評価の研修の修了。",
        "systems": ["採用選考支援AI"],
        "holder": "operator",
    },
]


def load(*, users: dict[str, Any]) -> None:
    officer = users["officer"]
    today = timezone.localdate()
    for spec in ROLES:
        role = CompetenceRole.objects.filter(name=spec["name"]).first()
        if role is None:
            role = competence_role_create(
                actor=None,
                name=spec["name"],
                description=spec["description"],
                required_competence=spec["required_competence"],
                ai_systems=list(AISystem.objects.filter(name__in=spec["systems"])),
                owner=officer,
                review_interval_days=365,
                next_review_on=today + timedelta(days=300),
            )
        person = users[spec["holder"]]
        if not CompetenceRecord.objects.filter(role=role, person=person).exists():
            competence_record_create(
                actor=None,
                role=role,
                person=person,
                state=CompetenceState.COMPETENT,
                assessed_on=today - timedelta(days=30),
                assessed_by=officer,
                owner=officer,
                notes="研修の修了証を証拠として登録済み。",
                review_interval_days=365,
                next_review_on=today + timedelta(days=335),
            )
