"""The permission matrix: every page and API endpoint, for every persona.

Discovers every URL pattern of the project. Each must resolve to a view that declares a
``Policy`` (the Django admin, staff-only, is the one namespace-level exception). Then, for each
persona (the six roles and anonymous) and each HTTP method the view implements, the request
must be let through or refused exactly as the policy and the role matrix of DESIGN §5 say.

A later feature adds its views and falls under this test automatically. A route with a URL
parameter acts on an object of its view's model: the model's factory makes one within the
persona's reach and one outside it, and whether the persona may see (or change) each follows
from the scope the model declares and DESIGN §5 (``expected_visible``): a persona the policy
lets through gets the object, or a 404 when it is out of their scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aims.changelog import change_record
from aims.choices import Role
from aims.models import (
    AISystem,
    ApiToken,
    BusinessUnit,
    ChangeRecord,
    ClauseAssessment,
    CompetenceRecord,
    CompetenceRole,
    ContextIssue,
    Document,
    DocumentVersion,
    Framework,
    InterestedParty,
    Mapping,
    Notification,
    Objective,
    Organization,
    ReportJob,
    Requirement,
    RoleGrant,
)
from aims.permissions import AUTHENTICATED, PUBLIC, STAFF, Policy, policy_of
from aims.roles import MATRIX
from aims.scope import (
    VIEW,
    AuditRecords,
    ChangeLog,
    OrganisationWide,
    Personal,
    Reference,
    ReportJobs,
    SystemsOrOrganisation,
    ThroughSystems,
)
from aims.services.library import library_load
from audit.models import (
    Audit,
    AuditorAccess,
    AuditProgramme,
    AuditReport,
    ChecklistRow,
    CorrectiveAction,
    EvidencePack,
    Finding,
    ImpartialityDeclaration,
    ManagementReview,
    Nonconformity,
    ReviewAction,
)
from audit.models.pack import EvidencePacks
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlTest,
    Evidence,
    EvidenceVersion,
    StatementOfApplicability,
)
from impact.models import ImpactAssessment, ImpactEntry
from risk.models import Risk, RiskCriteria, RiskMatrix, TreatmentAction
from tests.conftest import PERSONAS, logged_in_client
from tests.factories import (
    AISystemFactory,
    BusinessUnitFactory,
    ClauseAssessmentFactory,
    ContextIssueFactory,
    ControlFactory,
    ControlTestFactory,
    CorrectiveActionFactory,
    DocumentFactory,
    ImpactAssessmentFactory,
    ImpactEntryFactory,
    InterestedPartyFactory,
    NotificationFactory,
    ObjectiveFactory,
    OrganizationFactory,
    RiskFactory,
    RiskMatrixFactory,
    TreatmentActionFactory,
    UserFactory,
)
from tests.factories.nonconformities import matrix_nonconformity

R = Role
# DESIGN §5, written out here independently of aims/roles.py: the promise the product makes.
DESIGN_MATRIX: dict[str, set[str]] = {
    "see_records": {
        R.GOVERNANCE_OFFICER,
        R.TOP_MANAGEMENT,
        R.OPERATIONAL_MEMBER,
        R.INTERNAL_AUDITOR,
        R.EXTERNAL_AUDITOR,
        R.VIEWER,
    },
    "see_all_records": {R.GOVERNANCE_OFFICER, R.TOP_MANAGEMENT, R.INTERNAL_AUDITOR, R.VIEWER},
    "change_records": {R.GOVERNANCE_OFFICER, R.OPERATIONAL_MEMBER},
    "change_all_records": {R.GOVERNANCE_OFFICER},
    "approve": {R.GOVERNANCE_OFFICER, R.TOP_MANAGEMENT},
    "accept_risk_above_criteria": {R.TOP_MANAGEMENT},
    "view_audits": {
        R.GOVERNANCE_OFFICER,
        R.TOP_MANAGEMENT,
        R.INTERNAL_AUDITOR,
        R.EXTERNAL_AUDITOR,
        R.VIEWER,
    },
    "manage_audits": {R.INTERNAL_AUDITOR},
    "respond_to_nonconformities": {R.OPERATIONAL_MEMBER},
    "sign_off_management_reviews": {R.TOP_MANAGEMENT},
    "export": {
        R.GOVERNANCE_OFFICER,
        R.TOP_MANAGEMENT,
        R.OPERATIONAL_MEMBER,
        R.INTERNAL_AUDITOR,
        R.EXTERNAL_AUDITOR,
    },
    "manage_users": {R.GOVERNANCE_OFFICER},
    "own_api_tokens": {R.GOVERNANCE_OFFICER, R.OPERATIONAL_MEMBER, R.INTERNAL_AUDITOR},
}

STAFF_NAMESPACES = {"admin"}  # Django's admin checks is_staff on every one of its views


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str  # namespaced URL name
    namespace: str
    callback: Any
    is_api: bool

    def methods(self) -> dict[str, str | None]:
        """HTTP method → DRF action name (None for plain views)."""
        actions = getattr(self.callback, "actions", None)
        if actions:
            return {method.upper(): action for method, action in actions.items()}
        view_class = getattr(self.callback, "view_class", None) or getattr(
            self.callback, "cls", None
        )
        names = getattr(view_class, "http_method_names", ["get"])
        return {
            name.upper(): None
            for name in names
            if name not in {"options", "head", "trace"} and hasattr(view_class, name)
        }

    def __str__(self) -> str:
        return self.name or self.route


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Endpoint]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            route = prefix + str(entry.pattern)
            yield Endpoint(route, name, namespace, entry.callback, route.startswith("api/"))


ALL_ENDPOINTS = list(_walk(get_resolver().url_patterns))
POLICED = [e for e in ALL_ENDPOINTS if e.namespace.split(":")[0] not in STAFF_NAMESPACES]


def test_role_matrix_is_the_one_promised_in_design():
    assert {str(k): set(v) for k, v in MATRIX.items()} == DESIGN_MATRIX


def test_roles_exist_as_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_discovery_finds_the_known_surface():
    names = {e.name for e in ALL_ENDPOINTS}
    assert {
        "home",
        "login",
        "api:token-list",
        "api:change-list",
        "api:schema",
        "admin:index",
    } <= names


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS, ids=str)
def test_every_view_declares_a_policy(endpoint):
    if endpoint.namespace.split(":")[0] in STAFF_NAMESPACES:
        assert endpoint.route.startswith("admin/")
        return  # Django's admin: covered by test_admin_is_staff_only
    policy = policy_of(endpoint.callback)
    assert policy is not None, f"{endpoint.route} ({endpoint.name}) has no declared policy"
    known = {PUBLIC, AUTHENTICATED, STAFF, *DESIGN_MATRIX}
    assert policy.accesses() <= known, f"{endpoint} uses an unknown access rule"
    assert endpoint.methods(), f"{endpoint} implements no HTTP method"


# --- Objects for routes with parameters, from the factories ------------------------------------
# The object a route acts on is made for the persona by the model's factory: "own" is the
# persona's own reach (an AI system granted to them, their token, their report job); "other"
# is outside it (a system not granted, another person's token). Whether the persona may see or
# change it follows from the model's declared scope and DESIGN §5 (``expected_visible``), not
# from the code that enforces it.
def _other_user():
    return UserFactory(username="matrix_other", roles=[Role.GOVERNANCE_OFFICER])


def _system(user, own: bool):
    return AISystemFactory(granted_to=[user] if own and user is not None else [])


def _risk(user, own, state):
    # Owned by someone else, so that an approver persona may accept it.
    return RiskFactory(ai_systems=[_system(user, own)], owner=_other_user())


def _assessment(user, own, state):
    # Written by the platform, so that an approver persona is never its author.
    return ImpactAssessmentFactory(ai_system=_system(user, own), state=state or "draft")


def _soa(user, own, state):
    # Started by the platform (no rows: no library), so an approver persona is never its author.
    from tests.factories.soa import SoaFactory

    return SoaFactory(state=state or "draft")


def _soa_row(user, own, state):
    from tests.factories.soa import ApplicabilityStatementFactory

    return ApplicabilityStatementFactory(soa=_soa(user, own, state))


def _management_review(user, own, state):
    # Prepared by the platform with top management attending, so a top-management persona may
    # sign it off (organisation-wide: ``own`` makes no difference).
    from tests.factories.review import ManagementReviewFactory

    return ManagementReviewFactory(state=state or "draft")


def _review_action(user, own, state):
    from tests.factories.review import ReviewActionFactory

    return ReviewActionFactory(review=_management_review(user, own, None))


def _evidence(user, own, state):
    # Uploaded by the platform and owned by someone else: an approver persona may review it.
    from tests.factories.evidence import EvidenceFactory

    return EvidenceFactory(ai_systems=[_system(user, own)], owner=_other_user())


def _token(user, own, state):
    holder = user if own and user is not None else _other_user()
    now = timezone.now()
    return ApiToken.objects.create(
        user=holder,
        name="matrix",
        prefix=f"m{holder.pk:07d}"[:12],
        digest="0" * 64,
        scope="write",
        created_at=now,
        expires_at=now + timedelta(days=1),
    )


def _role_grant(user, own, state):
    """A pending role grant another officer asked for: the persona, when an officer, is the
    second person who may decide on it."""
    grantee = UserFactory(username="matrix_grantee", roles=[Role.VIEWER])
    return RoleGrant.objects.create(
        user=grantee, role=Role.TOP_MANAGEMENT, requested_by=_other_user()
    )


def _report_job(user, own, state):
    """A rendered export, requested by the persona (their own) or by someone else."""
    from aims.services.reports import report_job_render

    requester = user if own and user is not None else _other_user()
    job = ReportJob.objects.create(
        kind="ai_system_inventory", format="csv", language="en", requested_by=requester
    )
    return report_job_render(job_id=job.pk) or job


def _evidence_pack(user, own, state):
    """A built pack (context only, small): the persona's own request, or for an external
    auditor the pack of an audit they are named on with an open window; else another's."""
    from datetime import date

    from aims.services.reports import report_job_render

    external = own and user is not None and user.groups.filter(name=R.EXTERNAL_AUDITOR).exists()
    requester = user if own and user is not None and not external else _other_user()
    job = ReportJob.objects.create(
        kind="evidence_pack", format="zip", language="en", requested_by=requester
    )
    pack = EvidencePack.objects.create(
        job=job,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 3, 31),
        preset="custom",
        sections=["context"],
        audit=_audit(user, own, state) if external else None,
    )
    report_job_render(job_id=job.pk)
    return pack


