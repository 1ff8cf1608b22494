"""The risk list reads a page's related rows from the lists ``risks_for_api`` prefetches; a
risk read any other way (one just saved) from its relations. Both must give the same answer,
ids in the same order, hidden systems counted, the acceptance in force and not an ended one."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from aims.models import Requirement
from aims.services.inventory import ai_system_create
from risk.api.serializers import RiskSerializer
from risk.choices import AcceptanceEnd
from risk.models import Risk, RiskAcceptance
from risk.selectors import RISK_API_PREFETCHED, risks_for_api
from risk.services.acceptance import risk_accept
from risk.services.register import risk_create
from tests.factories import RequirementFactory, taxonomy_item


def _risk_with_everything(officer, executive, granted, other_system):
    # Names out of id order, so an order by name differs from the order of creation.
    third = ai_system_create(actor=None, name="A 最初の名前", purpose="並び順の確認")
    security = taxonomy_item("ai-risk-categories", "security")
    risk = risk_create(
        actor=officer,
        title="学習データの偏り",
        ai_systems=[other_system, granted, third],
        categories=[security, *Requirement.objects.filter(framework=security.framework)[:2]],
        inherent_likelihood=5,
        inherent_impact=5,
    )
    # Linked as stored (which library list each belongs to is the service's check, not
    # what is read here).
    risk.risk_sources.set([RequirementFactory(), RequirementFactory()])
    risk.principles.set([RequirementFactory()])
    risk.aisi_perspectives.set([RequirementFactory() for _ in range(3)])
    RiskAcceptance.objects.create(
        risk=risk,
        accepted_by=executive,
        rationale="以前の受容",
        expires_on=timezone.localdate() - timedelta(days=1),
        residual_level=risk.residual_level,
        within_criteria=False,
        ended_at=timezone.now() - timedelta(days=1),
        end_reason=AcceptanceEnd.EXPIRED,
    )
    risk_accept(
        actor=executive,
        risk=risk,
        rationale="取締役会の決定",
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    return risk


def _read_from_relations(risk_id, user, path):
    """The representation of the risk loaded without any prefetch, as after a write."""
    drf_request = Request(APIRequestFactory().get(path))
    drf_request.user = user
    plain = Risk.objects.get(pk=risk_id)
    assert not any(hasattr(plain, attr) for attr in RISK_API_PREFETCHED.values())
    return RiskSerializer(plain, context={"request": drf_request}).data


def test_the_list_reads_as_the_risk_read_from_its_relations(
    officer, executive, operator, granted, other_system, api_client_for, m5
):
    risk = _risk_with_everything(officer, executive, granted, other_system)
    for user in (officer, operator):
        path = reverse("api:risk-list")
        listed = api_client_for(user).get(path).json()["results"]
        assert [row["id"] for row in listed] == [risk.pk]
        row = listed[0]
        assert row == dict(_read_from_relations(risk.pk, user, path))
        detail = api_client_for(user).get(reverse("api:risk-detail", args=[risk.pk])).json()
        assert detail == row
    # What the comparison covered: every list filled, the hidden systems counted.
    assert len(row["ai_systems"]) == 1 and row["other_ai_systems"] == 2
    assert len(row["risk_sources"]) == 2 and len(row["aisi_perspectives"]) == 3
    assert len(row["categories"]) >= 2
    assert row["acceptance"]["rationale"] == "取締役会の決定"


def test_the_prefetched_lists_keep_the_relations_order(
    officer, executive, granted, other_system, m5
):
    risk = _risk_with_everything(officer, executive, granted, other_system)
    prefetched = risks_for_api().get(pk=risk.pk)
    for relation, attr in RISK_API_PREFETCHED.items():
        if relation == "acceptances":
            assert [a.pk for a in getattr(prefetched, attr)] == [
                a.pk for a in risk.acceptances.filter(ended_at__isnull=True)
            ]
        else:
            assert [row.pk for row in getattr(prefetched, attr)] == [
                row.pk for row in getattr(risk, relation).all()
            ]


def test_library_ids_of_a_page_cost_no_query_of_the_library(officer, api_client_for, m5):
    """Every reader sees the library: naming its rows needs no list of the ids they may see."""
    risk_create(
        actor=officer,
        title="r",
        categories=[taxonomy_item("ai-risk-categories", "security")],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    client = api_client_for(officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("api:risk-list"))
    assert response.status_code == 200
    assert len(response.json()["results"][0]["categories"]) == 1
    whole_library = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "aims_requirement"' in q["sql"] and "INNER JOIN" not in q["sql"]
    ]
    assert whole_library == []


def test_linked_ids_load_once_per_page_and_only_for_model_rows(
    officer, executive, granted, other_system, m5
):
    risk = _risk_with_everything(officer, executive, granted, other_system)
    chained = risks_for_api().filter(pk=risk.pk).order_by("id")
    with CaptureQueriesContext(connection) as queries:
        rows = list(chained)
    # The page, every linked id and the ids of its acceptances in force in one statement,
    # and those acceptances.
    assert len(queries.captured_queries) == 3
    assert len(getattr(rows[0], RISK_API_PREFETCHED["ai_systems"])) == 3
    assert list(risks_for_api().filter(pk=risk.pk).values_list("title", flat=True)) == [
        "学習データの偏り"
    ]
    assert risks_for_api().filter(pk__in=[risk.pk, -1]).count() == 1


def test_a_change_answers_with_the_links_as_changed(
    officer, executive, granted, other_system, api_client_for, m5
):
    risk = _risk_with_everything(officer, executive, granted, other_system)
    security = taxonomy_item("ai-risk-categories", "security")
    response = api_client_for(officer).patch(
        reverse("api:risk-detail", args=[risk.pk]),
        {"ai_systems": [granted.pk], "categories": [security.pk], "residual_likelihood": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ai_systems"] == [granted.pk] and body["other_ai_systems"] == 0
    assert body["categories"] == [security.pk]
    # The lower residual level ended the acceptance: none is in force any more.
    assert body["acceptance"] is None
    fresh = api_client_for(officer).get(reverse("api:risk-detail", args=[risk.pk])).json()
    assert fresh == body


def test_a_page_reads_its_acceptances_in_one_query_whatever_their_number(officer, executive, m5):
    """A page without an accepted risk reads none; with any, one query for all of them."""
    risks = [
        risk_create(actor=officer, title=f"r{n}", inherent_likelihood=1, inherent_impact=1)
        for n in range(20)
    ]

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = list(risks_for_api().order_by("id"))
        accepted = [getattr(r, RISK_API_PREFETCHED["acceptances"]) for r in rows]
        assert (
            sum(len(a) for a in accepted)
            == RiskAcceptance.objects.filter(ended_at__isnull=True).count()
        )
        return len(queries.captured_queries)

    assert page_queries() == 2
    expires = timezone.localdate() + timedelta(days=30)
    risk_accept(actor=executive, risk=risks[0], rationale="one", expires_on=expires)
    assert page_queries() == 3
    for risk in risks[1:]:
        risk_accept(actor=executive, risk=risk, rationale="all", expires_on=expires)
    assert page_queries() == 3
