"""Request bodies built to hurt: JSON nested 100,000 levels deep, bodies over the size limit,
and bodies sent by a session user who may not write, who gets a 403 before the body is read."""

from __future__ import annotations

import json

import pytest
from django.middleware.csrf import get_token
from django.test import Client
from django.test.client import RequestFactory
from django.urls import reverse

from aims.api.parsers import MAX_DEPTH
from aims.models import BusinessUnit
from tests.api_cases import assert_error


def post_json(client, body: str, **extra):
    return client.post(
        reverse("api:business-unit-list"),
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def session_client(user) -> tuple[Client, dict[str, str]]:
    """A browser: a session, and CSRF checks enforced as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token
    return client, {"HTTP_X_CSRFTOKEN": token}


def test_json_nested_100000_deep_is_a_400(officer, api_client_for):
    response = post_json(api_client_for(officer), "[" * 100_000 + "]" * 100_000)
    assert_error(response, 400)
    assert response.json()["error"]["code"] == "parse_error"
    assert "nested deeper than" in response.json()["error"]["message"]
    assert not BusinessUnit.objects.exists()


def test_json_a_level_too_deep_is_a_400_and_the_limit_itself_is_accepted(officer, api_client_for):
    def nested(levels: int) -> str:
        return '{"name": "Deep", "description": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"

    response = post_json(api_client_for(officer), nested(MAX_DEPTH + 1))
    assert_error(response, 400)
    assert response.json()["error"]["message"] == (
        f"The JSON body is nested deeper than {MAX_DEPTH} levels."
    )
    response = post_json(api_client_for(officer), nested(MAX_DEPTH))
    assert response.status_code == 400  # parsed: the serializer refuses a list as a name
    assert "fields" in response.json()["error"]


def test_a_body_over_the_size_limit_is_a_400(settings, officer, api_client_for):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "Big", "description": "x" * 1000})
    response = post_json(api_client_for(officer), body)
    assert_error(response, 400)
    assert response.json()["error"]["message"] == "The request body is larger than 1000 bytes."
    assert not BusinessUnit.objects.exists()


def test_a_malformed_body_is_a_400_with_the_usual_shape(officer, api_client_for):
    response = post_json(api_client_for(officer), '{"name": ')
    assert_error(response, 400)
    assert response.json()["error"]["message"].startswith("JSON parse error")


@pytest.mark.parametrize(
    "body",
    ['{"name": ', "[" * 100_000 + "]" * 100_000, json.dumps({"name": "x" * 200_000})],
    ids=["malformed", "deep", "large"],
)
def test_a_session_user_who_may_not_write_gets_403_before_the_body_is_read(settings, viewer, body):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000  # the large body is over it
    client, csrf = session_client(viewer)
    response = post_json(client, body, **csrf)
    assert_error(response, 403)
    assert not BusinessUnit.objects.exists()


def test_sessions_still_need_the_csrf_token_to_write(officer):
    client, csrf = session_client(officer)
    body = json.dumps({"name": "Risk office"})
    response = post_json(client, body)
    assert_error(response, 403)
    assert "CSRF" in response.json()["error"]["message"]
    assert not BusinessUnit.objects.exists()
    response = post_json(client, body, **csrf)
    assert response.status_code == 201, response.content
    assert BusinessUnit.objects.get().name == "Risk office"


def test_a_session_user_who_may_write_gets_the_parse_error(officer):
    client, csrf = session_client(officer)
    response = post_json(client, '{"name": ', **csrf)
    assert_error(response, 400)


def test_a_form_of_too_many_fields_is_a_400(settings, officer, api_client_for):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"field{i}": "x" for i in range(11)}
    response = api_client_for(officer).post(
        reverse("api:ai-system-import"), fields, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert_error(response, 400)
    assert response.json()["error"]["message"] == "The request has too many fields or files."


def test_the_schema_still_declares_the_session_scheme(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["securitySchemes"]["cookieAuth"]["in"] == "cookie"
    create = schema["paths"]["/api/v1/business-units/"]["post"]
    assert {"cookieAuth": []} in create["security"]