def _change_record(user, own, state):
    target = _other_user()
    actor = user if own and user is not None else target
    return change_record(actor=actor, action="update", obj=target)


def _library_item(model):
    def make(user, own, state):
        from tests.aims.test_library_loader import framework_file, mapping_file

        if not Mapping.objects.exists():
            files = [("f.yaml", framework_file()), ("m.yaml", mapping_file())]
            library_load(files=files, actor=None)
        if model is Mapping:
            return Mapping.objects.get()
        requirement = Requirement.objects.get(urn="urn:aims:test:1.1")
        return requirement if model is Requirement else requirement.framework

    return make


def _control(user, own, state):
    # Of an AI system (granted to the persona, or not): organisation-wide controls have their
    # own tests (tests/aims/test_scope_systems_or_organisation.py).
    return ControlFactory(ai_systems=[_system(user, own)])


def _named_on(audit, user, own: bool):
    """An external-auditor persona's own reach: named on ``audit`` with a window open now."""
    from audit.services.audits import auditor_access_grant

    if own and user is not None and user.groups.filter(name=R.EXTERNAL_AUDITOR).exists():
        now = timezone.now()
        auditor_access_grant(
            actor=None,
            audit=audit,
            user=user,
            access_from=now - timedelta(days=1),
            access_until=now + timedelta(days=1),
        )
    return audit


