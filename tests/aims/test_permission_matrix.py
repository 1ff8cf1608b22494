"""The permission matrix: every page and API endpoint, for every persona.

Discovers every URL pattern of the project. Each must resolve to a view that declares a
``Policy`` (the Django admin, staff-only, is the one namespace-level exception). Then, for each
persona (the six roles and anonymous) and each HTTP method the view implements, the request
must be let through or refused exactly as the policy and the role matrix of DESIGN §5 say.

A later feature adds its views and falls under this test automatically; a view with URL
parameters also needs an entry in ``SAMPLES`` saying how to build an object for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aims.changelog import change_record
from aims.choices import Role
from aims.models import ApiToken, ChangeRecord, Notification
from aims.permissions import AUTHENTICATED, PUBLIC, STAFF, Policy, policy_of
from aims.roles import MATRIX
from tests.conftest import PERSONAS, logged_in_client
from tests.factories import UserFactory

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


# --- Objects for routes with parameters ---------------------------------------------------------
def _other_user():
    return UserFactory(username="matrix_other", roles=[Role.GOVERNANCE_OFFICER])


def _token_of(user) -> ApiToken:
    owner = user if user is not None else _other_user()
    now = timezone.now()
    return ApiToken.objects.create(
        user=owner,
        name="matrix",
        prefix=f"m{owner.pk:07d}"[:12],
        digest="0" * 64,
        scope="write",
        created_at=now,
        expires_at=now + timedelta(days=1),
    )


def _notification_of(user) -> Notification:
    return Notification.objects.create(recipient=user or _other_user(), subject="matrix")


def _change_record(user) -> ChangeRecord:
    target = _other_user()
    return change_record(actor=user or target, action="update", obj=target)


def _library(_user) -> dict[str, int]:
    from aims.models import Mapping, Requirement
    from aims.services.library import library_load
    from tests.aims.test_library_loader import framework_file, mapping_file

    if not Mapping.objects.exists():
        library_load(files=[("f.yaml", framework_file()), ("m.yaml", mapping_file())], actor=None)
    requirement = Requirement.objects.get(urn="urn:aims:test:1.1")
    return {
        "framework": requirement.framework_id,
        "requirement": requirement.pk,
        "mapping": Mapping.objects.get().pk,
    }


def _ai_system(user) -> int:
    """An AI system, granted to ``user`` (so an operational member may work on it)."""
    from aims.services.inventory import ai_system_create, ai_system_grant

    system = ai_system_create(
        actor=None,
        name=f"Matrix {user.pk if user else 0}",
        purpose="Sample for the permission matrix",
    )
    if user is not None:
        ai_system_grant(actor=None, system=system, user=user)
    return system.pk


def _business_unit(_user) -> int:
    from aims.models import BusinessUnit
    from aims.services.records import record_create

    return record_create(actor=None, model=BusinessUnit, name="Matrix unit").pk


def _record(model_name: str) -> int:
    from aims import models
    from aims.services.records import record_create

    fields = {
        "ContextIssue": {"title": "Matrix issue", "kind": "internal"},
        "InterestedParty": {"name": "Matrix party", "needs_and_expectations": "To be heard"},
        "Organization": {"name": "Matrix organisation"},
        "Objective": {"title": "Matrix objective", "target": "100 %"},
    }[model_name]
    return record_create(actor=None, model=getattr(models, model_name), **fields).pk


def _clause_assessment() -> int:
    from aims.models import ClauseAssessment, Framework, Requirement

    framework = Framework.objects.create(
        urn="urn:aims:framework:iso-iec-42001",
        urn_prefix="urn:aims:iso42001",
        ref_id="ISO",
        version=1,
        category="standard",
        name_en="ISO",
        name_ja="ISO",
        file_sha256="0" * 64,
    )
    requirement = Requirement.objects.create(
        framework=framework,
        urn="urn:aims:iso42001:4.1",
        ref_id="4.1",
        order=1,
        assessable=True,
        name_en="Context",
        name_ja="状況",
        tags=["clause"],
    )
    return ClauseAssessment.objects.create(requirement=requirement).pk


def _document(_user) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aims.services.documents import document_create, document_submit

    upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.4 matrix")
    document = document_create(
        actor=None, title="Matrix policy", kind="ai_policy", content="Text", file=upload
    )
    document_submit(actor=None, document=document)
    return document


def _report_job(user) -> int:
    """A rendered export requested by ``user`` (the only one, with officers, who may see it)."""
    from aims.models import ReportJob
    from aims.services.reports import report_job_render

    job = ReportJob.objects.create(
        kind="ai_system_inventory", format="csv", language="en", requested_by=user or _other_user()
    )
    report_job_render(job_id=job.pk)
    return job.pk


def _matrix() -> int:
    from risk.defaults import create_shipped_matrices
    from risk.models import RiskCriteria, RiskMatrix

    create_shipped_matrices(RiskMatrix, RiskCriteria)
    return RiskMatrix.objects.get(code="5x5", is_current=True).pk


def _risk(user) -> int:
    """A risk of an AI system granted to ``user``, owned by someone else (so that an approver
    persona could accept it)."""
    from risk.services.register import risk_create

    _matrix()
    system = _ai_system(user)
    from aims.models import AISystem

    return risk_create(
        actor=None,
        title="Matrix risk",
        owner=_other_user(),
        ai_systems=[AISystem.objects.get(pk=system)],
        inherent_likelihood=2,
        inherent_impact=2,
    ).pk


def _risk_action(user) -> int:
    from risk.models import Risk
    from risk.services.treatment import treatment_action_create

    return treatment_action_create(
        actor=None, risk=Risk.objects.get(pk=_risk(user)), title="Matrix action"
    ).pk


def _assessment(user, state: str = "draft") -> int:
    """An impact assessment of a system granted to ``user``, written by someone else, with one
    consequence, in ``state`` (draft, in_review or approved)."""
    from aims.models import AISystem, Requirement
    from aims.services.library import library_load
    from impact.services import (
        impact_assessment_approve,
        impact_assessment_create,
        impact_assessment_submit,
        impact_entry_create,
    )
    from tests.impact.conftest import LIBRARY, TAXONOMIES

    _matrix()
    if not Requirement.objects.filter(framework__urn__contains="taxonomy-impact-areas").exists():
        library_load(files=[(n, (LIBRARY / n).read_bytes()) for n in TAXONOMIES], actor=None)
    author = UserFactory(username="matrix_author", roles=[Role.GOVERNANCE_OFFICER])
    system = AISystem.objects.get(pk=_ai_system(user))
    assessment = impact_assessment_create(
        actor=author, ai_system=system, intended_use="Matrix", severity=1, likelihood=1
    )
    impact_entry_create(
        actor=author,
        assessment=assessment,
        description="Matrix consequence",
        severity=1,
        likelihood=1,
        party_type=Requirement.objects.get(ref_id="individuals"),
        impact_area=Requirement.objects.get(ref_id="privacy", framework__urn__contains="impact"),
    )
    if state in ("in_review", "approved"):
        impact_assessment_submit(actor=author, assessment=assessment)
    if state == "approved":
        approver = UserFactory(username="matrix_approver", roles=[Role.TOP_MANAGEMENT])
        impact_assessment_approve(actor=approver, assessment=assessment)
    return assessment.pk


def _impact_entry(user) -> int:
    from impact.models import ImpactEntry

    return ImpactEntry.objects.get(assessment_id=_assessment(user)).pk


def _change_visible(role: str | None) -> bool:
    # An external auditor sees only the scope of their audit; no audit exists here.
    return role != Role.EXTERNAL_AUDITOR


# URL name → (user → URL kwargs of an object made for that user).
SAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "api:token-detail": lambda user: {"pk": _token_of(user).pk},
    "api:token-revoke": lambda user: {"pk": _token_of(user).pk},
    "token_revoke": lambda user: {"pk": _token_of(user).pk},
    "api:notification-detail": lambda user: {"pk": _notification_of(user).pk},
    "api:notification-read": lambda user: {"pk": _notification_of(user).pk},
    "api:change-detail": lambda user: {"pk": _change_record(user).pk},
    "user_edit": lambda user: {"pk": _other_user().pk},
    "api:framework-detail": lambda user: {"pk": _library(user)["framework"]},
    "api:requirement-detail": lambda user: {"pk": _library(user)["requirement"]},
    "api:mapping-detail": lambda user: {"pk": _library(user)["mapping"]},
    "library_framework": lambda user: {"pk": _library(user)["framework"]},
    "library_requirement": lambda user: {"pk": _library(user)["requirement"]},
    "ai_system": lambda user: {"pk": _ai_system(user)},
    "ai_system_edit": lambda user: {"pk": _ai_system(user)},
    "ai_system_retire": lambda user: {"pk": _ai_system(user)},
    "ai_system_access": lambda user: {"pk": _ai_system(user)},
    "api:ai-system-detail": lambda user: {"pk": _ai_system(user)},
    "api:ai-system-retire": lambda user: {"pk": _ai_system(user)},
    "api:ai-system-grant": lambda user: {"pk": _ai_system(user)},
    "api:ai-system-revoke": lambda user: {"pk": _ai_system(user)},
    "api:business-unit-detail": lambda user: {"pk": _business_unit(user)},
    "business_unit_edit": lambda user: {"pk": _business_unit(user)},
    "api:context-issue-detail": lambda user: {"pk": _record("ContextIssue")},
    "context_issue_edit": lambda user: {"pk": _record("ContextIssue")},
    "api:interested-party-detail": lambda user: {"pk": _record("InterestedParty")},
    "interested_party_edit": lambda user: {"pk": _record("InterestedParty")},
    "api:organization-detail": lambda user: {"pk": _record("Organization")},
    "organization_edit": lambda user: {"pk": _record("Organization")},
    "clause_assessment_edit": lambda user: {"pk": _clause_assessment()},
    "document": lambda user: {"pk": _document(user).pk},
    "document_edit": lambda user: {"pk": _document(user).pk},
    "document_submit": lambda user: {"pk": _document(user).pk},
    "document_approve": lambda user: {"pk": _document(user).pk},
    "document_return": lambda user: {"pk": _document(user).pk},
    "document_file": lambda user: {"pk": _document(user).versions.get().pk},
    "document_compare": lambda user: {"pk": _document(user).versions.get().pk},
    "api:document-detail": lambda user: {"pk": _document(user).pk},
    "api:document-submit": lambda user: {"pk": _document(user).pk},
    "api:document-approve": lambda user: {"pk": _document(user).pk},
    "api:document-return": lambda user: {"pk": _document(user).pk},
    "objective_edit": lambda user: {"pk": _record("Objective")},
    "api:objective-detail": lambda user: {"pk": _record("Objective")},
    "api:objective-results": lambda user: {"pk": _record("Objective")},
    "api:clause-assessment-detail": lambda user: {"pk": _clause_assessment()},
    "report": lambda user: {"pk": _report_job(user)},
    "risk": lambda user: {"pk": _risk(user)},
    "risk_edit": lambda user: {"pk": _risk(user)},
    "risk_accept": lambda user: {"pk": _risk(user)},
    "risk_action_create": lambda user: {"risk_pk": _risk(user)},
    "risk_action_edit": lambda user: {"pk": _risk_action(user)},
    "risk_matrix": lambda user: {"pk": _matrix()},
    "risk_matrix_edit": lambda user: {"pk": _matrix()},
    "risk_criteria_edit": lambda user: {"pk": _matrix()},
    "api:risk-detail": lambda user: {"pk": _risk(user)},
    "api:risk-accept": lambda user: {"pk": _risk(user)},
    "api:risk-action-detail": lambda user: {"pk": _risk_action(user)},
    "api:risk-matrix-detail": lambda user: {"pk": _matrix()},
    "api:risk-matrix-criteria": lambda user: {"pk": _matrix()},
    "impact_assessment": lambda user: {"pk": _assessment(user)},
    "impact_assessment_edit": lambda user: {"pk": _assessment(user)},
    "impact_assessment_submit": lambda user: {"pk": _assessment(user)},
    "impact_assessment_approve": lambda user: {"pk": _assessment(user, "in_review")},
    "impact_assessment_return": lambda user: {"pk": _assessment(user, "in_review")},
    "impact_assessment_new_version": lambda user: {"pk": _assessment(user, "approved")},
    "impact_assessment_compare": lambda user: {"pk": _assessment(user)},
    "impact_entry_create": lambda user: {"assessment_pk": _assessment(user)},
    "impact_entry_edit": lambda user: {"pk": _impact_entry(user)},
    "impact_entry_risks": lambda user: {"pk": _impact_entry(user)},
    "api:impact-assessment-detail": lambda user: {"pk": _assessment(user)},
    "api:impact-assessment-submit": lambda user: {"pk": _assessment(user)},
    "api:impact-assessment-approve": lambda user: {"pk": _assessment(user, "in_review")},
    "api:impact-assessment-return": lambda user: {"pk": _assessment(user, "in_review")},
    "api:impact-assessment-new-version": lambda user: {"pk": _assessment(user, "approved")},
    "api:impact-assessment-entries": lambda user: {"pk": _assessment(user)},
    "api:impact-entry-detail": lambda user: {"pk": _impact_entry(user)},
    "api:impact-entry-create-risk": lambda user: {"pk": _impact_entry(user)},
    "report_download": lambda user: {"pk": _report_job(user)},
    "api:report-detail": lambda user: {"pk": _report_job(user)},
    "api:report-download": lambda user: {"pk": _report_job(user)},
}
# URL name → (role → whether the sample object is visible to that role). Absent: visible.
# Where a role passes the policy but may not see the object, the answer must be 404.
VISIBILITY: dict[str, Callable[[str | None], bool]] = {
    "api:change-detail": _change_visible,
    # An external auditor sees only their audit's scope; no audit exists here.
    **{
        name: _change_visible
        for name in (
            "ai_system",
            "api:ai-system-detail",
            "api:business-unit-detail",
            "api:context-issue-detail",
            "api:interested-party-detail",
            "api:organization-detail",
            "api:clause-assessment-detail",
            "api:objective-detail",
            "api:document-detail",
            "document",
            "document_file",
            "document_compare",
            "risk",
            "risk_accept",
            "api:risk-detail",
            "api:risk-accept",
            "api:risk-action-detail",
            "impact_assessment",
            "impact_assessment_compare",
            "api:impact-assessment-detail",
            "api:impact-entry-detail",
        )
    },
}


def _url(endpoint: Endpoint, user) -> str:
    pattern_has_params = "<" in endpoint.route or "(?P" in endpoint.route
    if not pattern_has_params:
        return reverse(endpoint.name)
    assert endpoint.name in SAMPLES, f"{endpoint} takes parameters: add it to SAMPLES"
    return reverse(endpoint.name, kwargs=SAMPLES[endpoint.name](user))


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
    (endpoint, method, action, persona)
    for endpoint in POLICED
    for method, action in endpoint.methods().items()
    for persona in PERSONAS
]


@pytest.mark.parametrize(
    ("endpoint", "method", "action", "persona"),
    CASES,
    ids=[f"{e}-{m}-{p}" for e, m, _a, p in CASES],
)
def test_policy_is_enforced(db, endpoint, method, action, persona, caplog):
    role = PERSONAS[persona]
    user = UserFactory(username=f"matrix_{persona}", roles=[role]) if role else None
    policy = policy_of(endpoint.callback)
    assert isinstance(policy, Policy)
    access = policy.access_for(method=method, action=action)
    url = _url(endpoint, user)
    client = logged_in_client(user)
    send = getattr(client, method.lower())
    if method == "GET":
        response = send(url)
    elif endpoint.is_api:
        response = send(url, "{}", content_type="application/json")
    else:
        response = send(url, {})
    login_redirect = _is_login_redirect(response)
    visible = VISIBILITY.get(endpoint.name, lambda _role: True)(role)
    if _allowed(access, role) and not visible:
        assert response.status_code == 404, f"{persona} {method} {url}: hidden object not 404"
    elif _allowed(access, role):
        assert response.status_code not in (401, 403), f"{persona} refused on {method} {url}"
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


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_is_staff_only(db, persona):
    role = PERSONAS[persona]
    user = UserFactory(username=f"admin_{persona}", roles=[role]) if role else None
    response = logged_in_client(user).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
