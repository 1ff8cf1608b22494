"""People by name (issue 11, item 5): one ``person`` filter everywhere a user is shown (full
name, username on hover), and owners, persons responsible and assignees picked only among the
users whose role may own records, by every form and by the API."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from aims.choices import Role
from aims.forms.conformance import ClauseAssessmentForm
from aims.forms.context import record_form
from aims.forms.inventory import AISystemForm
from aims.models import AISystem, BusinessUnit, ContextIssue, InterestedParty, Objective
from aims.people import owner_candidates, person_name
from impact.forms import ImpactAssessmentForm
from risk.forms import RiskForm, TreatmentActionForm
from risk.models import RiskMatrix
from tests.factories import UserFactory
from tests.factories.risk import RiskFactory, shipped_matrices

OWNERS = (Role.GOVERNANCE_OFFICER, Role.OPERATIONAL_MEMBER)
NOT_OWNERS = (Role.TOP_MANAGEMENT, Role.INTERNAL_AUDITOR, Role.EXTERNAL_AUDITOR, Role.VIEWER)


@pytest.fixture
def people(db):
    made = {
        role: UserFactory(roles=[role], first_name="Name", last_name=role)
        for role in (*OWNERS, *NOT_OWNERS)
    }
    made["inactive"] = UserFactory(roles=[Role.GOVERNANCE_OFFICER], is_active=False)
    made["no role"] = UserFactory()
    return made


def test_a_person_reads_by_full_name_with_the_username_on_hover(db):
    named = UserFactory(username="hsato", first_name="Hanako", last_name="Sato")
    bare = UserFactory(username="bare", first_name="", last_name="")
    html = Template("{% load aims %}{{ a|person }}|{{ b|person }}|{{ c|person }}").render(
        Context({"a": named, "b": bare, "c": None})
    )
    assert html == (
        '<span class="person" title="hsato">Hanako Sato</span>|'
        '<span class="person" title="bare">bare</span>|'
    )
    assert person_name(named) == "Hanako Sato" and person_name(bare) == "bare"


def test_the_owner_candidates_are_the_active_users_whose_role_may_own(people):
    candidates = set(owner_candidates())
    assert candidates == {people[role] for role in OWNERS}
    viewer = people[Role.VIEWER]
    assert viewer in set(owner_candidates(keep=viewer))  # a record's current owner stays
    assert viewer in set(owner_candidates(keep=viewer.pk))


def _risk_form(user):
    shipped_matrices()
    matrix = RiskMatrix.objects.filter(is_default=True).first()
    return RiskForm(user=user, matrix=matrix, matrices=RiskMatrix.objects.all())


def _impact_form(user):
    shipped_matrices()
    matrix = RiskMatrix.objects.first()
    return ImpactAssessmentForm(
        user=user, matrix=matrix, system=None, matrices=RiskMatrix.objects.all()
    )


FORMS = [
    ("risk", _risk_form, "owner"),
    ("treatment action", lambda user: TreatmentActionForm(), "owner"),
    ("ai system", lambda user: AISystemForm(instance=AISystem()), "owner"),
    ("clause assessment", lambda user: ClauseAssessmentForm(), "owner"),
    ("business unit", lambda user: record_form(BusinessUnit)(), "owner"),
    ("context issue", lambda user: record_form(ContextIssue)(), "owner"),
    ("interested party", lambda user: record_form(InterestedParty)(), "owner"),
    ("objective", lambda user: record_form(Objective)(), "owner"),
    ("impact assessment", _impact_form, "owner"),
    ("impact assessment (responsible)", _impact_form, "responsible"),
]


@pytest.mark.parametrize(("make", "name"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_every_form_offers_only_those_who_may_own(people, make, name):
    field = make(people[Role.GOVERNANCE_OFFICER]).fields[name]
    offered = set(field.queryset)
    assert offered == {people[role] for role in OWNERS}
    assert field.label_from_instance(people[Role.OPERATIONAL_MEMBER]) == (
        f"Name {Role.OPERATIONAL_MEMBER}"
    )


def test_an_existing_owner_who_may_no_longer_own_stays_a_choice(people):
    former = people[Role.VIEWER]
    system = AISystem(name="x", owner=former)
    system.pk = 0  # an existing record (the form reads its current owner)
    assert former in set(AISystemForm(instance=system).fields["owner"].queryset)


def test_the_risk_page_lists_owners_by_name(people, client_for):
    html = client_for(people[Role.GOVERNANCE_OFFICER]).get(reverse("risk_create")).content.decode()
    owner_select = html[html.index('name="owner"') :]
    owner_select = owner_select[: owner_select.index("</select>")]
    assert f"Name {Role.OPERATIONAL_MEMBER}" in owner_select
    assert f"Name {Role.VIEWER}" not in owner_select
    assert people[Role.VIEWER].username not in owner_select


def test_the_api_refuses_an_owner_whose_role_may_not_own(people, api_client_for):
    officer = people[Role.GOVERNANCE_OFFICER]
    risk = RiskFactory(actor=officer)
    client = api_client_for(officer)
    url = reverse("api:risk-detail", args=[risk.pk])
    answer = client.patch(url, {"owner": people[Role.VIEWER].pk}, format="json")
    assert answer.status_code == 400 and "owner" in answer.json()["error"]["fields"]
    answer = client.patch(url, {"owner": people[Role.OPERATIONAL_MEMBER].pk}, format="json")
    assert answer.status_code == 200
    assert answer.json()["owner"] == people[Role.OPERATIONAL_MEMBER].pk


def test_the_api_keeps_a_current_owner_who_may_no_longer_own(people, api_client_for):
    officer = people[Role.GOVERNANCE_OFFICER]
    former = people[Role.OPERATIONAL_MEMBER]
    risk = RiskFactory(actor=officer, owner=former)
    former.groups.clear()
    answer = api_client_for(officer).patch(
        reverse("api:risk-detail", args=[risk.pk]),
        {"owner": former.pk, "title": "t"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()


def test_pages_name_people_not_usernames(people, client_for):
    officer = people[Role.GOVERNANCE_OFFICER]
    owner = people[Role.OPERATIONAL_MEMBER]
    risk = RiskFactory(actor=officer, owner=owner)
    html = client_for(officer).get(reverse("risk", args=[risk.pk])).content.decode()
    assert (
        f'<span class="person" title="{owner.username}">Name {Role.OPERATIONAL_MEMBER}</span>'
        in html
    )