def _audit(user, own, state):
    from tests.factories.audit import AuditFactory, make_internal_auditor

    lead = make_internal_auditor("matrix_lead")
    return _named_on(AuditFactory(lead=lead, state="in_progress"), user, own)


def _audit_programme(user, own, state):
    from tests.factories.audit import AuditProgrammeFactory, make_internal_auditor

    author = make_internal_auditor("matrix_programme_author")
    return AuditProgrammeFactory(actor=author, state=state or "draft")


def _audit_report(user, own, state):
    from tests.factories.audit import AuditReportFactory

    return AuditReportFactory(audit=_audit(user, own, None), state=state or "in_review")


def _finding(user, own, state):
    from tests.factories.audit import FindingFactory

    return FindingFactory(audit=_audit(user, own, state))


def _declaration(user, own, state):
    from tests.factories.audit import AuditFactory, make_internal_auditor

    member = make_internal_auditor("matrix_member")
    system = AISystemFactory()
    RiskFactory(ai_systems=[system], owner=member)
    lead = make_internal_auditor("matrix_lead")
    audit = AuditFactory(lead=lead, team=[member], ai_systems=[system])
    return _named_on(audit, user, own).impartiality.get()


def _auditor_access(user, own, state):
    from tests.factories.audit import AuditorAccessFactory

    audit = _audit(user, own, state)
    access = audit.accesses.first()
    return access or AuditorAccessFactory(audit=audit)


