"""Organisation-level records: the organisation and its scope, business units, context
issues, interested parties, objectives and their measured results."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from aims.choices import ContextIssueKind
from aims.models import (
    BusinessUnit,
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveResult,
    Organization,
)
from aims.services.records import objective_result_record, record_create
from tests.factories.base import ServiceFactory
from tests.factories.inventory import AISystemFactory


class RecordFactory(ServiceFactory):
    """A simple governed record made by ``record_create`` (one create change record)."""

    class Meta:
        abstract = True

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> Any:
        return record_create(actor=actor, model=cls._meta.model, **fields)


class OrganizationFactory(RecordFactory):
    """The organisation running the AIMS, with its scope statement (4.3)."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n:03d}")
    scope_statement = "Every AI system the organisation develops or uses."


class BusinessUnitFactory(RecordFactory):
    """A business unit that owns AI systems."""

    class Meta:
        model = BusinessUnit

    name = factory.Sequence(lambda n: f"Business unit {n:03d}")
    code = factory.Sequence(lambda n: f"BU{n:03d}")


class ContextIssueFactory(RecordFactory):
    """An internal (unless ``kind`` says otherwise) issue of the organisation's context (4.1)."""

    class Meta:
        model = ContextIssue

    title = factory.Sequence(lambda n: f"Context issue {n:03d}")
    kind = ContextIssueKind.INTERNAL


class InterestedPartyFactory(RecordFactory):
    """An interested party with its needs and expectations (4.2)."""

    class Meta:
        model = InterestedParty

    name = factory.Sequence(lambda n: f"Interested party {n:03d}")
    needs_and_expectations = "To be informed of changes that affect them."


class ObjectiveFactory(RecordFactory):
    """An AI objective (6.2) for the AI systems ``ai_systems`` (a new one unless given;
    ``ai_systems=[]`` makes an organisation-wide objective)."""

    class Meta:
        model = Objective

    title = factory.Sequence(lambda n: f"Objective {n:03d}")
    target = "Selection-rate gap below 2 points"
    ai_systems = factory.LazyFunction(lambda: [AISystemFactory()])


class ObjectiveResultFactory(ServiceFactory):
    """One measured result (9.1) of ``objective`` (a new one unless given), recorded by
    ``objective_result_record`` (logged as a created result)."""

    class Meta:
        model = ObjectiveResult

    objective = factory.SubFactory(ObjectiveFactory)
    measured_on = factory.Sequence(lambda n: date(2025, 1, 1).replace(day=1 + n % 28))
    value = factory.Sequence(lambda n: f"{n} %")

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> ObjectiveResult:
        return objective_result_record(actor=actor, **fields)
