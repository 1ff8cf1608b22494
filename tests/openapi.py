"""Reading the API's OpenAPI description in tests: the schema as a client fetches it, and
responses checked against what it declares (JSON Schema validation of the body).

The description is OpenAPI 3.0, whose ``nullable`` JSON Schema does not know: ``json_schema``
turns it into the JSON Schema spelling (``"type": ["string", "null"]``), and makes every
declared object closed (``additionalProperties: false`` where the schema says nothing), so an
undeclared key in a response fails as surely as a missing or mistyped one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from jsonschema import Draft202012Validator

HTTP_METHODS = ("get", "put", "patch", "post", "delete")


def fetch_schema(client: Any) -> dict[str, Any]:
    """The OpenAPI description as served at ``/api/v1/schema/`` (JSON)."""
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    return response.json()


def operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` of every operation."""
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def json_schema(node: Any) -> Any:
    """``node`` (an OpenAPI 3.0 schema object) as JSON Schema 2020-12: ``nullable`` spelled
    out, objects with declared properties closed."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def match_operation(
    openapi: dict[str, Any], method: str, url: str
) -> tuple[str, dict[str, Any]] | None:
    """The templated path and operation that serve ``method url`` (query string ignored)."""
    url = url.split("?", 1)[0]
    item = openapi["paths"].get(url)  # a literal path before a template that also matches it
    if item is not None and method.lower() in item:
        return url, item[method.lower()]
    for path, item in openapi["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        if re.match(pattern, url) and method.lower() in item:
            return path, item[method.lower()]
    return None


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def response_problems(openapi: dict[str, Any], method: str, url: str, response: Any) -> list[str]:
    """What is wrong with ``response`` to ``method url`` by the description: an undeclared
    status or content type, or a JSON body that does not validate (each error a line)."""
    matched = match_operation(openapi, method, url)
    if matched is None:
        return [f"{method.upper()} {url}: no such operation in the schema"]
    path, operation = matched
    label = f"{method.upper()} {path} → {response.status_code}"
    declared = operation["responses"].get(str(response.status_code))
    if declared is None:
        return [f"{label}: status not declared ({sorted(operation['responses'])})"]
    content = declared.get("content")
    if not content:
        body = _body(response)
        return [f"{label}: declared without a body, got {body[:200]!r}"] if body else []
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    if media_type not in content:
        return [f"{label}: content type {media_type!r} not declared ({sorted(content)})"]
    if media_type != "application/json":
        return []
    schema = {
        "components": json_schema(openapi["components"]),
        **json_schema(content[media_type]["schema"]),
    }
    validator = Draft202012Validator(schema)
    return [
        f"{label}: at {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}"
        for error in validator.iter_errors(response.json())
    ]


def varied_records(officer: Any, executive: Any) -> dict[str, Any]:
    """At least one row of every resource of the API, in the shapes that leave fields empty
    (``null``) and in those that fill them: records made by the platform (no author, no
    owner) and by people, drafts, reviews and approvals, open and accepted risks, queued and
    finished report jobs. Returns a few of them by name."""
    from datetime import date

    from aims.services.accounts import notifications_mark_read, token_revoke
    from aims.services.approval import approval_new_version, approval_return
    from aims.services.documents import latest_version
    from aims.services.inventory import ai_system_retire
    from tests.factories import (
        AISystemFactory,
        ApiTokenFactory,
        BusinessUnitFactory,
        ClauseAssessmentFactory,
        ContextIssueFactory,
        DocumentFactory,
        ImpactAssessmentFactory,
        ImpactEntryFactory,
        InterestedPartyFactory,
        MappingFactory,
        NotificationFactory,
        ObjectiveFactory,
        ObjectiveResultFactory,
        OrganizationFactory,
        ReportJobFactory,
        RiskAcceptanceFactory,
        RiskFactory,
        RiskMatrixFactory,
        TreatmentActionFactory,
        load_taxonomies,
        taxonomy_item,
    )

    load_taxonomies()
    unit = BusinessUnitFactory(owner=officer, description="Hiring")
    BusinessUnitFactory()
    bare = AISystemFactory()
    full = AISystemFactory(
        actor=officer,
        owner=officer,
        business_unit=unit,
        affected_parties=[taxonomy_item("affected-parties", "individuals")],
        next_review_on=date(2026, 6, 30),
    )
    ai_system_retire(actor=officer, system=AISystemFactory())
    RiskMatrixFactory(custom=True)
    open_risk = RiskFactory(ai_systems=[bare])
    accepted = RiskFactory(
        actor=officer,
        ai_systems=[full],
        owner=officer,
        residual_likelihood=1,
        residual_impact=1,
        categories=[taxonomy_item("ai-risk-categories", "security")],
    )
    RiskAcceptanceFactory(risk=accepted, accepted_by=executive)
    RiskFactory(ai_systems=[])
    TreatmentActionFactory(risk=open_risk)
    TreatmentActionFactory(actor=officer, risk=accepted, owner=officer, due_on=date(2026, 3, 1))
    # Controls: one organisation-wide and bare, one of a system, filled in, linked and tested.
    from tests.factories import ControlFactory, ControlTestFactory, RequirementFactory

    ControlFactory(ai_systems=[], owner=None)
    tested = ControlFactory(
        actor=officer,
        ai_systems=[full],
        owner=officer,
        description="Monthly check",
        test_interval_days=30,
        next_review_on=date(2026, 9, 30),
        requirement_links=[(RequirementFactory(), "Procedure 3.2")],
    )
    ControlTestFactory(actor=officer, control=tested, findings="")
    TreatmentActionFactory(actor=officer, risk=accepted, implementing_controls=[tested])
    draft = DocumentFactory()
    DocumentFactory(actor=officer, state="in_review")
    approved_document = DocumentFactory(actor=officer, state="approved", approver=executive)
    returned = DocumentFactory(actor=officer, state="in_review")
    approval_return(actor=executive, version=latest_version(returned), comment="Say who.")
    ObjectiveResultFactory()
    ObjectiveResultFactory(actor=officer, notes="Measured on the March batch")
    ObjectiveFactory(ai_systems=[], owner=officer, due_on=date(2026, 12, 31))
    ImpactEntryFactory(assessment=ImpactAssessmentFactory(ai_system=bare))
    assessment = ImpactAssessmentFactory(
        ai_system=full, actor=officer, state="approved", approver=executive
    )
    second = approval_new_version(actor=officer, version=assessment)
    ReportJobFactory(requested_by=officer)
    ReportJobFactory(requested_by=officer, render=True)
    ContextIssueFactory()
    ContextIssueFactory(owner=officer, description="Regulation", effect="New duties")
    InterestedPartyFactory()
    OrganizationFactory()
    ClauseAssessmentFactory()
    ClauseAssessmentFactory(owner=officer, status="partial", documents=[approved_document])
    MappingFactory()
    # Coverage (controls.selectors.coverage) lists the frameworks crosswalked to Annex A.
    from aims.models import Framework
    from aims.urns import ISO_42001
    from tests.factories import FrameworkFactory
    from tests.factories.library import framework_add, requirement_item

    annex_a = requirement_item("A.2.2", tags=["annex-a"])
    iso = Framework.objects.filter(urn=ISO_42001).first()
    if iso is None:
        iso = FrameworkFactory(
            urn=ISO_42001, urn_prefix="urn:aims:iso42001", requirements=[annex_a]
        )
    elif not iso.requirements.filter(tags__contains=["annex-a"]).exists():
        framework_add(iso, [annex_a])
    MappingFactory(source=iso.requirements.filter(tags__contains=["annex-a"]).first())
    NotificationFactory(recipient=officer)
    notifications_mark_read(user=officer, ids=[NotificationFactory(recipient=officer).pk])
    ApiTokenFactory(user=officer, scope="write")
    token_revoke(token=ApiTokenFactory(user=officer), actor=officer)
    # The SoA: an approved version (frozen rows) and the draft carrying it forward.
    from controls.selectors.soa import soa_working
    from controls.services.soa import soa_approve, soa_check_waive, soa_submit
    from tests.factories.soa import ApplicabilityStatementFactory, SoaFactory, decide_all

    # Loading the Annex A item above started the SoA (a row per Annex A control).
    soa = soa_working(None) or SoaFactory(actor=officer)
    decide_all(soa, actor=officer)
    row = ApplicabilityStatementFactory(soa=soa, actor=officer, owner=officer)
    soa_check_waive(
        actor=officer,
        soa=soa,
        requirement=row.requirement,
        check_code="no_implementing_control",
        reason="Planned.",
    )
    ApplicabilityStatementFactory(soa=soa, applicable=False, justification_type="")
    soa_approve(actor=executive, soa=soa_submit(actor=officer, soa=soa))
    approval_new_version(actor=officer, version=soa)
    # Evidence: with no version, a file version reviewed, a link version, linked records.
    from controls.services.evidence import evidence_version_add, evidence_version_review
    from tests.factories.evidence import EvidenceFactory

    EvidenceFactory(ai_systems=[], with_version=False)
    filed = EvidenceFactory(
        actor=officer,
        ai_systems=[full],
        owner=officer,
        links=[accepted],
        valid_until=date(2026, 9, 30),
    )
    evidence_version_review(actor=executive, version=filed.current_version, accepted=True)
    evidence_version_add(
        actor=officer,
        evidence=filed,
        url="https://ci.example.com/1",
        effective_from=date(2026, 2, 1),
    )
    # Nonconformities: one bare (raised by the platform, no owner, no systems), one closed after
    # an effective verification with its action done, one with an action still planned.
    from aims.choices import Role
    from audit.choices import CauseCategory, NonconformitySource, VerificationResult
    from audit.services.nonconformities import (
        corrective_action_complete,
        nonconformity_close,
        nonconformity_submit,
        nonconformity_update,
        nonconformity_verify,
    )
    from tests.factories import CorrectiveActionFactory, NonconformityFactory, UserFactory

    verifier = UserFactory(username="openapi_auditor", roles=[Role.INTERNAL_AUDITOR])
    NonconformityFactory(ai_systems=[])
    closed = NonconformityFactory(
        actor=officer,
        source=NonconformitySource.INCIDENT,
        ai_systems=[full],
        due_on=date(2026, 12, 31),
        raised_on=date(2026, 1, 10),
    )
    nonconformity_update(
        actor=None,
        nonconformity=closed,
        correction="Restored.",
        corrected_on=date(2026, 1, 11),
        why_chain=["No owner", "No procedure"],
        root_cause="No procedure.",
        cause_category=CauseCategory.PROCESS,
    )
    done = CorrectiveActionFactory(nonconformity=closed, description="Write it")
    corrective_action_complete(actor=None, action=done)
    nonconformity_submit(actor=None, nonconformity=closed)
    nonconformity_verify(
        actor=verifier,
        nonconformity=closed,
        result=VerificationResult.EFFECTIVE,
        note="Sampled.",
    )
    nonconformity_close(actor=verifier, nonconformity=closed)
    CorrectiveActionFactory(due_on=None)
    # Management reviews: a bare draft, and one signed off (frozen inputs) with its correction
    # started; decisions with their actions, bare and filled in.
    from audit.services.review import (
        management_review_new_version,
        management_review_sign_off,
        management_review_submit,
    )
    from tests.factories.review import ManagementReviewFactory, ReviewActionFactory

    ReviewActionFactory()
    signed = ManagementReviewFactory(
        actor=officer,
        attendees=[executive, officer],
        period_start=date(2025, 4, 1),
        other_attendees="Head of IT",
        minutes="Reviewed the inputs.",
    )
    ReviewActionFactory(
        actor=officer,
        review=signed,
        owner=officer,
        due_on=date(2026, 9, 30),
        status="done",
        completed_on=date(2026, 3, 1),
    )
    signed = management_review_submit(actor=officer, review=signed)
    signed = management_review_sign_off(actor=executive, review=signed)
    management_review_new_version(actor=officer, review=signed)
    # Audits: a programme approved and a draft; an audit reported (checklist, findings, an
    # issued report, an external auditor named) and one planned with nothing filled in.
    from tests.factories.audit import AuditFactory, AuditorAccessFactory, FindingFactory

    audited = AuditFactory(ai_systems=[full], state="in_progress", fieldwork_start=date(2026, 5, 1))
    FindingFactory(audit=audited, kind="minor_nonconformity", evidence_notes="Interview")
    FindingFactory(audit=audited, kind="conformity")
    AuditorAccessFactory(audit=audited)
    from audit.services.audits import audit_report_approve, audit_report_issue
    from tests.factories.audit import make_internal_auditor

    audit_report_approve(
        actor=make_internal_auditor(),
        report=audit_report_issue(actor=audited.owner, audit=audited, summary="Summary"),
    )
    AuditFactory(requirements=[])
    # Competence (7.2): an organisation-wide role with a bare record, and a role of a system
    # with a filled-in record.
    from aims.services.competence import competence_record_create, competence_role_create

    org_role = competence_role_create(
        actor=None, name="AIMS manager", required_competence="ISO/IEC 42001 training"
    )
    competence_record_create(
        actor=None, role=org_role, person=officer, assessed_on=date(2026, 1, 5)
    )
    system_role = competence_role_create(
        actor=officer,
        name="Model reviewer",
        required_competence="Fairness evaluation",
        description="Reviews the models",
        ai_systems=[full],
        review_interval_days=365,
        next_review_on=date(2026, 12, 1),
    )
    competence_record_create(
        actor=officer,
        role=system_role,
        person=executive,
        state="competent",
        assessed_on=date(2026, 1, 5),
        notes="Certificate on file",
        review_interval_days=365,
        next_review_on=date(2027, 1, 5),
    )
    # Evidence packs: one queued (every system, no audit, nothing built yet) and one built
    # for the reported audit over a chosen system with chosen sections.
    from aims.models import ReportJob
    from aims.services.reports import report_job_render
    from audit.models import EvidencePack

    queued = ReportJob.objects.create(
        kind="evidence_pack", format="zip", language="ja", requested_by=officer
    )
    EvidencePack.objects.create(
        job=queued,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 3, 31),
        preset="stage1",
        sections=["context", "leadership", "planning", "support"],
    )
    built = ReportJob.objects.create(
        kind="evidence_pack", format="zip", language="en", requested_by=officer, shared=True
    )
    pack = EvidencePack.objects.create(
        job=built,
        all_systems=False,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 6, 30),
        preset="custom",
        sections=["context", "change_log"],
        audit=audited,
    )
    pack.ai_systems.set([full])
    report_job_render(job_id=built.pk)
    return {
        "draft_document": draft,
        "open_risk": open_risk,
        "accepted_risk": accepted,
        "assessment_v2": second,
    }