def _competence_role(user, own, state):
    from aims.services.competence import competence_role_create

    return competence_role_create(
        actor=None,
        name=f"Matrix role {CompetenceRole.objects.count()}",
        required_competence="Training",
        ai_systems=[_system(user, own)],
    )


def _competence_record(user, own, state):
    from aims.services.competence import competence_record_create

    return competence_record_create(
        actor=None, role=_competence_role(user, own, state), person=_other_user()
    )


SAMPLES: dict[type, Callable[[Any, bool, str | None], Any]] = {
    CompetenceRole: _competence_role,
    CompetenceRecord: _competence_record,
    Control: _control,
    ControlTest: lambda user, own, state: ControlTestFactory(control=_control(user, own, state)),
    AISystem: lambda user, own, state: _system(user, own),
    Risk: _risk,
    TreatmentAction: lambda user, own, state: TreatmentActionFactory(risk=_risk(user, own, state)),
    ImpactAssessment: _assessment,
    ImpactEntry: lambda user, own, state: (
        _assessment(user, own, state).entries.first()
        or ImpactEntryFactory(assessment=_assessment(user, own, state))
    ),
    StatementOfApplicability: _soa,
    ApplicabilityStatement: _soa_row,
    RiskMatrix: lambda user, own, state: RiskMatrixFactory(code="5x5"),
    Document: lambda user, own, state: DocumentFactory(state=state or "draft"),
    DocumentVersion: lambda user, own, state: DocumentFactory(
        file=SimpleUploadedFile("policy.pdf", b"%PDF-1.4 matrix")
    ).versions.get(),
    Objective: lambda user, own, state: ObjectiveFactory(),
    ClauseAssessment: lambda user, own, state: ClauseAssessmentFactory(),
    ContextIssue: lambda user, own, state: ContextIssueFactory(),
    InterestedParty: lambda user, own, state: InterestedPartyFactory(),
    BusinessUnit: lambda user, own, state: BusinessUnitFactory(),
    Organization: lambda user, own, state: OrganizationFactory(),
    Framework: _library_item(Framework),
    Requirement: _library_item(Requirement),
    Mapping: _library_item(Mapping),
    ApiToken: _token,
    Notification: lambda user, own, state: NotificationFactory(
        recipient=user if own and user is not None else _other_user()
    ),
    ReportJob: _report_job,
    EvidencePack: _evidence_pack,
    RoleGrant: _role_grant,
    ChangeRecord: _change_record,
    get_user_model(): lambda user, own, state: _other_user(),
    Evidence: _evidence,
    EvidenceVersion: lambda user, own, state: _evidence(user, own, state).current_version,
    Nonconformity: lambda user, own, state: matrix_nonconformity(user, own),
    CorrectiveAction: lambda user, own, state: CorrectiveActionFactory(
        nonconformity=matrix_nonconformity(user, own)
    ),
    ManagementReview: _management_review,
    ReviewAction: _review_action,
    AuditProgramme: _audit_programme,
    Audit: _audit,
    ChecklistRow: lambda user, own, state: _audit(user, own, state).checklist.first(),
    Finding: _finding,
    AuditReport: _audit_report,
    AuditorAccess: _auditor_access,
    ImpartialityDeclaration: _declaration,
}
# URL parameters other than ``pk`` name the record the route hangs from.
PARAMETER_MODELS = {"risk_pk": Risk, "assessment_pk": ImpactAssessment}


def _state(endpoint: Endpoint) -> str | None:
    """The workflow state the route's object must be in for the step to make sense."""
    step = endpoint.name.rsplit(":", 1)[-1].replace("-", "_")
    if step.endswith(("_approve", "_return", "_sign_off")):
        return "in_review"
    if step.endswith("_new_version"):
        return "approved"
    return None


