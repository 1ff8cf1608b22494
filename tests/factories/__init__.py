"""factory_boy factories for every governed model, shared by the tests of every app.

Governed records are made through their services (``ServiceFactory``), so their invariants
hold and their change records are written as in production. A record that belongs to AI
systems takes them (``RiskFactory(ai_systems=[s])``, ``ImpactAssessmentFactory(ai_system=s)``)
or the record it hangs from (``TreatmentActionFactory(risk=r)``,
``ImpactEntryFactory(assessment=a)``), and makes a new AI system when none is given;
``AISystemFactory(granted_to=[user_or_group])`` grants the system. ``actor=`` says who made
the change (the platform itself when omitted).
"""

from tests.factories.accounts import PASSWORD, ApiTokenFactory, NotificationFactory, UserFactory
from tests.factories.base import ServiceFactory
from tests.factories.controls import ControlFactory, ControlTestFactory
from tests.factories.documents import ClauseAssessmentFactory, DocumentFactory, iso_clause
from tests.factories.evidence import EvidenceFactory, EvidenceVersionFactory
from tests.factories.impact import ImpactAssessmentFactory, ImpactEntryFactory
from tests.factories.inventory import AISystemFactory
from tests.factories.library import (
    FrameworkFactory,
    MappingFactory,
    RequirementFactory,
    load_taxonomies,
    taxonomy_item,
)
from tests.factories.nonconformities import CorrectiveActionFactory, NonconformityFactory
from tests.factories.records import (
    BusinessUnitFactory,
    ContextIssueFactory,
    InterestedPartyFactory,
    ObjectiveFactory,
    ObjectiveResultFactory,
    OrganizationFactory,
)
from tests.factories.reports import ReportJobFactory
from tests.factories.risk import (
    RiskAcceptanceFactory,
    RiskFactory,
    RiskMatrixFactory,
    TreatmentActionFactory,
    shipped_matrices,
)
from tests.factories.soa import ApplicabilityStatementFactory, SoaFactory

__all__ = [
    "PASSWORD",
    "AISystemFactory",
    "ApiTokenFactory",
    "ApplicabilityStatementFactory",
    "BusinessUnitFactory",
    "ClauseAssessmentFactory",
    "ContextIssueFactory",
    "ControlFactory",
    "ControlTestFactory",
    "CorrectiveActionFactory",
    "DocumentFactory",
    "EvidenceFactory",
    "EvidenceVersionFactory",
    "FrameworkFactory",
    "ImpactAssessmentFactory",
    "ImpactEntryFactory",
    "InterestedPartyFactory",
    "MappingFactory",
    "NonconformityFactory",
    "NotificationFactory",
    "ObjectiveFactory",
    "ObjectiveResultFactory",
    "OrganizationFactory",
    "ReportJobFactory",
    "RequirementFactory",
    "RiskAcceptanceFactory",
    "RiskFactory",
    "RiskMatrixFactory",
    "ServiceFactory",
    "SoaFactory",
    "TreatmentActionFactory",
    "UserFactory",
    "iso_clause",
    "load_taxonomies",
    "shipped_matrices",
    "taxonomy_item",
]
