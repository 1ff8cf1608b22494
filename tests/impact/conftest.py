"""Fixtures of the impact tests: matrices, the library taxonomies entries point at, and a
small AI system with a risk."""

from __future__ import annotations

from pathlib import Path

import pytest

from aims.models import Requirement
from aims.services.inventory import ai_system_create, ai_system_grant
from aims.services.library import library_load
from risk.defaults import create_shipped_matrices
from risk.models import RiskCriteria, RiskMatrix

LIBRARY = Path(__file__).resolve().parents[2] / "library" / "frameworks"
TAXONOMIES = (
    "taxonomy-affected-parties.yaml",
    "taxonomy-impact-areas.yaml",
    "taxonomy-ai-risk-categories.yaml",
)


@pytest.fixture(autouse=True)
def shipped(db):
    create_shipped_matrices(RiskMatrix, RiskCriteria)
    if not Requirement.objects.filter(framework__urn__contains="taxonomy-impact-areas").exists():
        library_load(
            files=[(name, (LIBRARY / name).read_bytes()) for name in TAXONOMIES], actor=None
        )


def party(ref_id: str) -> Requirement:
    return Requirement.objects.get(
        framework__urn="urn:aims:framework:taxonomy-affected-parties", ref_id=ref_id
    )


def area(ref_id: str) -> Requirement:
    return Requirement.objects.get(
        framework__urn="urn:aims:framework:taxonomy-impact-areas", ref_id=ref_id
    )


@pytest.fixture
def system(db):
    return ai_system_create(
        actor=None, name="顔画像認識AI", version="2.2", purpose="公共空間での不審者検知"
    )


@pytest.fixture
def other_system(db):
    return ai_system_create(actor=None, name="需要予測AI", purpose="在庫の最適化")


@pytest.fixture
def granted(operator, system):
    ai_system_grant(actor=None, system=system, user=operator)
    return system