def _target(endpoint: Endpoint) -> tuple[str, type]:
    """The URL parameter of the route and the model of the object it names."""
    view = getattr(endpoint.callback, "view_class", None) or endpoint.callback.cls
    parameter = next((name for name in PARAMETER_MODELS if f"<int:{name}>" in endpoint.route), "pk")
    model = PARAMETER_MODELS.get(parameter) or getattr(view, "model", None) or get_user_model()
    return parameter, model


def expected_visible(model: type, role: str | None, action: str, *, own: bool) -> bool:
    """Whether DESIGN §5 lets ``role`` see (``view``) or change (``change``) an object of
    ``model``, given the scope the model declares and whether the object is within the
    persona's own reach (``own``)."""
    scope = getattr(model, "SCOPE", None)
    if scope is None:  # accounts: the policy alone decides
        return True

    def can(capability: str) -> bool:
        return role is not None and role in DESIGN_MATRIX[capability]

    # The samples of a model that may name AI systems name one (the persona's own or
    # another); the rows that name none are the organisation's (their own tests).
    if isinstance(scope, ThroughSystems | SystemsOrOrganisation):
        if action == VIEW:
            return can("see_all_records") or (own and can("change_records"))
        return can("change_all_records") or (own and can("change_records"))
    if isinstance(scope, AuditRecords):
        # The samples of an audit's records (own=True) name an external-auditor persona on
        # the audit, within its access window; those of a nonconformity or an action are
        # linked to an AI system granted to the persona.
        responds = scope.systems_path is not None and can("respond_to_nonconformities")
        if action == VIEW:
            if can("view_audits") and can("see_all_records"):
                return True
            if scope.audit_path is not None and role == R.EXTERNAL_AUDITOR:
                return own
            return responds and own
        return can("manage_audits") or (responds and own)
    if isinstance(scope, OrganisationWide):
        if action == VIEW:
            return can("see_all_records") or can("change_records")
        return can("change_all_records")
    if isinstance(scope, Reference):
        if action == VIEW:
            return scope.capability is None or can(scope.capability)
        return can("change_all_records")
    if isinstance(scope, Personal):
        if scope.requires is not None and not can(scope.requires):
            return False
        return own or (scope.sees_all is not None and can(scope.sees_all))
    if isinstance(scope, ReportJobs):  # the samples are not shared
        return can("export") and own
    if isinstance(scope, EvidencePacks):  # the samples are not shared; own: see the sample
        return action == VIEW and can("export") and own
    if isinstance(scope, ChangeLog):  # the sample's actor is the persona (own) or not
        return action == VIEW and (can("see_all_records") or (own and can("change_records")))
    raise AssertionError(f"{model.__name__}: no expectation for scope {scope!r}")


# Who reads the records that are not scoped through AI systems, written out from DESIGN §5
# (the scopes the models declare must agree). An external auditor sees "the scope of their
# audit": the risk matrices and criteria are the organisation's own records (6.1.2), not
# reference data every reader gets, so they read them only when an audit's scope provider
# opens the organisation's records to them (none is registered here). The library is every
# signed-in user's.
ORGANISATION_READERS = DESIGN_MATRIX["see_all_records"] | DESIGN_MATRIX["change_records"]
READERS: dict[type, set[str]] = {
    RiskMatrix: ORGANISATION_READERS,
    RiskCriteria: ORGANISATION_READERS,
    Document: ORGANISATION_READERS,
    Objective: ORGANISATION_READERS,
    Framework: set(DESIGN_MATRIX["see_records"]),
    Requirement: set(DESIGN_MATRIX["see_records"]),
}


@pytest.mark.parametrize("model", READERS, ids=lambda m: m.__name__)
def test_who_reads_organisation_records_and_the_library(model):
    readers = {role for role in Role.values if expected_visible(model, role, VIEW, own=True)}
    assert readers == READERS[model]
    assert R.EXTERNAL_AUDITOR not in readers or model in (Framework, Requirement)


def _has_parameters(endpoint: Endpoint) -> bool:
    return "<" in endpoint.route or "(?P" in endpoint.route


def _object_for(endpoint: Endpoint, user, *, own: bool) -> tuple[str, Any]:
    parameter, model = _target(endpoint)
    assert model in SAMPLES, f"{endpoint} acts on {model.__name__}: add a sample for it"
    return parameter, SAMPLES[model](user, own, _state(endpoint))


