"""The API shell: error shape, pagination, schema and docs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aims.models import Notification

# DESIGN §6: every resource path of API v1. Those of later features join as they are built.
# The paths of DESIGN §6 built so far; each later feature adds its own.
BUILT_PATHS = [
    "/api/v1/changes/",
    "/api/v1/tokens/",
    "/api/v1/notifications/",
    "/api/v1/ai-systems/",
    "/api/v1/frameworks/",
    "/api/v1/requirements/",
    "/api/v1/mappings/",
    "/api/v1/clause-assessments/",
    "/api/v1/documents/",
    "/api/v1/documents/{id}/submit/",
    "/api/v1/documents/{id}/approve/",
    "/api/v1/objectives/",
    "/api/v1/reports/",
    "/api/v1/reports/{id}/",
    "/api/v1/reports/{id}/download/",
    "/api/v1/risk-matrices/",
    "/api/v1/risks/",
    "/api/v1/risks/{id}/accept/",
    "/api/v1/risks/{id}/request-acceptance/",
    "/api/v1/inbox/",
    "/api/v1/readiness/",
    "/api/v1/competence-roles/",
    "/api/v1/competence-records/",
    "/api/v1/impact-assessments/",
    "/api/v1/impact-assessments/{id}/submit/",
    "/api/v1/impact-assessments/{id}/approve/",
]


def test_unknown_api_path_is_a_json_404(officer, client_for):
    response = client_for(officer).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_unknown_page_is_a_friendly_404(officer, client_for):
    response = client_for(officer).get("/no-such-page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()
    assert b'class="card narrow error-page"' in response.content


def test_malformed_json_is_a_clear_400(officer, api_client_for):
    response = api_client_for(officer).post(
        reverse("api:token-list"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert "JSON" in error["message"]


def test_validation_errors_carry_a_field_map(officer, api_client_for):
    response = api_client_for(officer).post(reverse("api:token-list"), {"scope": "x"})
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"name", "scope"}
    assert all(isinstance(messages, list) for messages in fields.values())


def test_unauthenticated_is_401_with_the_same_shape(db, client):
    response = client.get(reverse("api:token-list"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_pagination_page_size_is_capped_at_500(officer, api_client_for):
    Notification.objects.bulk_create(
        Notification(recipient=officer, subject=f"n{i}") for i in range(520)
    )
    client = api_client_for(officer)
    default = client.get(reverse("api:notification-list")).json()
    assert default["count"] == 520 and len(default["results"]) == 50
    capped = client.get(reverse("api:notification-list"), {"page_size": 1000}).json()
    assert len(capped["results"]) == 500
    last = client.get(reverse("api:notification-list"), {"page_size": 500, "page": 2}).json()
    assert len(last["results"]) == 20 and last["next"] is None
    assert client.get(reverse("api:notification-list"), {"page": 99}).status_code == 404


def test_schema_has_the_built_paths_and_bearer_auth(officer, client_for):
    response = client_for(officer).get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert set(BUILT_PATHS) <= set(schema["paths"])
    assert "/api/v1/tokens/{id}/revoke/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_use_only_local_assets(officer, client_for):
    html = client_for(officer).get(reverse("api:docs")).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page loads its assets"
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources


@pytest.mark.parametrize("header", ["Content-Security-Policy", "X-Request-ID"])
def test_security_headers_on_every_response(db, client, header):
    assert header in client.get(reverse("login"))


def test_health(db, client):
    assert client.get(reverse("health")).json() == {"status": "ok"}


def test_server_errors_show_no_traceback(officer, monkeypatch):
    from django.test import Client

    from aims import selectors

    def broken(**_kwargs):
        raise RuntimeError("secret internal detail")

    from aims.api.views import ChangeRecordViewSet

    monkeypatch.setattr(selectors, "change_records", broken)
    monkeypatch.setattr(ChangeRecordViewSet, "selector", staticmethod(broken))
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    page = client.get(reverse("home"))
    assert page.status_code == 500
    html = page.content.decode()
    assert "secret internal detail" not in html and "Traceback" not in html
    assert page["X-Request-ID"] in html  # the reference the user can pass on
    api = client.get(reverse("api:change-list"))
    assert api.status_code == 500
    assert api.json()["error"]["code"] == "server_error"
    assert "secret internal detail" not in api.content.decode()
