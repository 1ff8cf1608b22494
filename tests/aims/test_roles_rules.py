"""Roles and access policies, rule by rule: whose roles count (active, signed-in, role groups
only), the cache of roles and its reset, and how a policy picks the access a request needs,
who passes it, and what a refused request gets."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from aims.choices import Role
from aims.permissions import (
    AUTHENTICATED,
    PUBLIC,
    STAFF,
    Policy,
    PolicyViewMixin,
    allows,
    log_denial,
    policy_of,
)
from aims.roles import (
    MATRIX,
    Capability,
    forget_roles,
    has_capability,
    roles_with,
    user_roles,
)
from aims.scope import CHANGE, VIEW


def test_nobody_has_roles():
    assert user_roles(None) == frozenset()
    assert user_roles(AnonymousUser()) == frozenset()
    assert not has_capability(None, Capability.SEE_RECORDS)
    assert not has_capability(AnonymousUser(), Capability.SEE_RECORDS)


def test_only_role_groups_count_and_only_for_active_users(make_user):
    user = make_user(Role.GOVERNANCE_OFFICER)
    user.groups.add(Group.objects.create(name="book club"))
    assert user_roles(user) == frozenset({Role.GOVERNANCE_OFFICER})
    assert has_capability(user, Capability.MANAGE_USERS)
    user.is_active = False
    forget_roles(user)
    assert user_roles(user) == frozenset()
    assert not has_capability(user, Capability.SEE_RECORDS)


def test_roles_are_cached_until_forgotten(make_user, django_assert_num_queries):
    user = make_user(Role.VIEWER)
    assert user_roles(user) == frozenset({Role.VIEWER})
    user.groups.add(Group.objects.get_or_create(name=Role.TOP_MANAGEMENT)[0])
    with django_assert_num_queries(0):
        assert user_roles(user) == frozenset({Role.VIEWER})
    forget_roles(user)
    assert user_roles(user) == frozenset({Role.VIEWER, Role.TOP_MANAGEMENT})
    assert has_capability(user, Capability.ACCEPT_RISK_ABOVE_CRITERIA)
    fresh = make_user(Role.VIEWER)
    forget_roles(fresh)  # nothing cached yet: no error
    assert user_roles(fresh) == frozenset({Role.VIEWER})


def test_a_user_without_roles_has_no_capability(make_user):
    user = make_user()
    assert user_roles(user) == frozenset()
    assert not any(has_capability(user, c) for c in Capability.values)


@pytest.mark.parametrize("capability", Capability.values)
def test_each_capability_is_held_by_exactly_its_roles(make_user, capability):
    assert roles_with(capability) == MATRIX[capability]
    for role in Role.values:
        assert has_capability(make_user(role), capability) == (role in MATRIX[capability])


# --- Policies --------------------------------------------------------------------------------
POLICY = Policy(
    read=Capability.SEE_RECORDS,
    write=Capability.CHANGE_RECORDS,
    actions={"approve": Capability.APPROVE, "POST": Capability.EXPORT},
)


@pytest.mark.parametrize(
    ("method", "action", "access"),
    [
        ("GET", None, Capability.SEE_RECORDS),
        ("HEAD", None, Capability.SEE_RECORDS),
        ("OPTIONS", None, Capability.SEE_RECORDS),
        ("PUT", None, Capability.CHANGE_RECORDS),
        ("DELETE", None, Capability.CHANGE_RECORDS),
        ("POST", None, Capability.EXPORT),
        ("GET", "approve", Capability.APPROVE),
        ("POST", "approve", Capability.APPROVE),
        ("PATCH", "other", Capability.CHANGE_RECORDS),
        ("GET", "other", Capability.SEE_RECORDS),
    ],
)
def test_the_access_a_request_needs(method, action, access):
    assert POLICY.access_for(method=method, action=action) == access


def test_a_read_only_policy_reads_for_every_method():
    policy = Policy(read=AUTHENTICATED)
    assert policy.access_for(method="DELETE") == AUTHENTICATED
    assert policy.accesses() == {AUTHENTICATED}


def test_the_rows_a_request_acts_on():
    assert POLICY.row_action(method="GET") == VIEW
    assert POLICY.row_action(method="PATCH") == CHANGE
    assert POLICY.row_action(method="POST") == VIEW  # export: what the user sees
    assert POLICY.row_action(method="POST", action="approve") == VIEW
    everything = Policy(read=Capability.SEE_ALL_RECORDS, write=Capability.CHANGE_ALL_RECORDS)
    assert everything.row_action(method="PUT") == CHANGE
    assert everything.row_action(method="GET") == VIEW


def test_every_access_a_policy_names():
    assert POLICY.accesses() == {
        Capability.SEE_RECORDS,
        Capability.CHANGE_RECORDS,
        Capability.APPROVE,
        Capability.EXPORT,
    }


def test_who_passes_which_access(make_user):
    officer = make_user(Role.GOVERNANCE_OFFICER)
    staff = make_user(is_staff=True)
    inactive = make_user(Role.GOVERNANCE_OFFICER, is_active=False)
    assert allows(None, PUBLIC) and allows(AnonymousUser(), PUBLIC)
    for nobody in (None, AnonymousUser(), inactive):
        for access in (AUTHENTICATED, STAFF, Capability.SEE_RECORDS):
            assert allows(nobody, access) is False
    assert allows(officer, AUTHENTICATED)
    assert allows(staff, STAFF) and allows(officer, STAFF) is False
    assert allows(officer, Capability.MANAGE_USERS)
    assert allows(staff, Capability.SEE_RECORDS) is False
    with pytest.raises(ValueError, match="Unknown access rule 'nonsense'"):
        allows(officer, "nonsense")


class Page(PolicyViewMixin, View):
    policy = Policy(read=Capability.SEE_RECORDS, write=Capability.MANAGE_USERS)

    def get(self, request):
        return HttpResponse("page")

    def post(self, request):
        return HttpResponse("posted")


def request_as(user, method="get", path="/page/?x=1"):
    request = getattr(RequestFactory(), method)(path)
    request.user = user
    request.request_id = "req-1"
    return request


def test_the_view_lets_through_who_may_pass(make_user):
    officer = make_user(Role.GOVERNANCE_OFFICER)
    assert Page.as_view()(request_as(officer)).content == b"page"
    assert Page.as_view()(request_as(officer, "post")).content == b"posted"


def test_the_view_sends_anonymous_users_to_sign_in(caplog):
    with caplog.at_level(logging.INFO, logger="aims.security"):
        response = Page.as_view()(request_as(AnonymousUser()))
    assert response.status_code == 302
    assert "/page/%3Fx%3D1" in response["Location"] or "next=/page/" in response["Location"]
    assert "user=- reason=policy see_records" in caplog.text
    assert [r.levelname for r in caplog.records] == ["INFO"]  # routine, not a warning


def test_the_view_refuses_and_logs_a_signed_in_user_without_the_right(make_user, caplog):
    viewer = make_user(Role.VIEWER, username="vera")
    assert Page.as_view()(request_as(viewer)).content == b"page"
    with caplog.at_level(logging.INFO, logger="aims.security"), pytest.raises(PermissionDenied):
        Page.as_view()(request_as(viewer, "post"))
    assert caplog.records[-1].getMessage() == (
        "denied POST /page/ user=vera reason=policy manage_users request_id=req-1"
    )
    assert caplog.records[-1].levelno == logging.INFO


def test_a_denial_without_a_user_or_request_id(caplog):
    request = RequestFactory().get("/x/")
    with caplog.at_level(logging.INFO, logger="aims.security"):
        log_denial(request, "why")
        log_denial(request, "worth a look", level=logging.WARNING)
    assert [(r.getMessage(), r.levelno) for r in caplog.records] == [
        ("denied GET /x/ user=- reason=why request_id=-", logging.INFO),
        ("denied GET /x/ user=- reason=worth a look request_id=-", logging.WARNING),
    ]


def test_the_policy_of_each_kind_of_view():
    assert policy_of(Page.as_view()) is Page.policy

    class Holder:
        policy = POLICY

    def api_view():
        pass

    api_view.cls = Holder
    assert policy_of(api_view) is POLICY

    def plain():
        pass

    plain.policy = POLICY
    assert policy_of(plain) is POLICY
    assert policy_of(lambda: None) is None

    def not_a_policy():
        pass

    not_a_policy.policy = "public"
    assert policy_of(not_a_policy) is None