def _is_login_redirect(response) -> bool:
    """A redirect to the login page that remembers where the user wanted to go: a denial."""
    return (
        response.status_code == 302
        and response["Location"].startswith(reverse("login"))
        and "next=" in response["Location"]
    )


def _allowed(access: str, role: str | None) -> bool:
    if access == PUBLIC:
        return True
    if role is None:
        return False
    if access == AUTHENTICATED:
        return True
    if access == STAFF:
        return False  # no persona is staff
    return role in DESIGN_MATRIX[access]


CASES = [
    (endpoint, method, action, persona, "own")
    for endpoint in POLICED
    for method, action in endpoint.methods().items()
    for persona in PERSONAS
]
# The same routes on an object outside the persona's reach (a system not granted to them,
# someone else's token or job), for the personas whose reach is narrower than everything.
CASES += [
    (endpoint, method, action, persona, "other")
    for endpoint in POLICED
    if _has_parameters(endpoint)
    for method, action in endpoint.methods().items()
    for persona in ("operator", "external_auditor", "auditor")
]


@pytest.mark.parametrize(
    ("endpoint", "method", "action", "persona", "reach"),
    CASES,
    ids=[f"{e}-{m}-{p}-{r}" for e, m, _a, p, r in CASES],
)
def test_policy_is_enforced(db, endpoint, method, action, persona, reach, caplog):
    role = PERSONAS[persona]
    user = UserFactory(username=f"matrix_{persona}", roles=[role]) if role else None
    policy = policy_of(endpoint.callback)
    assert isinstance(policy, Policy)
    access = policy.access_for(method=method, action=action)
    visible = True
    if _has_parameters(endpoint):
        parameter, obj = _object_for(endpoint, user, own=reach == "own")
        url = reverse(endpoint.name, kwargs={parameter: obj.pk})
        row_action = policy.row_action(method=method, action=action)
        visible = expected_visible(type(obj), role, row_action, own=reach == "own")
    else:
        url = reverse(endpoint.name)
        # A view that answers only a query (the filter bars' choices) names one it answers.
        view_class = getattr(endpoint.callback, "view_class", None)
        query = getattr(view_class, "example_query", None)
        if query:
            url = f"{url}?{urlencode(query)}"
    client = logged_in_client(user)
    send = getattr(client, method.lower())
    if method == "GET":
        response = send(url)
    elif endpoint.is_api:
        response = send(url, "{}", content_type="application/json")
    else:
        response = send(url, {})
    login_redirect = _is_login_redirect(response)
    if _allowed(access, role) and not visible:
        assert response.status_code == 404, f"{persona} {method} {url}: hidden object not 404"
    elif _allowed(access, role):
        assert response.status_code not in (401, 403), f"{persona} refused on {method} {url}"
        if _has_parameters(endpoint):
            assert response.status_code != 404, f"{persona} {method} {url}: visible object 404"
        assert not login_redirect, f"{persona} sent to login on {method} {url}"
        assert response.status_code < 500
        if method == "GET" and not login_redirect:
            assert response.status_code in (200, 302), f"{method} {url}: {response.status_code}"
    else:
        if endpoint.is_api:
            expected = 401 if user is None else 403
            assert response.status_code == expected, f"{persona} {method} {url}"
            if response["Content-Type"].startswith("application/json"):
                assert response.json()["error"]["status"] == expected
        elif user is None:
            assert login_redirect, f"anonymous not sent to login on {method} {url}"
        else:
            assert response.status_code == 403, f"{persona} {method} {url}"
        assert any(r.name == "aims.security" for r in caplog.records), "denial was not logged"


def test_every_model_a_route_acts_on_has_a_sample_and_an_expectation(db):
    """A new route on a new model fails here until the model has a factory sample and a
    declared scope the expectations know."""
    for endpoint in POLICED:
        if _has_parameters(endpoint):
            _parameter, model = _target(endpoint)
            assert model in SAMPLES, f"{endpoint}: no sample for {model.__name__}"
            for role in DESIGN_MATRIX["see_records"]:
                expected_visible(model, role, VIEW, own=True)


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_is_staff_only(db, persona):
    role = PERSONAS[persona]
    user = UserFactory(username=f"admin_{persona}", roles=[role]) if role else None
    response = logged_in_client(user).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
