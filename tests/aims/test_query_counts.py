"""Every list runs a constant number of queries, whatever its length (DESIGN §10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.changelog import change_record
from aims.choices import Role
from aims.models import ApiToken, Notification, Organization
from aims.registry import registry
from tests.conftest import logged_in_api_client, logged_in_client
from tests.factories import UserFactory


def make_changes(n: int, actor) -> None:
    org = Organization.objects.first() or Organization.objects.create(name="Q")
    for _ in range(n):
        change_record(actor=actor, action="update", obj=org)


def make_tokens(n: int, user) -> None:
    now = timezone.now()
    start = ApiToken.objects.count()
    ApiToken.objects.bulk_create(
        ApiToken(
            user=UserFactory(roles=[Role.OPERATIONAL_MEMBER]) if i % 2 else user,
            name=f"t{i}",
            prefix=f"q{start + i:06d}",
            digest="0" * 64,
            scope="read",
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
        for i in range(n - start)
    )


def make_notifications(n: int, user) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=user, subject=f"n{i}")
        for i in range(n - Notification.objects.filter(recipient=user).count())
    )


def make_report_jobs(n: int, user) -> None:
    from aims.models import ReportJob

    ReportJob.objects.bulk_create(
        ReportJob(
            kind="ai_system_inventory",
            format="csv",
            language="en",
            requested_by=user,
            status="done",
            file_sha256="0" * 64,
            file_name=f"r{i}.csv",
        )
        for i in range(n - ReportJob.objects.count())
    )


def make_users(n: int, _user) -> None:
    for i in range(n - 1):
        UserFactory(username=f"q_user_{i}", roles=[Role.VIEWER, Role.INTERNAL_AUDITOR])


LISTS = [
    ("api:change-list", True, make_changes),
    ("changes", False, make_changes),
    ("api:token-list", True, make_tokens),
    ("tokens", False, make_tokens),
    ("api:notification-list", True, make_notifications),
    ("notifications", False, make_notifications),
    ("users", False, make_users),
    ("api:report-list", True, make_report_jobs),
    ("reports", False, make_report_jobs),
    ("home", False, make_changes),
]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "is_api", "make"), LISTS, ids=[n for n, _a, _m in LISTS])
def test_list_queries_do_not_grow_with_rows(officer, name, is_api, make):
    client = logged_in_api_client(officer) if is_api else logged_in_client(officer)
    url = reverse(name)
    make(1, officer)
    client.get(url)  # warm caches that are per process (content types, sessions)
    with_one = count_queries(client, url)
    make(50, officer)
    with_fifty = count_queries(client, url)
    assert with_fifty == with_one, f"{url}: {with_one} queries for 1 row, {with_fifty} for 50"
    # The dashboard aggregates every register it summarises (one query or two each: AI
    # systems, documents, risks and their heat map, impact assessments, conformance, pending
    # approvals, controls, audits, nonconformities, management reviews), so its ceiling
    # grows with the panels and figures the apps register; still the same for 1 row and 50.
    panels = len(registry.dashboard_panels) + len(registry.dashboard_figures)
    ceiling = 10 + panels if name == "home" else 12
    assert with_one <= ceiling, f"{url} runs {with_one} queries"
