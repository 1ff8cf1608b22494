"""The risk matrices shipped with the platform (3×3 and 5×5) and their default criteria.

Plain data, created by a data migration and checked cell by cell by the tests. Labels are the
platform's own; organisations change them by editing the matrix (which makes a new version once
risks use it) or define matrices of their own.
"""

from __future__ import annotations

from typing import Any


def _step(label_en: str, label_ja: str, description_en: str, description_ja: str) -> dict[str, str]:
    return {
        "label_en": label_en,
        "label_ja": label_ja,
        "description_en": description_en,
        "description_ja": description_ja,
    }


def _level(code: str, label_en: str, label_ja: str, colour: str) -> dict[str, str]:
    return {"code": code, "label_en": label_en, "label_ja": label_ja, "colour": colour}


MATRIX_3X3: dict[str, Any] = {
    "code": "3x3",
    "name_en": "3 × 3 risk matrix",
    "name_ja": "3×3 リスクマトリクス",
    "description_en": "Low / medium / high likelihood and impact; for small organisations and "
    "for impact assessments (severity × likelihood).",
    "description_ja": "発生可能性と影響をそれぞれ低・中・高の3段階で評価する。小規模な組織や"
    "影響評価（重大性×発生可能性）に向く。",
    "likelihood_levels": [
        _step(
            "Low",
            "低",
            "Not expected in the life of the system; would need unusual circumstances.",
            "システムの存続期間中には想定されず、特別な状況でのみ起こりうる。",
        ),
        _step(
            "Medium",
            "中",
            "Could happen in the life of the system; has happened in similar systems.",
            "システムの存続期間中に起こりうる。類似のシステムで起きたことがある。",
        ),
        _step(
            "High",
            "高",
            "Expected to happen, or already happening.",
            "起こることが見込まれる、又は既に起きている。",
        ),
    ],
    "impact_levels": [
        _step(
            "Low",
            "低",
            "Minor, short-lived and easily reversed harm; no effect on rights.",
            "軽微で一時的、容易に回復できる影響。権利への影響はない。",
        ),
        _step(
            "Medium",
            "中",
            "Noticeable harm to individuals or the organisation that can be remedied.",
            "個人又は組織に目に見える影響があるが、回復できる。",
        ),
        _step(
            "High",
            "高",
            "Serious or irreversible harm to people's safety, rights or livelihood, or to society.",
            "人の安全、権利、生活又は社会への重大な、又は回復できない影響。",
        ),
    ],
    "levels": [
        _level("low", "Low", "低", "#16a34a"),
        _level("medium", "Medium", "中", "#f59e0b"),
        _level("high", "High", "高", "#dc2626"),
    ],
    # grid[likelihood - 1][impact - 1]
    "grid": [
        ["low", "low", "medium"],
        ["low", "medium", "high"],
        ["medium", "high", "high"],
    ],
    "acceptable_levels": ["low", "medium"],
}

