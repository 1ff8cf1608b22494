"""Library files built to hurt: aliases that expand, deep nesting, too many items, huge
attributes and texts, and a flood of errors. Each is refused with a short, clear answer and
nothing is written."""

from __future__ import annotations

import time

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.library import MAX_DEPTH, MAX_ERRORS_SHOWN, LibraryError, load_yaml, parse_file
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


# The limits' edges: a file at a limit loads, one past it is refused, each with its own message.


def test_exactly_the_errors_shown_are_listed_without_a_total():
    errors = [f"error {n}" for n in range(MAX_ERRORS_SHOWN)]
    assert LibraryError(errors).summary == errors
    one_more = [*errors, "the last"]
    assert LibraryError(one_more).summary == [
        *errors,
        f"… and 1 more errors ({MAX_ERRORS_SHOWN + 1} in all).",
    ]


def test_nesting_up_to_the_limit_loads_and_one_level_more_is_refused():
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(yaml.YAMLError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_depth_counts_nesting_not_siblings():
    many = "[" + ", ".join(["[1]"] * (3 * MAX_DEPTH)) + "]"
    assert len(load_yaml(many)) == 3 * MAX_DEPTH
    # After many siblings the count is back where it was: one level too deep is still refused.
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    with pytest.raises(yaml.YAMLError, match="nested deeper"):
        load_yaml("[" + many + ", " + deep + "]")


def test_an_alias_is_refused_as_an_alias_even_without_an_anchor():
    with pytest.raises(yaml.YAMLError, match="aliases are not allowed"):
        load_yaml("a: *nowhere")


def test_requirements_at_the_limit_load(settings):
    settings.LIBRARY_MAX_REQUIREMENTS = 3
    items = "\n".join(f'- {{ref_id: "{i}", name: {{en: N{i}, ja: N{i}}}}}' for i in range(3))
    assert len(parse_file("full.yaml", framework_file(items=items)).requirements) == 3


def mapping_file_with(count: int, *, source: str = "urn:aims:test:1.1") -> bytes:
    rows = "\n".join(
        f"  - {{source: {source}, target: urn:aims:test:t{n}, relationship: related}}"
        for n in range(count)
    )
    return f"""format: aims-library/1
kind: mappings
mapping_set:
  urn: urn:aims:mappings:test
  version: 1
  source_framework: urn:aims:framework:test
  target_framework: urn:aims:framework:test
  name: {{en: Self, ja: 自己}}
mappings:
{rows}
""".encode()


def test_too_many_mappings_are_refused_with_one_error(settings):
    settings.LIBRARY_MAX_REQUIREMENTS = 3
    assert len(parse_file("m.yaml", mapping_file_with(3)).mappings) == 3
    with pytest.raises(LibraryError) as raised:
        parse_file("m.yaml", mapping_file_with(4))
    assert raised.value.errors == ["m.yaml: mappings: 4 items; the limit is 3"]


def test_a_text_as_long_as_its_column_loads():
    items = f'- {{ref_id: "1", name: {{en: "{"n" * 500}", ja: 一}}}}'
    assert parse_file("ok.yaml", framework_file(items=items)).requirements[0].name_en == "n" * 500


def test_the_frameworks_own_texts_are_held_to_their_columns():
    content = framework_file().replace(b"name: {en: Test,", f'name: {{en: "{"t" * 301}",'.encode())
    with pytest.raises(LibraryError) as raised:
        parse_file("f.yaml", content)
    assert raised.value.errors == [
        "f.yaml: framework: 'name_en' is 301 characters long; the limit is 300"
    ]


def test_a_mappings_texts_and_the_sets_are_held_to_their_columns():
    content = mapping_file_with(1).replace(
        b"relationship: related}",
        f'relationship: related, rationale: {{en: "{"r" * 20_001}", ja: 理由}}}}'.encode(),
    )
    with pytest.raises(LibraryError) as raised:
        parse_file("m.yaml", content)
    assert raised.value.errors == [
        "m.yaml: mapping 1: 'rationale_en' is 20001 characters long; the limit is 20000"
    ]
    content = mapping_file_with(1).replace(b"{en: Self,", f'{{en: "{"s" * 301}",'.encode())
    with pytest.raises(LibraryError) as raised:
        parse_file("m.yaml", content)
    assert raised.value.errors == [
        "m.yaml: mapping_set: 'name_en' is 301 characters long; the limit is 300"
    ]


def test_attributes_at_the_limit_load_and_big_tags_are_refused(settings):
    settings.LIBRARY_MAX_ATTRIBUTES_CHARS = 100
    note = "x" * (100 - len('{"note": ""}'))
    items = f'- {{ref_id: "1", name: {{en: One, ja: 一}}, attributes: {{note: "{note}"}}}}'
    assert parse_file("ok.yaml", framework_file(items=items)).requirements[0].attributes == {
        "note": note
    }
    tags = ", ".join(["a-tag"] * 20)
    items = f'- {{ref_id: "1", name: {{en: One, ja: 一}}, tags: [{tags}]}}'
    with pytest.raises(LibraryError) as raised:
        parse_file("t.yaml", framework_file(items=items))
    assert raised.value.errors == [
        "t.yaml: item 1 ('1'): 'tags' is 180 characters long as JSON; the limit is 100"
    ]


def test_japanese_attributes_count_as_characters_and_both_oversized_collections_are_named(
    settings,
):
    settings.LIBRARY_MAX_ATTRIBUTES_CHARS = 30
    note = "説明" * 9  # 18 characters; escaped as \\uXXXX it would be 108
    items = f'- {{ref_id: "1", name: {{en: One, ja: 一}}, attributes: {{note: "{note}"}}}}'
    assert parse_file("ok.yaml", framework_file(items=items)).requirements[0].attributes == {
        "note": note
    }
    tags = ", ".join(["a-tag"] * 5)
    items = (
        f'- {{ref_id: "1", name: {{en: One, ja: 一}}, tags: [{tags}], '
        f'attributes: {{note: "{note * 2}"}}}}'
    )
    with pytest.raises(LibraryError) as raised:
        parse_file("b.yaml", framework_file(items=items))
    assert raised.value.errors == [
        "b.yaml: item 1 ('1'): 'tags' is 45 characters long as JSON; the limit is 30",
        "b.yaml: item 1 ('1'): 'attributes' is 48 characters long as JSON; the limit is 30",
    ]
