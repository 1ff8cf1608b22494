"""Certification readiness: which documented information ISO/IEC 42001 asks for is present,
approved and current, computed from the live records.

The items are data (``library/readiness/iso-iec-42001-readiness.yaml``: stable ids, clauses,
titles and what counts as present, in our own words, and whether the Stage 1 or the Stage 2
audit looks at them), read and validated by ``readiness_items``. The state of each item comes
from the check the app holding its records registered (``registry.add_readiness_check``); the
core names no domain app. An item without a check is "not checked", and blocks like a missing
one. A stage is ready when every item it looks at is present and approved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.registry import ReadinessResult, registry

FORMAT = "aims-readiness/1"
READINESS_FILE = Path(settings.BASE_DIR) / "library" / "readiness" / "iso-iec-42001-readiness.yaml"
ITEM_ID = re.compile(r"^r-\d+(\.\d+)*(-[a-z0-9]+)+$")
STAGES = ("stage1", "stage2")


class ReadinessState(models.TextChoices):
    PRESENT_APPROVED = "present_approved", _("Present and approved")
    PRESENT_STALE = "present_stale", _("Present but stale or not approved")
    MISSING = "missing", _("Missing")
    NOT_CHECKED = "not_checked", _("Not checked")


CHECKED_STATES = (
    ReadinessState.PRESENT_APPROVED,
    ReadinessState.PRESENT_STALE,
    ReadinessState.MISSING,
)


class ReadinessFileError(ImproperlyConfigured):
    """The readiness file is not valid: ``errors`` says where and why."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class ReadinessItem:
    id: str
    clauses: tuple[str, ...]
    title_en: str
    title_ja: str
    present_when_en: str
    present_when_ja: str
    stage1: bool
    stage2: bool

    @property
    def title(self) -> str:
        return self.title_ja if (get_language() or "").startswith("ja") else self.title_en

    @property
    def present_when(self) -> str:
        if (get_language() or "").startswith("ja"):
            return self.present_when_ja
        return self.present_when_en


def _texts(errors: list[str], where: str, value: Any) -> tuple[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in ("en", "ja")
    ):
        errors.append(f"{where}: give the text in English (en) and Japanese (ja)")
        return "", ""
    return value["en"].strip(), value["ja"].strip()


def parse_readiness(content: str, label: str = "readiness") -> list[ReadinessItem]:
    """The items of a readiness file; ``ReadinessFileError`` naming every problem."""
    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise ReadinessFileError([f"{label}: not a readable YAML file ({exc})"]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReadinessFileError([f"{label}: 'format' must be '{FORMAT}'"])
    raw = doc.get("items")
    if not isinstance(raw, list) or not raw:
        raise ReadinessFileError([f"{label}: 'items' must be a non-empty list"])
    errors: list[str] = []
    items: list[ReadinessItem] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"{label}: items[{index}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        item_id = entry.get("id")
        if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
            errors.append(f"{where}: 'id' must look like r-4.3-scope")
            continue
        where = f"{label}: {item_id}"
        if item_id in seen:
            errors.append(f"{where}: the id is used twice")
        seen.add(item_id)
        clauses = entry.get("clauses")
        if (
            not isinstance(clauses, list)
            or not clauses
            or not all(isinstance(c, str) and re.match(r"^\d+(\.\d+)*$", c) for c in clauses)
        ):
            errors.append(f"{where}: 'clauses' must list clause numbers such as \"4.3\"")
            clauses = []
        title = _texts(errors, f"{where}: title", entry.get("title"))
        present = _texts(errors, f"{where}: present_when", entry.get("present_when"))
        stages = {stage: entry.get(stage) for stage in STAGES}
        if not all(isinstance(v, bool) for v in stages.values()):
            errors.append(f"{where}: 'stage1' and 'stage2' must be true or false")
        elif not any(stages.values()):
            errors.append(f"{where}: an item belongs to Stage 1, Stage 2 or both")
        items.append(
            ReadinessItem(
                id=item_id,
                clauses=tuple(clauses),
                title_en=title[0],
                title_ja=title[1],
                present_when_en=present[0],
                present_when_ja=present[1],
                stage1=stages["stage1"] is True,
                stage2=stages["stage2"] is True,
            )
        )
    if errors:
        raise ReadinessFileError(errors)
    return items


@cache
def readiness_items() -> tuple[ReadinessItem, ...]:
    """The shipped readiness items, read once per process."""
    label = str(READINESS_FILE.relative_to(settings.BASE_DIR))
    return tuple(parse_readiness(READINESS_FILE.read_text(encoding="utf-8"), label))


@dataclass(frozen=True)
class ItemState:
    item: ReadinessItem
    state: str
    reason: str
    url: str

    @property
    def state_label(self) -> str:
        return str(ReadinessState(self.state).label)

    @property
    def ready(self) -> bool:
        return self.state == ReadinessState.PRESENT_APPROVED


@dataclass(frozen=True)
class Verdict:
    stage: str
    ready: bool
    blocking: tuple[ItemState, ...]


@dataclass(frozen=True)
class Readiness:
    items: tuple[ItemState, ...]
    stage1: Verdict
    stage2: Verdict
    today: date


def item_state(item: ReadinessItem, user: Any, today: date) -> ItemState:
    check = registry.readiness_checks.get(item.id)
    if check is None:
        return ItemState(item, ReadinessState.NOT_CHECKED, "", "")
    result: ReadinessResult = check(user, today)
    if result.state not in CHECKED_STATES:
        raise ValueError(f"The check of {item.id} answered an unknown state {result.state!r}")
    return ItemState(item, result.state, str(result.reason), result.url)


def readiness(user: Any, today: date | None = None) -> Readiness:
    """Every item's state for ``user`` (the page is for those who see all records) on
    ``today``, and the Stage 1 and Stage 2 verdicts with the items that block them."""
    today = today or timezone.localdate()
    states = tuple(item_state(item, user, today) for item in readiness_items())

    def verdict(stage: str) -> Verdict:
        blocking = tuple(s for s in states if getattr(s.item, stage) and not s.ready)
        return Verdict(stage=stage, ready=not blocking, blocking=blocking)

    return Readiness(items=states, stage1=verdict("stage1"), stage2=verdict("stage2"), today=today)


# --- Helpers the apps' checks share ---------------------------------------------------------------
def present(reason: Any = "", url: str = "") -> ReadinessResult:
    return ReadinessResult(ReadinessState.PRESENT_APPROVED, str(reason), url)


def stale(reason: Any, url: str = "") -> ReadinessResult:
    return ReadinessResult(ReadinessState.PRESENT_STALE, str(reason), url)


def missing(reason: Any, url: str = "") -> ReadinessResult:
    return ReadinessResult(ReadinessState.MISSING, str(reason), url)
