"""The evidence API: create with a file or a URL, idempotent retries, versions, review,
downloads behind the permission check, filters and constant query counts."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.choices import Role
from aims.models import ChangeRecord
from controls.models import Evidence, EvidenceVersion, IdempotentRequest
from tests.conftest import logged_in_api_client
from tests.factories import AISystemFactory, RiskFactory, UserFactory
from tests.factories.evidence import PDF_BYTES, EvidenceFactory, pdf_upload

pytestmark = pytest.mark.django_db
LIST = reverse("api:evidence-list")


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_ci_job_attaches_an_evaluation_report_to_its_system(operator):
    system = AISystemFactory(granted_to=[operator])
    risk = RiskFactory(ai_systems=[system])
    client = logged_in_api_client(operator)
    response = client.post(
        LIST,
        {
            "title": "評価レポート run 42",
            "ai_systems": [system.pk],
            "file": pdf_upload("eval.pdf"),
            "effective_from": "2026-05-01",
            "valid_until": "2026-11-01",
            "new_links[0]type": "risk",
            "new_links[0]id": risk.pk,
        },
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="ci-run-42",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["version"]["file_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert data["version"]["content_type"] == "application/pdf"
    assert data["valid_until"] == "2026-11-01"
    assert data["ai_systems"] == [system.pk]
    assert data["links"] == [{"type": "risk", "id": risk.pk}]


def _json_create(client, key, **overrides):
    body = {
        "title": "Monitoring dashboard",
        "ai_systems": [],
        "url": "https://grafana.example.com/d/abc",
        "effective_from": "2026-05-01",
        **overrides,
    }
    return client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_post_with_the_same_key_creates_one_version(officer):
    client = logged_in_api_client(officer)
    first = _json_create(client, "retry-1")
    assert first.status_code == 201, first.content
    records = ChangeRecord.objects.count()
    second = _json_create(client, "retry-1")
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["version"]["id"] == first.json()["version"]["id"]
    assert Evidence.objects.count() == 1
    assert EvidenceVersion.objects.count() == 1
    assert ChangeRecord.objects.count() == records


def test_a_retried_multipart_upload_creates_one_version(officer):
    client = logged_in_api_client(officer)

    def send():
        return client.post(
            LIST,
            {"title": "x", "file": pdf_upload(), "effective_from": "2026-05-01"},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    assert send().status_code == 201
    assert send().status_code == 200
    assert EvidenceVersion.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict_and_changes_nothing(officer):
    client = logged_in_api_client(officer)
    assert _json_create(client, "k-2").status_code == 201
    counts = (
        Evidence.objects.count(),
        EvidenceVersion.objects.count(),
        ChangeRecord.objects.count(),
    )
    response = _json_create(client, "k-2", title="Another title")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["status"] == 409
    assert "Idempotency-Key" in error["message"]
    after = (
        Evidence.objects.count(),
        EvidenceVersion.objects.count(),
        ChangeRecord.objects.count(),
    )
    assert after == counts


def test_a_key_belongs_to_its_user(officer):
    other = UserFactory(roles=[Role.GOVERNANCE_OFFICER])
    assert _json_create(logged_in_api_client(officer), "shared").status_code == 201
    assert _json_create(logged_in_api_client(other), "shared").status_code == 201
    assert IdempotentRequest.objects.count() == 2


def test_versions_endpoint_adds_idempotently_and_lists(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    client = logged_in_api_client(officer)
    url = reverse("api:evidence-versions", args=[evidence.pk])
    body = {"url": "https://ci.example.com/runs/7", "effective_from": "2026-05-02"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="v-7")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="v-7")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["number"] == 2
    listed = client.get(url).json()["results"]
    assert [v["number"] for v in listed] == [2, 1]


def test_bad_files_are_refused_with_a_field_error(officer, settings):
    client = logged_in_api_client(officer)
    settings.EVIDENCE_MAX_BYTES = 50
    big = client.post(
        LIST,
        {"title": "big", "file": pdf_upload(content=PDF_BYTES * 3), "effective_from": "2026-05-01"},
        format="multipart",
    )
    assert big.status_code == 400
    assert "file" in big.json()["error"]["fields"]
    exe = client.post(
        LIST,
        {
            "title": "exe",
            "file": SimpleUploadedFile("a.exe", b"MZ"),
            "effective_from": "2026-05-01",
        },
        format="multipart",
    )
    assert exe.status_code == 400
    assert "file" in exe.json()["error"]["fields"]
    assert not Evidence.objects.exists()


def test_a_link_to_an_invisible_record_is_refused(operator):
    system = AISystemFactory(granted_to=[operator])
    hidden = RiskFactory(ai_systems=[AISystemFactory()])
    response = logged_in_api_client(operator).post(
        LIST,
        {
            "title": "x",
            "ai_systems": [system.pk],
            "url": "https://a.example",
            "effective_from": "2026-05-01",
            "new_links": [{"type": "risk", "id": hidden.pk}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "new_links" in response.json()["error"]["fields"]
    assert not Evidence.objects.exists()


def test_review_through_the_api(officer, executive):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    version = evidence.current_version
    url = reverse("api:evidence-version-review", args=[version.pk])
    own = logged_in_api_client(officer).post(url, {"decision": "accept"}, format="json")
    assert own.status_code == 400
    no_comment = logged_in_api_client(executive).post(url, {"decision": "reject"}, format="json")
    assert no_comment.status_code == 400
    done = logged_in_api_client(executive).post(
        url, {"decision": "reject", "comment": "古い"}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["review_status"] == "rejected"
    assert done.json()["reviewed_by"] == executive.username


def test_downloads_are_behind_the_permission_check(operator):
    granted = AISystemFactory(granted_to=[operator])
    mine = EvidenceFactory(ai_systems=[granted])
    hidden = EvidenceFactory(ai_systems=[AISystemFactory()])
    client = logged_in_api_client(operator)
    ok = client.get(reverse("api:evidence-version-download", args=[mine.current_version.pk]))
    assert ok.status_code == 200
    assert body_of(ok) == PDF_BYTES
    assert ok["Content-Disposition"].startswith("attachment")
    latest = client.get(reverse("api:evidence-download", args=[mine.pk]))
    assert body_of(latest) == PDF_BYTES
    for name, pk in (
        ("api:evidence-version-download", hidden.current_version.pk),
        ("api:evidence-download", hidden.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404


def test_filters(officer):
    today = datetime.date.today()
    EvidenceFactory(ai_systems=[], title="old", valid_until=today - datetime.timedelta(days=3))
    EvidenceFactory(ai_systems=[], title="soon", valid_until=today + datetime.timedelta(days=10))
    EvidenceFactory(ai_systems=[], title="fresh")
    client = logged_in_api_client(officer)

    def titles(query):
        return sorted(row["title"] for row in client.get(LIST + query).json()["results"])

    assert titles("?expired=true") == ["old"]
    assert titles("?expiring=true") == ["soon"]
    assert titles("?unreviewed=true") == ["fresh", "old", "soon"]
    assert titles("?q=fre") == ["fresh"]


def test_list_queries_do_not_grow_with_rows(officer, django_assert_max_num_queries):
    client = logged_in_api_client(officer)
    EvidenceFactory(ai_systems=[AISystemFactory()])
    with django_assert_max_num_queries(20) as one:
        assert client.get(LIST).status_code == 200
    system = AISystemFactory()
    for _ in range(30):
        EvidenceFactory(ai_systems=[system])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(LIST)
    assert len(response.json()["results"]) == 31


def test_schema_documents_the_evidence_paths(officer):
    schema = logged_in_api_client(officer).get(reverse("api:schema"), {"format": "json"})
    paths = json.loads(schema.content)["paths"]
    for path in (
        "/api/v1/evidence/",
        "/api/v1/evidence/{id}/versions/",
        "/api/v1/evidence/{id}/download/",
        "/api/v1/evidence-versions/{id}/review/",
        "/api/v1/evidence-versions/{id}/download/",
    ):
        assert path in paths, path
    post = paths["/api/v1/evidence/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "409" in post["responses"]


def test_links_name_only_records_the_reader_sees(operator, officer):
    granted = AISystemFactory(granted_to=[operator])
    hidden = RiskFactory(ai_systems=[AISystemFactory()])
    shown = RiskFactory(ai_systems=[granted])
    evidence = EvidenceFactory(ai_systems=[granted], links=[hidden, shown])
    detail = reverse("api:evidence-detail", args=[evidence.pk])
    assert logged_in_api_client(operator).get(detail).json()["links"] == [
        {"type": "risk", "id": shown.pk}
    ]
    listed = logged_in_api_client(operator).get(LIST).json()["results"]
    assert listed[0]["links"] == [{"type": "risk", "id": shown.pk}]
    assert len(logged_in_api_client(officer).get(detail).json()["links"]) == 2
