"""An external auditor named on an audit reads exactly its scope during the access window
and gets 404 for everything the day after (a travelling clock)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aims.choices import Role
from aims.scope import VIEW, restrict
from audit.services import audits as services
from controls.models import Evidence, StatementOfApplicability
from controls.services.soa import soa_approve, soa_submit
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import (
    AISystemFactory,
    ClauseAssessmentFactory,
    EvidenceFactory,
    RiskFactory,
    UserFactory,
)
from tests.factories.audit import AuditFactory, FindingFactory
from tests.factories.soa import ApplicabilityStatementFactory, SoaFactory, make_control

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)
UNTIL = datetime.datetime(2026, 11, 15, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world():
    """An audit sampling one AI system, with a clause and a control requirement in scope, the
    SoA in effect, in-scope and out-of-scope records; an external auditor named on it for
    1–15 November 2026."""
    with time_machine.travel(datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)):
        sampled = AISystemFactory(name="Sampled")
        other = AISystemFactory(name="Other")
        risk = RiskFactory(ai_systems=[sampled], title="In scope")
        other_risk = RiskFactory(ai_systems=[other], title="Out of scope")
        assessment = ClauseAssessmentFactory()
        soa = SoaFactory()
        row = ApplicabilityStatementFactory(soa=soa)
        control = make_control("CTL-IN", requirements=[row.requirement])
        from controls.services.soa import soa_row_update

        soa_row_update(actor=None, row=row, controls=[control])
        soa_submit(actor=None, soa=soa)
        soa = soa_approve(actor=UserFactory(roles=[Role.TOP_MANAGEMENT]), soa=soa)
        evidence_in = EvidenceFactory(ai_systems=[], title="In-scope evidence")
        evidence_in.controls.add(control)
        evidence_out = EvidenceFactory(ai_systems=[], title="Out-of-scope evidence")
        outside_control = make_control("CTL-OUT")
        audit = AuditFactory(
            ai_systems=[sampled],
            requirements=[assessment.requirement, row.requirement],
            state="in_progress",
        )
        finding = FindingFactory(
            audit=audit,
            requirement=row.requirement,
            evidence_versions=[evidence_in.current_version],
        )
        other_audit = AuditFactory(ai_systems=[other])
        external = UserFactory(username="ext", roles=[Role.EXTERNAL_AUDITOR])
        services.auditor_access_grant(
            actor=audit.owner, audit=audit, user=external, access_from=START, access_until=UNTIL
        )
    return {
        "external": external,
        "audit": audit,
        "finding": finding,
        "sampled": sampled,
        "risk": risk,
        "soa": soa,
        "row": soa.rows.get(),
        "assessment": assessment,
        "control": control,
        "evidence_in": evidence_in,
        "in_scope": [
            ("page", "audit", audit),
            ("page", "audit_finding", finding),
            ("page", "ai_system", sampled),
            ("page", "risk", risk),
            ("page", "soa_version", soa),
            ("page", "evidence", evidence_in),
            ("page", "control", control),
            ("api", "audit", audit),
            ("api", "finding", finding),
            ("api", "ai-system", sampled),
            ("api", "risk", risk),
            ("api", "soa", soa),
            ("api", "soa-row", soa.rows.get()),
            ("api", "evidence", evidence_in),
            ("api", "control", control),
            ("api", "clause-assessment", assessment),
        ],
        "out_of_scope": [
            ("page", "audit", other_audit),
            ("page", "ai_system", other),
            ("page", "risk", other_risk),
            ("page", "evidence", evidence_out),
            ("page", "control", outside_control),
            ("api", "audit", other_audit),
            ("api", "ai-system", other),
            ("api", "risk", other_risk),
            ("api", "evidence", evidence_out),
            ("api", "control", outside_control),
        ],
    }


def _status(user, kind: str, name: str, obj) -> int:
    if kind == "page":
        return logged_in_client(user).get(reverse(name, args=[obj.pk])).status_code
    url = reverse(f"api:{name}-detail", args=[obj.pk])
    return logged_in_api_client(user).get(url).status_code


def test_during_the_window_the_external_auditor_reads_the_audits_scope(world):
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)):
        for kind, name, obj in world["in_scope"]:
            assert _status(world["external"], kind, name, obj) == 200, (kind, name)


def test_during_the_window_records_beyond_the_scope_answer_404(world):
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)):
        for kind, name, obj in world["out_of_scope"]:
            assert _status(world["external"], kind, name, obj) == 404, (kind, name)


def test_the_day_after_the_window_everything_answers_404(world):
    with time_machine.travel(UNTIL + datetime.timedelta(days=1)):
        for kind, name, obj in world["in_scope"]:
            assert _status(world["external"], kind, name, obj) == 404, (kind, name)


def test_before_the_window_everything_answers_404(world):
    with time_machine.travel(START - datetime.timedelta(hours=1)):
        for kind, name, obj in world["in_scope"][:4]:
            assert _status(world["external"], kind, name, obj) == 404, (kind, name)


def test_the_lists_hold_exactly_the_scope(world):
    external = world["external"]
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)):
        evidence = restrict(Evidence.objects.all(), external, VIEW)
        assert list(evidence) == [world["evidence_in"]]
        versions = restrict(StatementOfApplicability.objects.all(), external, VIEW)
        assert list(versions) == [world["soa"]]
        response = logged_in_api_client(external).get(reverse("api:audit-list"))
        assert [a["id"] for a in response.json()["results"]] == [world["audit"].pk]


def test_the_external_auditor_changes_nothing(world):
    external = world["external"]
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)):
        url = reverse("api:finding-detail", args=[world["finding"].pk])
        response = logged_in_api_client(external).patch(url, {"title": "x"}, format="json")
        assert response.status_code == 403
        world["finding"].refresh_from_db()
        assert world["finding"].title != "x"


def test_another_external_auditor_not_named_sees_nothing(world):
    stranger = UserFactory(username="stranger", roles=[Role.EXTERNAL_AUDITOR])
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)):
        for kind, name, obj in world["in_scope"][:8]:
            assert _status(stranger, kind, name, obj) == 404, (kind, name)


def test_only_external_auditors_are_named_and_the_window_is_ordered(world):
    from django.core.exceptions import ValidationError

    audit = world["audit"]
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.auditor_access_grant(
            actor=audit.owner,
            audit=audit,
            user=UserFactory(roles=[Role.VIEWER]),
            access_from=now,
            access_until=now + datetime.timedelta(days=1),
        )
    assert "user" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.auditor_access_grant(
            actor=audit.owner,
            audit=audit,
            user=UserFactory(username="ext2", roles=[Role.EXTERNAL_AUDITOR]),
            access_from=now,
            access_until=now - datetime.timedelta(days=1),
        )
    assert "access_until" in error.value.message_dict
    assert audit.accesses.count() == 1


def test_the_ai_policy_and_the_documents_of_clauses_in_scope_are_read_in_their_approved_versions(
    world,
):
    from aims.models import Document, DocumentVersion
    from aims.services.conformance import clause_assessment_update
    from tests.factories import DocumentFactory

    with time_machine.travel(datetime.datetime(2026, 10, 2, 9, 0, tzinfo=datetime.UTC)):
        policy = DocumentFactory(kind="ai_policy", state="approved")
        linked = DocumentFactory(state="approved")
        clause_assessment_update(actor=None, assessment=world["assessment"], documents=[linked])
        unrelated = DocumentFactory(state="approved")
        draft_policy = DocumentFactory(kind="ai_policy")
    external = world["external"]
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)):
        documents = set(restrict(Document.objects.all(), external, VIEW))
        assert documents == {policy, linked, draft_policy}
        assert unrelated not in documents
        versions = set(restrict(DocumentVersion.objects.all(), external, VIEW))
        assert versions == {*policy.versions.all(), *linked.versions.all()}
    with time_machine.travel(UNTIL + datetime.timedelta(days=1)):
        assert not restrict(Document.objects.all(), external, VIEW).exists()
