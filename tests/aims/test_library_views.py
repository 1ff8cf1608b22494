"""Library browser and API: filters, search, mappings in both directions, imports."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aims.models import Framework, Requirement
from aims.services.library import library_load
from tests.aims.test_library_loader import framework_file, mapping_file


@pytest.fixture
def library(db):
    library_load(files=[("f.yaml", framework_file()), ("m.yaml", mapping_file())], actor=None)
    return Framework.objects.get()


def test_requirements_api_filters(library, viewer, api_client_for):
    client = api_client_for(viewer)
    url = reverse("api:requirement-list")
    by_ref = client.get(url, {"framework": library.pk, "ref_id": "1.1"}).json()
    assert [r["urn"] for r in by_ref["results"]] == ["urn:aims:test:1.1"]
    parent = Requirement.objects.get(ref_id="1")
    children = client.get(url, {"parent": parent.pk}).json()
    assert {r["ref_id"] for r in children["results"]} == {"1.1", "1.2"}
    japanese = client.get(url, {"text": "最初"}).json()
    assert [r["ref_id"] for r in japanese["results"]] == ["1.1"]
    assert client.get(url, {"assessable": "false"}).json()["count"] == 1
    frameworks = client.get(reverse("api:framework-list")).json()["results"]
    assert frameworks[0]["requirement_count"] == 3 and frameworks[0]["assessable_count"] == 2


def test_mappings_api_either_side(library, viewer, api_client_for):
    target = Requirement.objects.get(ref_id="1.2")
    body = (
        api_client_for(viewer).get(reverse("api:mapping-list"), {"requirement": target.pk}).json()
    )
    assert body["count"] == 1
    mapping = body["results"][0]
    assert (mapping["source"]["ref_id"], mapping["target"]["ref_id"]) == ("1.1", "1.2")
    assert mapping["rationale_ja"] == "兄弟"


def test_requirement_page_shows_mappings_both_ways(library, viewer, client_for):
    client = client_for(viewer)
    source = Requirement.objects.get(ref_id="1.1")
    target = Requirement.objects.get(ref_id="1.2")
    page = client.get(reverse("library_requirement", args=[source.pk])).content.decode()
    assert "一の二" in page and "兄弟" in page  # the target, in the default language (ja)
    page = client.get(reverse("library_requirement", args=[target.pk])).content.decode()
    assert "一の一" in page and "←" in page


def test_tree_search(library, viewer, client_for):
    page = client_for(viewer).get(reverse("library_framework", args=[library.pk]), {"q": "two"})
    assert [r.ref_id for r in page.context["requirements"]] == ["1.2"]


def test_officer_imports_a_framework_through_the_api(officer, api_client_for):
    upload = SimpleUploadedFile("extra.yaml", framework_file(), content_type="application/x-yaml")
    response = api_client_for(officer).post(
        reverse("api:framework-import"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["results"][0]["result"] == "created"
    assert Framework.objects.get().shipped is False


def test_bad_import_is_rejected_whole_with_the_reasons(officer, api_client_for, client_for):
    bad = framework_file(items='- {ref_id: "1.1", parent: "0", name: {en: a, ja: あ}}')
    response = api_client_for(officer).post(
        reverse("api:framework-import"),
        {"file": SimpleUploadedFile("bad.yaml", bad)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "parent '0' does not exist" in " ".join(response.json()["error"]["fields"]["file"])
    page = client_for(officer).post(
        reverse("library_import"),
        {"file": SimpleUploadedFile("bad.yaml", bad)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 400
    assert "parent &#x27;0&#x27; does not exist" in page.content.decode()
    assert not Framework.objects.exists()


def test_import_errors_read_in_japanese(officer, api_client_for, client_for):
    bad = framework_file(items='- {ref_id: "1.1", parent: "0", name: {en: a, ja: あ}}')
    response = api_client_for(officer).post(
        reverse("api:framework-import"),
        {"file": SimpleUploadedFile("bad.yaml", bad)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    reasons = " ".join(response.json()["error"]["fields"]["file"])
    assert "bad.yaml: 項目 1（「1.1」）: 親「0」がこの項目より前にありません" in reasons
    page = client_for(officer).post(
        reverse("library_import"), {"file": SimpleUploadedFile("bad.yaml", bad)}
    )
    assert page.status_code == 400
    assert "親「0」がこの項目より前にありません" in page.content.decode()
    assert "does not exist" not in page.content.decode()


def test_ui_import_rejects_other_file_types(officer, client_for):
    page = client_for(officer).post(
        reverse("library_import"), {"file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    assert page.status_code == 400
    assert not Framework.objects.exists()


@pytest.mark.parametrize("role_fixture", ["operator", "viewer", "executive", "auditor"])
def test_only_officers_import(request, role_fixture, api_client_for):
    user = request.getfixturevalue(role_fixture)
    response = api_client_for(user).post(
        reverse("api:framework-import"),
        {"file": SimpleUploadedFile("f.yaml", framework_file())},
        format="multipart",
    )
    assert response.status_code == 403
    assert not Framework.objects.exists()


def _items(n: int) -> str:
    lines = ['- {ref_id: "1", name: {en: Root, ja: 根}}']
    lines += [
        f'- {{ref_id: "1.{i}", parent: "1", assessable: true, name: {{en: Item {i}, ja: 項目{i}}}}}'
        for i in range(1, n)
    ]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "url_name", ["api:requirement-list", "api:framework-list", "api:mapping-list", "library"]
)
def test_library_lists_run_constant_queries(db, viewer, api_client_for, client_for, url_name):
    client = api_client_for(viewer) if url_name.startswith("api:") else client_for(viewer)
    counts = []
    for version, n in ((1, 2), (2, 60)):
        library_load(
            files=[("f.yaml", framework_file(version=version, items=_items(n)))], actor=None
        )
        client.get(reverse(url_name))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_framework_tree_runs_constant_queries(db, viewer, client_for):
    client = client_for(viewer)
    counts = []
    for version, n in ((1, 2), (2, 60)):
        library_load(
            files=[("f.yaml", framework_file(version=version, items=_items(n)))], actor=None
        )
        url = reverse("library_framework", args=[Framework.objects.get().pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]
