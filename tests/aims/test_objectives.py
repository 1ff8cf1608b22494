"""AI objectives (6.2) and their measured results (9.1)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aims.models import ChangeRecord, Objective
from aims.services.inventory import ai_system_create
from aims.services.records import objective_result_record, record_create


def test_objective_with_systems_and_results_through_the_api(officer, api_client_for):
    system = ai_system_create(actor=None, name="Screener", purpose="Rank applications")
    client = api_client_for(officer)
    created = client.post(
        reverse("api:objective-list"),
        {
            "title": "Reduce selection-rate gap",
            "target": "Gap below 2 points by Q4",
            "measure": "Quarterly fairness test",
            "due_on": "2027-03-31",
            "ai_systems": [system.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    objective_id = created.json()["id"]
    result = client.post(
        reverse("api:objective-results", args=[objective_id]),
        {"measured_on": "2026-12-31", "value": "3.1 points"},
    )
    assert result.status_code == 201, result.content
    body = client.get(reverse("api:objective-detail", args=[objective_id])).json()
    assert body["ai_systems"] == [system.pk]
    assert [r["value"] for r in body["results"]] == ["3.1 points"]
    assert body["results"][0]["recorded_by"] == officer.username
    assert ChangeRecord.objects.filter(content_type__model="objectiveresult").exists()


def test_bad_result_changes_nothing(officer, api_client_for):
    objective = record_create(actor=None, model=Objective, title="O", target="T")
    response = api_client_for(officer).post(
        reverse("api:objective-results", args=[objective.pk]), {"value": "no date"}
    )
    assert response.status_code == 400 and "measured_on" in response.json()["error"]["fields"]
    assert not objective.results.exists()


def test_operator_cannot_write_objectives(operator, api_client_for):
    response = api_client_for(operator).post(
        reverse("api:objective-list"), {"title": "x", "target": "y"}
    )
    assert response.status_code == 403


def test_ui_records_a_result(officer, client_for):
    objective = record_create(actor=None, model=Objective, title="Train staff", target="100 %")
    response = client_for(officer).post(
        reverse("objectives"),
        {"objective": objective.pk, "measured_on": "2026-11-01", "value": "80 %"},
    )
    assert response.status_code == 302
    assert objective.results.get().value == "80 %"


def test_objective_list_runs_constant_queries(officer, client_for, api_client_for):
    for client, url in (
        (client_for(officer), reverse("objectives")),
        (api_client_for(officer), reverse("api:objective-list")),
    ):
        counts = []
        for total in (1, 20):
            while Objective.objects.count() < total:
                title = f"O{Objective.objects.count()}"
                objective = record_create(actor=None, model=Objective, title=title, target="t")
                objective_result_record(
                    actor=officer, objective=objective, measured_on="2026-01-01", value="v"
                )
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            counts.append(len(queries))
        assert counts[0] == counts[1], (url, counts)
        Objective.objects.all().delete()
