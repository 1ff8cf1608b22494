"""Every list endpoint and every list page returns exactly the rows ``restrict`` allows, for
random grants; and ``restrict`` itself gives an operational member exactly the records of the
AI systems granted to them or to one of their groups.

The data: AI systems, risks linked to random sets of them (and organisation-wide ones),
treatment actions, impact assessments with consequences, documents, objectives, context
records, report jobs, tokens and notifications of several people. The grants: random systems
to an operational member directly, others to a group they belong to; a second member with
other grants; the other roles as they are.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aims.choices import Role
from aims.models import AISystem
from aims.scope import VIEW, restrict
from aims.services.inventory import ai_system_grant
from aims.views.base import ListPageView
from impact.models import ImpactAssessment, ImpactEntry
from risk.models import Risk, TreatmentAction
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import (
    AISystemFactory,
    ApiTokenFactory,
    BusinessUnitFactory,
    ContextIssueFactory,
    DocumentFactory,
    ImpactAssessmentFactory,
    ImpactEntryFactory,
    InterestedPartyFactory,
    NotificationFactory,
    ObjectiveFactory,
    OrganizationFactory,
    ReportJobFactory,
    RiskFactory,
    TreatmentActionFactory,
    UserFactory,
)

SEEDS = range(4)
PERSONAS = {
    "officer": Role.GOVERNANCE_OFFICER,
    "executive": Role.TOP_MANAGEMENT,
    "operator": Role.OPERATIONAL_MEMBER,
    "colleague": Role.OPERATIONAL_MEMBER,
    "auditor": Role.INTERNAL_AUDITOR,
    "external_auditor": Role.EXTERNAL_AUDITOR,
    "viewer": Role.VIEWER,
}


def _callbacks(patterns: list[Any], namespace: str = "") -> list[tuple[str, Any, str]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace else (entry.namespace or "")
            found += _callbacks(entry.url_patterns, inner if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            found.append((name, entry.callback, str(entry.pattern)))
    return found


CALLBACKS = _callbacks(get_resolver().url_patterns)
# The API's list routes (``…-list``) of scoped models, and the pages that list a model's rows.
API_LISTS = [
    (name, callback.cls.model)
    for name, callback, _route in CALLBACKS
    if name.startswith("api:") and name.endswith("-list") and hasattr(callback, "cls")
]
LIST_PAGES = [
    (name, callback.view_class.model)
    for name, callback, route in CALLBACKS
    if issubclass(getattr(callback, "view_class", object), ListPageView)
    and "<" not in route
    and callback.view_class.model is not None
]
# Pages that show every row of a model without pages: the context variable that holds them.
WHOLE_PAGES = {
    "documents": "documents",
    "objectives": "objectives",
    "conformance": "rows",
    "risk_matrices": "matrices",
    "library": "frameworks",
    "context": "issues",
}


def test_the_surface_is_discovered():
    apis = {name for name, _model in API_LISTS}
    pages = {name for name, _model in LIST_PAGES}
    assert {"api:ai-system-list", "api:risk-list", "api:impact-assessment-list"} <= apis
    assert {"api:risk-action-list", "api:impact-entry-list", "api:document-list"} <= apis
    assert {"ai_systems", "impact_assessments", "changes", "notifications"} <= pages
    assert all(getattr(model, "SCOPE", None) is not None for _name, model in API_LISTS)


@pytest.fixture
def world(db):
    """Systems and records of every kind; people of every role (no grants yet)."""
    people = {
        name: UserFactory(username=f"vis_{name}", roles=[role]) for name, role in PERSONAS.items()
    }
    systems = [AISystemFactory() for _ in range(8)]
    rng = random.Random(1234)
    for index, system in enumerate(systems):
        RiskFactory(ai_systems=[system])
        RiskFactory(ai_systems=rng.sample(systems, 2))
        if index % 2 == 0:
            assessment = ImpactAssessmentFactory(ai_system=system)
            ImpactEntryFactory(assessment=assessment)
        if index % 3 == 0:
            TreatmentActionFactory(risk=RiskFactory(ai_systems=[system]))
    RiskFactory(ai_systems=[])  # organisation-wide: only roles that see everything
    OrganizationFactory()
    for factory in (BusinessUnitFactory, ContextIssueFactory, InterestedPartyFactory):
        factory()
    DocumentFactory()
    ObjectiveFactory(ai_systems=[systems[0]])
    for name in ("officer", "operator", "colleague", "auditor"):
        ApiTokenFactory(user=people[name]) if name != "auditor" else None
        NotificationFactory(recipient=people[name])
    for name in ("officer", "operator", "executive"):
        ReportJobFactory(requested_by=people[name])
    return {"people": people, "systems": systems}


def _grant(world: dict[str, Any], seed: int) -> dict[str, set[int]]:
    """Random grants: to the operator directly and through a group, to a colleague; returns
    the systems each operational member should reach."""
    rng = random.Random(seed)
    systems, people = world["systems"], world["people"]
    group = Group.objects.create(name=f"vis-team-{seed}")
    people["operator"].groups.add(group)
    direct = rng.sample(systems, rng.randint(0, 3))
    through_group = rng.sample(systems, rng.randint(1, 3))
    theirs = rng.sample(systems, rng.randint(0, 4))
    for system in direct:
        ai_system_grant(actor=None, system=system, user=people["operator"])
    for system in through_group:
        ai_system_grant(actor=None, system=system, group=group)
    for system in theirs:
        ai_system_grant(actor=None, system=system, user=people["colleague"])
    return {
        "operator": {s.pk for s in direct + through_group},
        "colleague": {s.pk for s in theirs},
    }


def _allowed(model: type, user: Any) -> set[int]:
    return set(restrict(model._default_manager.all(), user, VIEW).values_list("pk", flat=True))


def _api_ids(user: Any, name: str) -> list[int]:
    client, ids = logged_in_api_client(user), []
    url: str | None = reverse(name) + "?page_size=500"
    while url:
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


@pytest.mark.parametrize("seed", SEEDS)
def test_every_list_endpoint_returns_exactly_the_rows_restrict_allows(world, seed):
    _grant(world, seed)
    for persona, user in world["people"].items():
        for name, model in API_LISTS:
            response = logged_in_api_client(user).get(reverse(name))
            if response.status_code == 403:  # the policy refuses the role the whole list
                continue
            ids = _api_ids(user, name)
            assert len(ids) == len(set(ids)), f"{name} lists a row twice for {persona}"
            assert set(ids) == _allowed(model, user), f"{name} for {persona} (seed {seed})"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_list_page_shows_exactly_the_rows_restrict_allows(world, seed):
    _grant(world, seed)
    for persona, user in world["people"].items():
        client = logged_in_client(user)
        for name, model in LIST_PAGES:
            response = client.get(reverse(name))
            if response.status_code == 403:
                continue
            assert response.status_code == 200, (name, persona)
            page = response.context["page"]
            ids = [row.pk for row in page.object_list]
            while page.has_next:
                page = client.get(reverse(name), {"cursor": page.next_cursor}).context["page"]
                ids += [row.pk for row in page.object_list]
            assert len(ids) == len(set(ids)), f"{name} shows a row twice for {persona}"
            assert set(ids) == _allowed(model, user), f"{name} for {persona} (seed {seed})"
        for name, variable in WHOLE_PAGES.items():
            response = client.get(reverse(name))
            if response.status_code == 403:
                continue
            rows = list(response.context[variable])
            model = type(rows[0]) if rows else None
            if model is not None:
                assert {r.pk for r in rows} == _allowed(model, user), f"{name} for {persona}"


@pytest.mark.parametrize("seed", SEEDS)
def test_an_operational_member_reaches_exactly_the_records_of_their_granted_systems(world, seed):
    """Checked against the grants themselves, not against ``restrict``: a record belongs to
    the member when it is linked to a system granted to them or to one of their groups."""
    reach = _grant(world, seed)
    for persona in ("operator", "colleague"):
        user, granted = world["people"][persona], reach[persona]
        assert _allowed(AISystem, user) == granted
        risks = {r.pk for r in Risk.objects.all() if {s.pk for s in r.ai_systems.all()} & granted}
        assert _allowed(Risk, user) == risks
        actions = {a.pk for a in TreatmentAction.objects.all() if a.risk_id in risks}
        assert _allowed(TreatmentAction, user) == actions
        assessments = {a.pk for a in ImpactAssessment.objects.all() if a.ai_system_id in granted}
        assert _allowed(ImpactAssessment, user) == assessments
        entries = {e.pk for e in ImpactEntry.objects.all() if e.assessment_id in assessments}
        assert _allowed(ImpactEntry, user) == entries
        # The same holds for what they may change (grants give both).
        changeable = restrict(Risk.objects.all(), user, "change").values_list("pk", flat=True)
        assert set(changeable) == risks
