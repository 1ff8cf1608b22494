"""The risk API: risk matrices with their scales and grid; risks written with 1-based
positions and read back with derived level codes; acceptance; operators see only theirs."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from aims.models import ChangeRecord
from risk.models import Risk
from risk.services.register import risk_create


def payload(system, matrix, **extra):
    return {
        "title": "顔認識の誤検知による差別",
        "ai_systems": [system.pk],
        "matrix": matrix.pk,
        "inherent_likelihood": 2,
        "inherent_impact": 3,
        "residual_likelihood": 1,
        "residual_impact": 3,
        **extra,
    }


def test_matrices_carry_scales_levels_grid_and_criteria(officer, api_client_for, m3):
    body = api_client_for(officer).get(reverse("api:risk-matrix-detail", args=[m3.pk])).json()
    assert [s["position"] for s in body["likelihood_levels"]] == [1, 2, 3]
    assert body["impact_levels"][2]["label_ja"] == "高"
    assert [lv["code"] for lv in body["levels"]] == ["low", "medium", "high"]
    assert body["levels"][2]["rank"] == 3
    assert body["grid"][2][2] == "high"
    assert body["criteria"]["acceptable_levels"] == ["low", "medium"]


def test_create_a_risk_and_read_back_its_levels(officer, api_client_for, system, m3):
    client = api_client_for(officer)
    response = client.post(reverse("api:risk-list"), payload(system, m3), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["inherent_level"], body["residual_level"]) == ("high", "medium")
    assert body["code"] == f"R-{body['id']:05d}"
    patched = client.patch(
        reverse("api:risk-detail", args=[body["id"]]), {"residual_likelihood": 3}, format="json"
    ).json()
    assert patched["residual_level"] == "high"
    assert ChangeRecord.objects.filter(content_type__model="risk", action="update").exists()


def test_a_level_sent_by_the_client_is_refused(officer, api_client_for, system, m3):
    response = api_client_for(officer).post(
        reverse("api:risk-list"), payload(system, m3, residual_level="low"), format="json"
    )
    assert response.status_code == 400
    assert "residual_level" in response.json()["error"]["fields"]
    assert not Risk.objects.exists()


def test_positions_outside_the_matrix_and_unknown_systems_are_refused(
    officer, api_client_for, system, m3
):
    client = api_client_for(officer)
    response = client.post(
        reverse("api:risk-list"), payload(system, m3, inherent_impact=4), format="json"
    )
    assert response.status_code == 400
    assert "inherent_impact" in response.json()["error"]["fields"]
    data = payload(system, m3)
    data["ai_systems"] = [999999]
    assert client.post(reverse("api:risk-list"), data, format="json").status_code == 400
    assert not Risk.objects.exists()


def test_an_operator_sees_and_changes_only_risks_of_granted_systems(
    officer, operator, granted, other_system, api_client_for, m5
):
    mine = risk_create(
        actor=officer, title="mine", ai_systems=[granted], inherent_likelihood=1, inherent_impact=1
    )
    theirs = risk_create(
        actor=officer,
        title="theirs",
        ai_systems=[other_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    client = api_client_for(operator)
    listed = [r["id"] for r in client.get(reverse("api:risk-list")).json()["results"]]
    assert listed == [mine.pk]
    assert client.get(reverse("api:risk-detail", args=[theirs.pk])).status_code == 404
    assert (
        client.patch(
            reverse("api:risk-detail", args=[theirs.pk]), {"title": "x"}, format="json"
        ).status_code
        == 404
    )
    created = client.post(reverse("api:risk-list"), payload(granted, m5), format="json")
    assert created.status_code == 201
    refused = client.post(reverse("api:risk-list"), payload(other_system, m5), format="json")
    assert refused.status_code == 400


def test_filters_of_the_register(officer, api_client_for, system, m5):
    for impact in (1, 5):
        risk_create(
            actor=officer,
            title=f"i{impact}",
            ai_systems=[system],
            inherent_likelihood=5,
            inherent_impact=impact,
        )
    client = api_client_for(officer)
    high = client.get(reverse("api:risk-list"), {"residual_level": "very_high"}).json()
    assert [r["title"] for r in high["results"]] == ["i5"]
    by_system = client.get(reverse("api:risk-list"), {"ai_system": system.pk}).json()
    assert by_system["count"] == 2
    bad = client.get(reverse("api:risk-list"), {"status": "sleeping"})
    assert bad.status_code == 400


def test_accept_through_the_api(officer, executive, operator, granted, api_client_for):
    risk = risk_create(
        actor=operator, title="r", ai_systems=[granted], inherent_likelihood=5, inherent_impact=5
    )
    until = (timezone.localdate() + timedelta(days=180)).isoformat()
    url = reverse("api:risk-accept", args=[risk.pk])
    refused = api_client_for(officer).post(
        url, {"rationale": "ok", "expires_on": until}, format="json"
    )
    assert refused.status_code == 400
    assert "トップマネジメント" in str(
        refused.json()["error"]["fields"]
    )  # API speaks ja by default
    assert (
        api_client_for(operator)
        .post(url, {"rationale": "ok", "expires_on": until}, format="json")
        .status_code
        == 403
    )
    response = api_client_for(executive).post(
        url, {"rationale": "Board decision 2026-11", "expires_on": until}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["acceptance"]["accepted_by"] == executive.username
    assert body["acceptance"]["within_criteria"] is False


def test_matrix_change_through_the_api_makes_a_version_when_in_use(
    officer, api_client_for, m3, system
):
    risk_create(
        actor=officer,
        title="r",
        ai_systems=[system],
        matrix=m3,
        inherent_likelihood=1,
        inherent_impact=1,
    )
    client = api_client_for(officer)
    grid = [row[:] for row in m3.grid]
    grid[0][0] = "medium"
    response = client.patch(
        reverse("api:risk-matrix-detail", args=[m3.pk]), {"grid": grid}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["id"] != m3.pk
    bad = client.patch(
        reverse("api:risk-matrix-detail", args=[response.json()["id"]]),
        {"grid": [["nope"]]},
        format="json",
    )
    assert bad.status_code == 400 and "grid" in bad.json()["error"]["fields"]


def test_treatment_actions_through_the_api(
    operator, granted, other_system, officer, api_client_for
):
    mine = risk_create(
        actor=operator, title="r", ai_systems=[granted], inherent_likelihood=1, inherent_impact=1
    )
    theirs = risk_create(
        actor=officer,
        title="t",
        ai_systems=[other_system],
        inherent_likelihood=1,
        inherent_impact=1,
    )
    client = api_client_for(operator)
    created = client.post(
        reverse("api:risk-action-list"), {"risk": mine.pk, "title": "Monitor drift"}, format="json"
    )
    assert created.status_code == 201, created.content
    refused = client.post(
        reverse("api:risk-action-list"), {"risk": theirs.pk, "title": "x"}, format="json"
    )
    assert refused.status_code == 400
