"""The factories make records through the services: every governed record comes with its
create change record, the scope parameters put it where the test says, and the workflow
states are reached by the workflow's own steps."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from aims.choices import Action, ApprovalStatus
from aims.models import ChangeRecord, ClauseAssessment
from risk.choices import RiskStatus
from tests.conftest import logged_in_api_client
from tests.factories import (
    AISystemFactory,
    ApiTokenFactory,
    BusinessUnitFactory,
    ClauseAssessmentFactory,
    ContextIssueFactory,
    DocumentFactory,
    FrameworkFactory,
    ImpactAssessmentFactory,
    ImpactEntryFactory,
    InterestedPartyFactory,
    MappingFactory,
    ObjectiveFactory,
    ObjectiveResultFactory,
    OrganizationFactory,
    RequirementFactory,
    RiskAcceptanceFactory,
    RiskFactory,
    RiskMatrixFactory,
    TreatmentActionFactory,
)


def actions_on(obj) -> list[str]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(
        ChangeRecord.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


GOVERNED = [
    AISystemFactory,
    OrganizationFactory,
    BusinessUnitFactory,
    ContextIssueFactory,
    InterestedPartyFactory,
    ObjectiveFactory,
    ObjectiveResultFactory,
    ClauseAssessmentFactory,
    DocumentFactory,
    ApiTokenFactory,
    RiskFactory,
    TreatmentActionFactory,
    ImpactAssessmentFactory,
    ImpactEntryFactory,
    FrameworkFactory,
]


@pytest.mark.parametrize("factory_class", GOVERNED, ids=[f.__name__ for f in GOVERNED])
def test_each_governed_record_is_made_with_its_create_record(db, factory_class):
    obj = factory_class()
    assert type(obj)._default_manager.filter(pk=obj.pk).exists()
    assert actions_on(obj) == [Action.CREATE]


def test_the_actor_is_recorded(officer):
    unit = BusinessUnitFactory(actor=officer)
    assert ChangeRecord.objects.get(object_id=str(unit.pk), action="create").actor == officer


def test_sequences_make_distinct_records(db):
    assert AISystemFactory().name != AISystemFactory().name


def test_build_is_refused_because_it_would_skip_the_service():
    with pytest.raises(TypeError, match="service"):
        AISystemFactory.build()


def test_a_granted_system_is_visible_to_its_grantee_only(operator):
    granted = AISystemFactory(granted_to=[operator])
    AISystemFactory()
    client = logged_in_api_client(operator)
    listed = [row["id"] for row in client.get(reverse("api:ai-system-list")).json()["results"]]
    assert listed == [granted.pk]
    assert actions_on(granted) == [Action.CREATE, Action.GRANT]


def test_records_of_ai_systems_take_their_systems(db):
    system = AISystemFactory()
    assert list(RiskFactory(ai_systems=[system]).ai_systems.all()) == [system]
    assert list(ObjectiveFactory(ai_systems=[system]).ai_systems.all()) == [system]
    assert ImpactAssessmentFactory(ai_system=system).ai_system == system
    assert TreatmentActionFactory(risk__ai_systems=[system]).risk.ai_systems.get() == system
    assert ImpactEntryFactory(assessment__ai_system=system).assessment.ai_system == system
    assert RiskFactory().ai_systems.count() == 1  # a new system when none is given
    assert not RiskFactory(ai_systems=[]).ai_systems.exists()  # organisation-wide


def test_a_treatment_action_puts_its_risk_in_treatment(db):
    action = TreatmentActionFactory()
    assert action.risk.status == RiskStatus.IN_TREATMENT
    assert actions_on(action.risk) == [Action.CREATE, Action.UPDATE]


def test_an_acceptance_is_the_acceptance_step(db):
    acceptance = RiskAcceptanceFactory()
    assert acceptance.risk.status == RiskStatus.ACCEPTED
    assert actions_on(acceptance.risk) == [Action.CREATE, Action.ACCEPT]


@pytest.mark.parametrize(
    ("state", "steps"),
    [
        ("draft", [Action.CREATE]),
        ("in_review", [Action.CREATE, Action.SUBMIT]),
        ("approved", [Action.CREATE, Action.SUBMIT, Action.APPROVE]),
    ],
)
def test_impact_assessment_states_follow_the_workflow(db, state, steps):
    assessment = ImpactAssessmentFactory(state=state)
    assert assessment.status == ApprovalStatus(state)
    assert actions_on(assessment) == steps
    if state != "draft":
        assert assessment.entries.count() == 1  # submitting needs a consequence


@pytest.mark.parametrize("state", ["draft", "in_review", "approved"])
def test_document_states_follow_the_workflow(db, state):
    version = DocumentFactory(state=state).versions.get()
    assert version.status == ApprovalStatus(state)


def test_shipped_and_new_matrices(db):
    assert RiskMatrixFactory().code == "5x5" and RiskMatrixFactory().is_default
    assert RiskMatrixFactory(code="3x3").size == (3, 3)
    custom = RiskMatrixFactory(code="custom")
    assert custom.size == (3, 3) and actions_on(custom) == [Action.CREATE]


def test_clause_assessments_come_from_loading_clauses(db):
    first, second = ClauseAssessmentFactory(), ClauseAssessmentFactory(status="partial")
    assert [first.requirement.ref_id, second.requirement.ref_id] == ["4.1", "4.2"]
    assert ClauseAssessment.objects.count() == 2
    assert second.status == "partial"
    assert actions_on(second) == [Action.CREATE, Action.UPDATE]


def test_library_rows(db):
    framework = FrameworkFactory()
    requirement = RequirementFactory(framework=framework)
    assert framework.requirements.count() == 2 and requirement.framework == framework
    mapping = MappingFactory(source=requirement)
    assert mapping.source == requirement and mapping.target.framework != framework


def test_a_token_carries_its_string(db):
    token = ApiTokenFactory(scope="write")
    client = logged_in_api_client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    assert client.get(reverse("api:me")).json()["username"] == token.user.username
