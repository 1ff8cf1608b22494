"""AI system impact assessments and their entries (consequences)."""

from __future__ import annotations

from typing import Any

import factory

from impact.models import ImpactAssessment, ImpactEntry
from impact.services import (
    impact_assessment_approve,
    impact_assessment_create,
    impact_assessment_submit,
    impact_entry_create,
)
from tests.factories.base import ServiceFactory
from tests.factories.documents import make_approver
from tests.factories.inventory import AISystemFactory
from tests.factories.library import load_taxonomies, taxonomy_item
from tests.factories.risk import shipped_matrices

ASSESSMENT_STATES = ("draft", "in_review", "approved")


class ImpactAssessmentFactory(ServiceFactory):
    """The impact assessment of ``ai_system`` (a new one unless given), started by
    ``impact_assessment_create`` on the 3×3 matrix, then in ``state``: ``draft`` (the default),
    ``in_review`` (one entry recorded, submitted by the actor) or ``approved`` (also approved
    by ``approver``, top management unless given, who must not be the author)."""

    class Meta:
        model = ImpactAssessment

    ai_system = factory.SubFactory(AISystemFactory)
    intended_use = factory.LazyAttribute(lambda a: f"What {a.ai_system.name} is used for")
    severity = 1
    likelihood = 1
    state = "draft"
    approver = None

    @classmethod
    def create_through_service(
        cls, *, actor: Any, state: str, approver: Any, **fields: Any
    ) -> ImpactAssessment:
        if state not in ASSESSMENT_STATES:
            raise ValueError(f"state is one of {ASSESSMENT_STATES}, not {state!r}")
        shipped_matrices()
        assessment = impact_assessment_create(actor=actor, **fields)
        if state in ("in_review", "approved"):
            ImpactEntryFactory(assessment=assessment, actor=actor)
            assessment = impact_assessment_submit(actor=actor, assessment=assessment)
        if state == "approved":
            assessment = impact_assessment_approve(
                actor=approver or make_approver(), assessment=assessment
            )
        return assessment


class ImpactEntryFactory(ServiceFactory):
    """A consequence recorded in ``assessment`` (a new draft of a new AI system unless given;
    ``assessment__ai_system=s`` puts it on ``s``) by ``impact_entry_create``: harm to
    individuals' privacy, on the shipped taxonomies, unless told otherwise."""

    class Meta:
        model = ImpactEntry

    assessment = factory.SubFactory(ImpactAssessmentFactory)
    party_type = factory.LazyFunction(lambda: taxonomy_item("affected-parties", "individuals"))
    impact_area = factory.LazyFunction(lambda: taxonomy_item("impact-areas", "privacy"))
    description = factory.Sequence(lambda n: f"Consequence {n:03d}")
    severity = 1
    likelihood = 1

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> ImpactEntry:
        load_taxonomies()
        return impact_entry_create(actor=actor, **fields)
