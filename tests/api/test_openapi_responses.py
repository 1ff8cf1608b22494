"""The OpenAPI description tells the truth about the responses: every read and every PATCH
of every resource, on rows that leave fields empty and rows that fill them, answers with a
body the schema declares (nullable fields nullable, no key missing, none undeclared); every
operation declares the error answers in the API's one error shape; request bodies are JSON
(multipart only where a file is uploaded) and required where the operation takes one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.models import ChangeRecord
from risk.models import Risk
from tests.api_cases import assert_error
from tests.openapi import (
    fetch_schema,
    operations,
    response_problems,
    varied_records,
)

ERROR_STATUSES = {"400", "401", "403", "404", "409", "503"}
#: The operations that take a file, as multipart (and nothing else does).
UPLOADS = {
    ("/api/v1/frameworks/import/", "post"),
    ("/api/v1/ai-systems/import/", "post"),
    ("/api/v1/documents/{id}/file/", "post"),
}
#: Operations that take a file (multipart) or the same fields with a URL instead (JSON).
UPLOADS_OR_JSON = {
    ("/api/v1/evidence/", "post"),
    ("/api/v1/evidence/{id}/versions/", "post"),
}


@pytest.fixture
def openapi(officer, client_for):
    return fetch_schema(client_for(officer))


@pytest.fixture
def records(officer, executive):
    return varied_records(officer, executive)


def collection_of(path: str) -> str:
    """``/api/v1/risks/{id}/accept/`` → ``/api/v1/risks/``."""
    return path.split("{", 1)[0]


#: Reads of one object, not lists of rows.
NOT_LISTS = ("/api/v1/me/", "/api/v1/inbox/", "/api/v1/readiness/")


def ids_by_collection(openapi: dict[str, Any], client: Any) -> dict[str, list[Any]]:
    ids = {}
    for path, method, operation in operations(openapi):
        content = operation["responses"].get("200", {}).get("content", {})
        if "application/json" not in content:  # a file (the change log export), not a list
            continue
        if method == "get" and "{" not in path and path not in NOT_LISTS:
            body = client.get(path, {"page_size": 500}).json()
            ids[path] = [row["id"] for row in body["results"]]
    return ids


def test_every_read_of_every_row_matches_the_schema(openapi, records, officer, api_client_for):
    client = api_client_for(officer)
    ids = ids_by_collection(openapi, client)
    assert all(ids.values()), {path: rows for path, rows in ids.items() if not rows}
    problems, reads = [], 0
    for path, method, _operation in operations(openapi):
        if method != "get":
            continue
        if "{id}" in path:
            urls = [path.replace("{id}", str(pk)) for pk in ids[collection_of(path)]]
        else:
            urls = [path]
        for url in urls:
            response = client.get(url)
            reads += 1
            # 302: a download that redirects (a link version of evidence, or a presigned URL).
            assert response.status_code in (200, 302, 404), (url, response.content[:300])
            problems += response_problems(openapi, "get", url, response)
    assert reads > 150
    assert not problems, "\n".join(sorted(set(problems)))


def test_a_patch_answers_what_a_read_then_shows(openapi, records, officer, api_client_for):
    """An empty PATCH of every row changes nothing and answers the row as a GET shows it,
    every declared key present (annotations of the read included)."""
    client = api_client_for(officer)
    ids = ids_by_collection(openapi, client)
    problems, patched = [], 0
    for path, method, _operation in operations(openapi):
        if method != "patch":
            continue
        for pk in ids[collection_of(path)]:
            url = path.replace("{id}", str(pk))
            response = client.patch(url, {}, format="json")
            problems += response_problems(openapi, "patch", url, response)
            if response.status_code == 200:
                patched += 1
                # A matrix in use answers with its new version: read what was answered.
                shown = client.get(path.replace("{id}", str(response.json()["id"]))).json()
                if response.json() != shown:
                    diff = {
                        k: (response.json().get(k, "<missing>"), v)
                        for k, v in shown.items()
                        if response.json().get(k, "<missing>") != v
                    }
                    problems.append(f"PATCH {path}: answer differs from a read: {diff}")
    assert patched > 20
    assert not problems, "\n".join(sorted(set(problems)))


def test_error_answers_match_the_schema(openapi, records, officer, viewer, api_client_for):
    risk = records["open_risk"]
    url = reverse("api:risk-detail", args=[risk.pk])
    answers = [
        ("patch", url, api_client_for(officer).patch(url, {"inherent_impact": 9}, format="json")),
        ("get", url, api_client_for(None).get(url)),
        ("patch", url, api_client_for(viewer).patch(url, {"title": "x"}, format="json")),
        ("get", "/api/v1/risks/0/", api_client_for(officer).get("/api/v1/risks/0/")),
    ]
    statuses = {response.status_code for _method, _url, response in answers}
    assert statuses == {400, 401, 403, 404}
    problems = [p for m, u, r in answers for p in response_problems(openapi, m, u, r)]
    assert not problems, "\n".join(problems)


def test_every_operation_declares_the_error_answers_in_the_error_shape(openapi):
    missing = []
    for path, method, operation in operations(openapi):
        for status in sorted(ERROR_STATUSES):
            declared = operation["responses"].get(status, {})
            schema = declared.get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": "#/components/schemas/ErrorBody"}:
                missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "code", "message"}
    assert {"fields", "rows"} <= set(error["properties"])
    retry = openapi["paths"]["/api/v1/risks/"]["post"]["responses"]["503"]["headers"]
    assert "Retry-After" in retry


def test_request_bodies_are_json_and_required_except_uploads(openapi):
    wrong = []
    bodies = 0
    for path, method, operation in operations(openapi):
        body = operation.get("requestBody")
        if body is None:
            continue
        bodies += 1
        expected = {"multipart/form-data" if (path, method) in UPLOADS else "application/json"}
        if (path, method) in UPLOADS_OR_JSON:
            expected = {"multipart/form-data", "application/json"}
        if set(body["content"]) != expected or body.get("required") is not True:
            wrong.append((method, path, sorted(body["content"]), body.get("required")))
    assert bodies > 40
    assert not wrong, wrong
    assert set(UPLOADS) <= {(path, method) for path, method, _op in operations(openapi)}


@pytest.mark.parametrize("encoding", ["multipart", "form"])
def test_a_form_body_is_refused_and_changes_nothing(officer, api_client_for, encoding):
    client = api_client_for(officer)
    url = reverse("api:risk-list")
    data = {"title": "Sent as a form", "inherent_likelihood": "1", "inherent_impact": "1"}
    mark = ChangeRecord.objects.count()
    if encoding == "multipart":
        response = client.post(url, data, format="multipart")
    else:
        response = client.post(
            url,
            "title=Sent+as+a+form&inherent_likelihood=1&inherent_impact=1",
            content_type="application/x-www-form-urlencoded",
        )
    error = assert_error(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert not Risk.objects.filter(title="Sent as a form").exists()
    assert ChangeRecord.objects.count() == mark


def test_a_document_takes_its_file_by_multipart_only(officer, api_client_for, records):
    document = records["draft_document"]
    client = api_client_for(officer)
    url = reverse("api:document-file", args=[document.pk])
    upload = SimpleUploadedFile("procedure.txt", b"Step 1", content_type="text/plain")
    response = client.post(url, {"file": upload, "change_summary": "Steps"}, format="multipart")
    assert response.status_code == 200, response.content
    version = response.json()["versions"][0]
    assert (version["file_name"], version["change_summary"]) == ("procedure.txt", "Steps")
    assert_error(client.post(url, {"file": "procedure.txt"}, format="json"), 415)
    edit = reverse("api:document-detail", args=[document.pk])
    upload = SimpleUploadedFile("other.txt", b"Step 2", content_type="text/plain")
    assert_error(client.patch(edit, {"file": upload}, format="multipart"), 415)
