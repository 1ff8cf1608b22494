"""Fixtures of the risk tests: the shipped matrices (made by a migration, so recreated after a
transactional test truncated them) and helpers to register risks."""

from __future__ import annotations

import pytest

from aims.services.inventory import ai_system_create, ai_system_grant
from risk.defaults import create_shipped_matrices
from risk.models import RiskCriteria, RiskMatrix


@pytest.fixture(autouse=True)
def shipped_matrices(db):
    create_shipped_matrices(RiskMatrix, RiskCriteria)


@pytest.fixture
def m5(shipped_matrices):
    return RiskMatrix.objects.get(code="5x5", is_current=True)


@pytest.fixture
def m3(shipped_matrices):
    return RiskMatrix.objects.get(code="3x3", is_current=True)


@pytest.fixture
def system(db):
    return ai_system_create(actor=None, name="採用選考AI", purpose="書類選考の補助")


@pytest.fixture
def other_system(db):
    return ai_system_create(actor=None, name="需要予測AI", purpose="在庫の最適化")


@pytest.fixture
def granted(operator, system):
    ai_system_grant(actor=None, system=system, user=operator)
    return system
