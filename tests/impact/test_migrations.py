"""The move of impact assessments onto the core's approval workflow keeps every version,
approval and change record: the linked list of versions becomes one series per assessment,
and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aims.changelog import verify_chain
from aims.choices import Role
from aims.models import ChangeRecord
from impact.models import ImpactAssessment
from impact.services import (
    impact_assessment_approve,
    impact_assessment_new_version,
    impact_assessment_submit,
)
from tests.factories import ImpactAssessmentFactory, UserFactory

BEFORE = [("impact", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_versions_become_a_series_and_nothing_is_lost():
    author = UserFactory(roles=[Role.GOVERNANCE_OFFICER])
    approver = UserFactory(roles=[Role.TOP_MANAGEMENT])
    first = ImpactAssessmentFactory(state="approved", actor=author, approver=approver)
    second = impact_assessment_new_version(actor=author, assessment=first)
    impact_assessment_submit(actor=author, assessment=second)
    impact_assessment_approve(actor=approver, assessment=second)
    third = impact_assessment_new_version(actor=author, assessment=second)
    alone = ImpactAssessmentFactory(state="approved", actor=author, approver=approver)
    rows = {
        a.pk: (a.number, a.status, a.approved_by_id, a.approved_at, a.author_id)
        for a in ImpactAssessment.objects.all()
    }
    log = list(ChangeRecord.objects.order_by("id").values_list("id", "record_hash"))

    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    Old = old.get_model("impact", "ImpactAssessment")
    previous = dict(Old.objects.values_list("pk", "previous_id"))
    assert previous == {first.pk: None, second.pk: first.pk, third.pk: second.pk, alone.pk: None}

    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())
    series = dict(ImpactAssessment.objects.values_list("pk", "series"))
    assert series[first.pk] == series[second.pk] == series[third.pk] != series[alone.pk]
    assert {
        a.pk: (a.number, a.status, a.approved_by_id, a.approved_at, a.author_id)
        for a in ImpactAssessment.objects.all()
    } == rows
    assert [v.pk for v in ImpactAssessment.objects.get(pk=third.pk).versions()] == [
        first.pk,
        second.pk,
        third.pk,
    ]
    assert list(ChangeRecord.objects.order_by("id").values_list("id", "record_hash")) == log
    assert verify_chain()[1] is None