MATRIX_5X5: dict[str, Any] = {
    "code": "5x5",
    "name_en": "5 × 5 risk matrix",
    "name_ja": "5×5 リスクマトリクス",
    "description_en": "Five steps of likelihood and impact and five risk levels; the default "
    "for the AI risk register.",
    "description_ja": "発生可能性と影響をそれぞれ5段階で評価し、5つのリスクレベルに区分する。"
    "AIリスク登録簿の既定。",
    "likelihood_levels": [
        _step(
            "Rare",
            "まれ",
            "Less than once in ten years, or only in exceptional conditions.",
            "10年に1回未満、又は例外的な条件でのみ起こる。",
        ),
        _step(
            "Unlikely",
            "起こりにくい",
            "Once in a few years; not expected in normal use.",
            "数年に1回程度。通常の利用では想定されない。",
        ),
        _step(
            "Possible",
            "起こりうる",
            "About once a year, or in a minority of uses.",
            "年に1回程度、又は一部の利用で起こる。",
        ),
        _step(
            "Likely",
            "起こりやすい",
            "Several times a year, or in many uses.",
            "年に数回、又は多くの利用で起こる。",
        ),
        _step(
            "Almost certain",
            "ほぼ確実",
            "Expected in normal use, or already observed repeatedly.",
            "通常の利用で起こると見込まれる、又は既に繰り返し起きている。",
        ),
    ],
    "impact_levels": [
        _step(
            "Negligible",
            "軽微",
            "No noticeable harm; an inconvenience.",
            "目立った影響はなく、不便が生じる程度。",
        ),
        _step(
            "Minor",
            "小",
            "Limited harm to a few people, quickly remedied.",
            "少数の人への限定的な影響で、速やかに回復できる。",
        ),
        _step(
            "Moderate",
            "中",
            "Harm to individuals' interests or rights, or to the "
            "organisation, that takes effort to remedy.",
            "個人の利益・権利又は組織への影響があり、回復に相応の対応を要する。",
        ),
        _step(
            "Major",
            "大",
            "Serious harm to health, rights, livelihood or property of many "
            "people, or a breach of law.",
            "多くの人の健康、権利、生活又は財産への重大な影響、又は法令違反。",
        ),
        _step(
            "Severe",
            "甚大",
            "Irreversible harm to life or fundamental rights, or harm to society at large.",
            "生命又は基本的人権への回復できない影響、又は社会全体への影響。",
        ),
    ],
    "levels": [
        _level("very_low", "Very low", "非常に低い", "#15803d"),
        _level("low", "Low", "低", "#65a30d"),
        _level("medium", "Medium", "中", "#f59e0b"),
        _level("high", "High", "高", "#ea580c"),
        _level("very_high", "Very high", "非常に高い", "#b91c1c"),
    ],
    # grid[likelihood - 1][impact - 1]; follows likelihood × impact (1–2 very low, 3–4 low,
    # 5–9 medium, 10–14 high, 15–25 very high).
    "grid": [
        ["very_low", "very_low", "low", "low", "medium"],
        ["very_low", "low", "medium", "medium", "high"],
        ["low", "medium", "medium", "high", "very_high"],
        ["low", "medium", "high", "very_high", "very_high"],
        ["medium", "high", "very_high", "very_high", "very_high"],
    ],
    "acceptable_levels": ["very_low", "low", "medium"],
}

SHIPPED = (MATRIX_5X5, MATRIX_3X3)
DEFAULT_CODE = "5x5"
# Impact assessments rate severity × likelihood as low / medium / high (seed 000).
IMPACT_DEFAULT_CODE = "3x3"


def create_shipped_matrices(matrix_model: Any, criteria_model: Any) -> None:
    """Create the shipped matrices and their criteria where absent (idempotent). Takes the
    model classes so that a data migration can pass its historical models."""
    for data in SHIPPED:
        if matrix_model.objects.filter(code=data["code"]).exists():
            continue
        fields = {k: v for k, v in data.items() if k != "acceptable_levels"}
        matrix = matrix_model.objects.create(
            **fields, version=1, is_current=True, is_default=data["code"] == DEFAULT_CODE
        )
        criteria_model.objects.create(
            matrix=matrix,
            acceptable_levels=data["acceptable_levels"],
            above_criteria_role="top_management",
        )
    mark_impact_default(matrix_model)


def mark_impact_default(matrix_model: Any) -> None:
    """Make the current 3×3 matrix the default of impact assessments when none is (the
    matrix they used before the officer could choose). Skipped for historical models that
    predate the flag."""
    if not any(f.name == "is_impact_default" for f in matrix_model._meta.get_fields()):
        return
    if matrix_model.objects.filter(is_impact_default=True).exists():
        return
    matrix_model.objects.filter(code=IMPACT_DEFAULT_CODE, is_current=True).update(
        is_impact_default=True
    )
