"""``aims.scope.restrict``: the one rule, and how a scope provider an app registers (as the
audit app will for an external auditor's audit) widens what a user sees, and only that."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured

from aims.models import AISystem, Document
from aims.registry import registry
from aims.scope import CHANGE, VIEW, permitted, restrict
from risk.models import Risk
from tests.factories import AISystemFactory, DocumentFactory, RiskFactory


class AuditScope:
    """A stand-in for the audit app's provider: an external auditor reaches the systems of
    their audit (here: those named) and the organisation's records. It offers them for any
    action, as a careless provider might: the rule must still give no right to change."""

    def __init__(self, auditor, systems):
        self.auditor, self.ids = auditor, [s.pk for s in systems]

    def systems(self, user, action):
        return self.ids if user == self.auditor else []

    def organisation(self, user, action):
        return user == self.auditor


@pytest.fixture
def audit_scope(monkeypatch):
    def register(auditor, systems):
        providers = [*registry.scope_providers, AuditScope(auditor, systems)]
        monkeypatch.setattr(registry, "scope_providers", providers)

    return register


def test_an_unknown_action_and_a_model_without_scope_fail_loudly(officer):
    with pytest.raises(ValueError, match="Unknown action"):
        restrict(AISystem.objects.all(), officer, "delete")
    with pytest.raises(ImproperlyConfigured, match="declares no SCOPE"):
        restrict(Group.objects.all(), officer)


def test_nobody_without_an_active_account_sees_anything(officer):
    AISystemFactory()
    assert not restrict(AISystem.objects.all(), None).exists()
    officer.is_active = False
    assert not restrict(AISystem.objects.all(), officer).exists()


def test_a_role_that_sees_everything_changes_nothing_without_a_right_to_change(
    executive, auditor, viewer
):
    system = AISystemFactory(granted_to=[executive, auditor, viewer])
    for person in (executive, auditor, viewer):
        assert permitted(person, VIEW, system)
        assert not permitted(person, CHANGE, system)  # a grant gives no right to change


def test_a_registered_provider_opens_its_scope_for_reading_only(
    external_auditor, operator, audit_scope
):
    audited, other = AISystemFactory(), AISystemFactory()
    in_scope, out_of_scope = RiskFactory(ai_systems=[audited]), RiskFactory(ai_systems=[other])
    document = DocumentFactory()
    assert not restrict(Risk.objects.all(), external_auditor).exists()
    audit_scope(external_auditor, [audited])
    assert list(restrict(Risk.objects.all(), external_auditor)) == [in_scope]
    assert permitted(external_auditor, VIEW, document)
    # A provider never makes a right to change of a role that has none.
    assert not restrict(Risk.objects.all(), external_auditor, CHANGE).exists()
    assert not permitted(external_auditor, CHANGE, document)
    # Nobody else gains anything from it.
    assert not restrict(Risk.objects.filter(pk=out_of_scope.pk), operator).exists()
    assert restrict(Document.objects.all(), operator).exists()  # the operator's own rule
