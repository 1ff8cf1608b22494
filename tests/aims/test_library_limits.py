"""Library files built to hurt: aliases that expand, deep nesting, too many items, huge
attributes and texts, and a flood of errors. Each is refused with a short, clear answer and
nothing is written."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.library import MAX_ERRORS_SHOWN, LibraryError, parse_file
from aims.models import Framework, Requirement
from tests.aims.test_library_loader import framework_file


def import_via_api(client, content: bytes):
    return client.post(
        reverse("api:framework-import"),
        {"file": SimpleUploadedFile("bad.yaml", content)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def billion_laughs() -> bytes:
    """Under a kilobyte that expands to a million copies of a string (60 MB) through aliases."""
    lines = ['l0: &l0 "lolololololololololololololololololololololololololololol"']
    for level in range(1, 7):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    items = '- {ref_id: "1", name: {en: One, ja: 一}, attributes: {laughs: *l6}}'
    content = framework_file(items=items).decode()
    laughs = "laughs:\n  " + "\n  ".join(lines) + "\nrequirements:"
    return content.replace("requirements:", laughs).encode()


def test_aliases_are_refused_quickly_and_nothing_is_stored(officer, api_client_for):
    content = billion_laughs()
    assert len(content) < 1500
    started = time.monotonic()
    response = import_via_api(api_client_for(officer), content)
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["file"]
    assert any("anchors are not allowed" in m for m in messages), messages
    assert not Framework.objects.exists() and not Requirement.objects.exists()


def test_an_alias_without_an_anchor_of_its_own_is_refused_too():
    items = """
      - {ref_id: "1", name: &n {en: One, ja: 一}}
      - {ref_id: "2", name: *n}
    """
    with pytest.raises(LibraryError, match="anchors are not allowed"):
        parse_file("a.yaml", framework_file(items=items))


@pytest.mark.parametrize("depth", [50_000, 21])
def test_deep_nesting_is_a_clear_error_not_a_crash(officer, api_client_for, depth):
    nested = "[" * depth + "]" * depth
    items = f'- {{ref_id: "1", name: {{en: One, ja: 一}}, attributes: {{deep: {nested}}}}}'
    response = import_via_api(api_client_for(officer), framework_file(items=items))
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["file"]
    assert any("nested deeper than 20 levels" in m for m in messages), messages
    assert not Framework.objects.exists()


def test_the_shipped_nesting_still_loads():
    items = '- {ref_id: "1", name: {en: One, ja: 一}, attributes: {a: [[[[[[1]]]]]]}}'
    parsed = parse_file("ok.yaml", framework_file(items=items))
    assert parsed.requirements[0].attributes == {"a": [[[[[[1]]]]]]}


def test_too_many_requirements_are_refused_with_one_error(settings):
    settings.LIBRARY_MAX_REQUIREMENTS = 3
    items = "\n".join(f'- {{ref_id: "{i}", name: {{en: N{i}, ja: N{i}}}}}' for i in range(4))
    with pytest.raises(LibraryError) as raised:
        parse_file("big.yaml", framework_file(items=items))
    assert raised.value.errors == ["big.yaml: requirements: 4 items; the limit is 3"]


def test_the_default_limits_hold_the_shipped_library(settings):
    assert settings.LIBRARY_MAX_REQUIREMENTS >= 1000
    assert settings.LIBRARY_MAX_ATTRIBUTES_CHARS >= 1000


def test_huge_attributes_are_refused(settings, officer, api_client_for):
    settings.LIBRARY_MAX_ATTRIBUTES_CHARS = 100
    items = f'- {{ref_id: "1", name: {{en: One, ja: 一}}, attributes: {{note: "{"x" * 200}"}}}}'
    response = import_via_api(api_client_for(officer), framework_file(items=items))
    assert response.status_code == 400
    messages = " ".join(response.json()["error"]["fields"]["file"])
    assert "'attributes' is 212 characters long as JSON; the limit is 100" in messages
    assert not Framework.objects.exists()


def test_texts_longer_than_their_columns_are_errors_not_crashes(officer, api_client_for):
    items = f'- {{ref_id: "1", name: {{en: "{"n" * 501}", ja: 一}}}}'
    response = import_via_api(api_client_for(officer), framework_file(items=items))
    assert response.status_code == 400
    messages = " ".join(response.json()["error"]["fields"]["file"])
    assert "'name_en' is 501 characters long; the limit is 500" in messages
    assert not Framework.objects.exists()


def test_only_the_first_errors_are_listed_with_the_total(officer, api_client_for, client_for):
    items = "\n".join(f'- {{ref_id: "{i}"}}' for i in range(400))  # each lacks its name
    response = import_via_api(api_client_for(officer), framework_file(items=items))
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["file"]
    assert len(messages) == MAX_ERRORS_SHOWN + 1
    assert messages[0] == "bad.yaml: item 1 ('0'): 'name' is missing (needs en and ja)"
    assert messages[-1] == f"… and {400 - MAX_ERRORS_SHOWN} more errors (400 in all)."
    page = client_for(officer).post(
        reverse("library_import"),
        {"file": SimpleUploadedFile("bad.yaml", framework_file(items=items))},
    )
    assert page.status_code == 400
    assert len(page.context["errors"]) == MAX_ERRORS_SHOWN + 1
    assert not Framework.objects.exists()
