"""Idempotency under concurrency: two requests with one key at the same moment make one
version; the second answers the first's result."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection

from aims.choices import Role
from controls.models import Evidence, EvidenceVersion, IdempotentRequest
from controls.services.evidence import (
    IdempotencyConflict,
    evidence_create,
    evidence_idempotent,
    request_fingerprint,
)
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_version():
    user = UserFactory(roles=[Role.GOVERNANCE_OFFICER])
    fingerprint = request_fingerprint("evidence", {"title": "race"})
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def make():
        time.sleep(0.5)  # the other request arrives while this one is creating
        evidence = evidence_create(
            actor=user,
            title="race",
            version={
                "url": "https://ci.example.com/1",
                "effective_from": datetime.date(2026, 1, 1),
            },
        )
        return evidence.current_version

    def run():
        barrier.wait(timeout=10)  # both send at the same moment
        try:
            results.append(
                evidence_idempotent(actor=user, key="race-1", fingerprint=fingerprint, make=make)
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # One created; the other queued on the key's lock, then found the stored answer.
    assert errors == []
    assert Evidence.objects.count() == 1
    assert EvidenceVersion.objects.count() == 1
    assert IdempotentRequest.objects.count() == 1
    created = [r for r in results if r[1]]
    assert len(created) == 1
    assert {r[0].pk for r in results} == {created[0][0].pk}


@pytest.mark.django_db
def test_a_conflict_changes_nothing():
    user = UserFactory(roles=[Role.GOVERNANCE_OFFICER])

    def make():
        return evidence_create(
            actor=user,
            title="t",
            version={"url": "https://a.example", "effective_from": datetime.date(2026, 1, 1)},
        ).current_version

    evidence_idempotent(actor=user, key="k", fingerprint="a" * 64, make=make)
    with pytest.raises(IdempotencyConflict):
        evidence_idempotent(actor=user, key="k", fingerprint="b" * 64, make=make)
    assert EvidenceVersion.objects.count() == 1
