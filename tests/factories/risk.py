"""The risk register: matrices, risks, treatment actions and acceptances."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from risk.defaults import MATRIX_3X3, create_shipped_matrices
from risk.models import Risk, RiskAcceptance, RiskCriteria, RiskMatrix, TreatmentAction
from risk.services.acceptance import risk_accept
from risk.services.matrices import risk_matrix_create
from risk.services.register import risk_create
from risk.services.treatment import treatment_action_create
from tests.factories.base import ServiceFactory
from tests.factories.documents import make_approver
from tests.factories.inventory import AISystemFactory

SHIPPED_CODES = ("5x5", "3x3")


def shipped_matrices() -> None:
    """The shipped 3×3 and 5×5 matrices (made by a data migration, so recreated after a
    transactional test truncated them)."""
    create_shipped_matrices(RiskMatrix, RiskCriteria)


class RiskMatrixFactory(ServiceFactory):
    """A risk matrix. ``code="5x5"`` (the default, the default matrix) or ``"3x3"`` returns
    the current version of that shipped matrix; any other code defines a new matrix of the
    3×3 shape with ``risk_matrix_create``, and ``custom=True`` does so with a new code."""

    class Meta:
        model = RiskMatrix

    class Params:
        custom = factory.Trait(code=factory.Sequence(lambda n: f"matrix-{n:03d}"))

    code = "5x5"

    @classmethod
    def create_through_service(cls, *, actor: Any, code: str, **fields: Any) -> RiskMatrix:
        if code in SHIPPED_CODES:
            shipped_matrices()
            return RiskMatrix.objects.get(code=code, is_current=True)
        data = {
            name: value
            for name, value in MATRIX_3X3.items()
            if name not in ("code", "acceptable_levels")
        }
        data.update(name_en=f"Matrix {code}", name_ja=f"マトリクス {code}", **fields)
        data.setdefault("acceptable_levels", MATRIX_3X3["acceptable_levels"])
        return risk_matrix_create(actor=actor, code=code, **data)


class RiskFactory(ServiceFactory):
    """A risk registered by ``risk_create`` for the AI systems ``ai_systems`` (a new one
    unless given; ``ai_systems=[]`` makes an organisation-wide risk), on the default (5×5)
    matrix unless ``matrix`` is given. The owner is the actor unless given (nobody for the
    platform), so an approver may accept it."""

    class Meta:
        model = Risk

    title = factory.Sequence(lambda n: f"Risk {n:03d}")
    ai_systems = factory.LazyFunction(lambda: [AISystemFactory()])
    inherent_likelihood = 2
    inherent_impact = 2

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> Risk:
        shipped_matrices()
        return risk_create(actor=actor, **fields)


class TreatmentActionFactory(ServiceFactory):
    """A step of the treatment plan of ``risk`` (a new risk of a new AI system unless given;
    ``risk__ai_systems=[s]`` puts it on ``s``), made by ``treatment_action_create`` (which
    moves an open risk into treatment)."""

    class Meta:
        model = TreatmentAction

    risk = factory.SubFactory(RiskFactory)
    title = factory.Sequence(lambda n: f"Treatment action {n:03d}")

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> TreatmentAction:
        return treatment_action_create(actor=actor, **fields)


class RiskAcceptanceFactory(ServiceFactory):
    """The acceptance of ``risk`` (a new risk of a new AI system unless given) by
    ``accepted_by`` (top management unless given: they may accept any level, within the
    criteria or above), made by ``risk_accept``; it holds for 180 days."""

    class Meta:
        model = RiskAcceptance

    risk = factory.SubFactory(RiskFactory)
    accepted_by = factory.LazyFunction(make_approver)
    rationale = "Residual risk within appetite after the treatment."
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=180))

    @classmethod
    def create_through_service(cls, *, actor: Any, accepted_by: Any, **fields: Any) -> Any:
        return risk_accept(actor=accepted_by, **fields)
