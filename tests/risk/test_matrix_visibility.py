"""Risk matrices and criteria are the organisation's own records (6.1.2): an external auditor
reads none of them (pages, API) until a scope provider (the audit app's, for an audit's scope)
opens the organisation's records to them; the other roles read them as before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aims.registry import registry
from aims.scope import VIEW, restrict
from risk.models import RiskCriteria, RiskMatrix
from tests.conftest import logged_in_api_client, logged_in_client


class OpensTheOrganisation:
    """A stand-in for the audit app's provider: the organisation's records for one auditor
    (no AI system)."""

    def __init__(self, auditor):
        self.auditor = auditor

    def systems(self, user, action):
        return []

    def organisation(self, user, action):
        return user == self.auditor


@pytest.fixture
def audit_scope(monkeypatch):
    def open_to(auditor):
        providers = [*registry.scope_providers, OpensTheOrganisation(auditor)]
        monkeypatch.setattr(registry, "scope_providers", providers)

    return open_to


def reads(user, matrix) -> dict[str, object]:
    """What ``user`` gets of the matrices on each page and endpoint."""
    page, api = logged_in_client(user), logged_in_api_client(user)
    listing = page.get(reverse("risk_matrices"))
    assert listing.status_code == 200
    api_list = api.get(reverse("api:risk-matrix-list"))
    assert api_list.status_code == 200
    return {
        "page list": [m.pk for m in listing.context["matrices"]],
        "page": page.get(reverse("risk_matrix", args=[matrix.pk])).status_code,
        "api list": [m["id"] for m in api_list.json()["results"]],
        "api": api.get(reverse("api:risk-matrix-detail", args=[matrix.pk])).status_code,
        "criteria": list(restrict(RiskCriteria.objects.all(), user, VIEW)),
    }


def test_an_external_auditor_reads_no_matrix_or_criteria(external_auditor, m5):
    assert reads(external_auditor, m5) == {
        "page list": [],
        "page": 404,
        "api list": [],
        "api": 404,
        "criteria": [],
    }


def test_an_audit_scope_opens_them(external_auditor, m5, audit_scope):
    audit_scope(external_auditor)
    seen = reads(external_auditor, m5)
    assert m5.pk in seen["page list"] and m5.pk in seen["api list"]
    assert seen["page"] == seen["api"] == 200
    assert set(seen["criteria"]) == set(RiskCriteria.objects.all())
    # Reading only: no provider gives a right to change to a role without one.
    assert not restrict(RiskMatrix.objects.all(), external_auditor, "change").exists()


@pytest.mark.parametrize("persona", ["officer", "executive", "operator", "auditor", "viewer"])
def test_the_other_roles_still_read_them(persona, request, m5):
    seen = reads(request.getfixturevalue(persona), m5)
    assert m5.pk in seen["page list"] and m5.pk in seen["api list"]
    assert seen["page"] == seen["api"] == 200
    assert len(seen["criteria"]) == RiskCriteria.objects.count()
