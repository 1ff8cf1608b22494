"""The library file format's rules, one by one: every required key, every type, the
languages, versions, URNs, parents and mappings. Parsing is pure: no database."""

from __future__ import annotations

import pytest
import yaml

from aims.library import (
    LibraryError,
    ParsedFramework,
    ParsedMappingSet,
    parse_file,
    parse_library,
    requirement_urn,
)
from aims.models import Framework

FRAMEWORK = {
    "urn": "urn:aims:framework:rules",
    "urn_prefix": "urn:aims:rules",
    "ref_id": "Rules 1",
    "version": 2,
    "category": "standard",
    "publisher": " Publisher ",
    "source": "https://example.org/rules",
    "name": {"en": "Rules", "ja": "規則"},
    "description": {"en": "About", "ja": "概要"},
}
ITEMS = [
    {"ref_id": "1", "name": {"en": "One", "ja": "一"}},
    {
        "ref_id": "1.1",
        "parent": "1",
        "assessable": True,
        "name": {"en": "One one", "ja": "一の一"},
        "summary": {"en": "Sum", "ja": "要約"},
        "typical_evidence": {"en": "Logs", "ja": "記録"},
        "tags": ["a", "b"],
        "attributes": {"k": "v"},
    },
    {"ref_id": "1.1.1", "parent": "1.1", "name": {"en": "Deep", "ja": "深"}},
    {"ref_id": "2", "name": {"en": "Two", "ja": "二"}},
]


def framework(meta: dict | None = None, items: list | None = None, **doc) -> bytes:
    data = {
        "format": "aims-library/1",
        "kind": "framework",
        "framework": {**FRAMEWORK, **(meta or {})},
        "requirements": ITEMS if items is None else items,
        **doc,
    }
    data = {k: v for k, v in data.items() if v is not DROP}
    data["framework"] = {k: v for k, v in data["framework"].items() if v is not DROP}
    return yaml.safe_dump(data, allow_unicode=True).encode()


DROP = object()


def mappings(meta: dict | None = None, items: list | None = None) -> bytes:
    data = {
        "format": "aims-library/1",
        "kind": "mappings",
        "mapping_set": {
            "urn": "urn:aims:mappings:rules",
            "version": 1,
            "source_framework": "urn:aims:framework:rules",
            "target_framework": "urn:aims:framework:rules",
            "name": {"en": "Self", "ja": "自己"},
            **(meta or {}),
        },
        "mappings": (
            [
                {
                    "source": "urn:aims:rules:1.1",
                    "target": "urn:aims:rules:2",
                    "relationship": "related",
                    "rationale": {"en": "Why", "ja": "理由"},
                }
            ]
            if items is None
            else items
        ),
    }
    data["mapping_set"] = {k: v for k, v in data["mapping_set"].items() if v is not DROP}
    return yaml.safe_dump(data, allow_unicode=True).encode()


def one_mapping(source: str, target: str) -> dict:
    return {"source": source, "target": target, "relationship": "related"}


def errors_of(content: bytes, **kwargs) -> list[str]:
    with pytest.raises(LibraryError) as caught:
        parse_file("f.yaml", content, **kwargs)
    return caught.value.errors


def test_a_good_framework_reads_every_field():
    parsed = parse_file("f.yaml", framework())
    assert isinstance(parsed, ParsedFramework)
    assert (parsed.urn, parsed.urn_prefix, parsed.ref_id, parsed.version) == (
        "urn:aims:framework:rules",
        "urn:aims:rules",
        "Rules 1",
        2,
    )
    assert (parsed.category, parsed.publisher, parsed.source) == (
        "standard",
        "Publisher",
        "https://example.org/rules",
    )
    assert (parsed.name_en, parsed.name_ja) == ("Rules", "規則")
    assert (parsed.description_en, parsed.description_ja) == ("About", "概要")
    assert parsed.label == "f.yaml" and len(parsed.sha256) == 64
    one, one_one, deep, two = parsed.requirements
    assert [r.order for r in parsed.requirements] == [1, 2, 3, 4]
    assert [r.depth for r in parsed.requirements] == [0, 1, 2, 0]
    assert [r.parent_ref for r in parsed.requirements] == [None, "1", "1.1", None]
    assert [r.assessable for r in parsed.requirements] == [False, True, False, False]
    assert one_one.urn == "urn:aims:rules:1.1"
    assert (one_one.name_en, one_one.name_ja) == ("One one", "一の一")
    assert (one_one.summary_en, one_one.summary_ja) == ("Sum", "要約")
    assert (one_one.typical_evidence_en, one_one.typical_evidence_ja) == ("Logs", "記録")
    assert one_one.tags == ["a", "b"] and one_one.attributes == {"k": "v"}
    assert (one.summary_en, one.tags, one.attributes) == ("", [], {})
    assert not parsed.has_official_text


def test_publisher_and_source_in_english_only_or_in_both_languages():
    plain = parse_file("f.yaml", framework())
    assert (plain.publisher, plain.publisher_ja, plain.source, plain.source_ja) == (
        "Publisher",
        "",
        "https://example.org/rules",
        "",
    )
    both = parse_file(
        "f.yaml",
        framework(
            {
                "publisher": {"en": "Ministry", "ja": "省"},
                "source": {"en": "Built from X", "ja": "Xから作成"},
            }
        ),
    )
    assert (both.publisher, both.publisher_ja, both.source, both.source_ja) == (
        "Ministry",
        "省",
        "Built from X",
        "Xから作成",
    )
    assert errors_of(framework({"source": {"en": "Only English"}})) == [
        "f.yaml: framework: 'source' has no ja text"
    ]
    assert errors_of(framework({"publisher": ["a", "list"]})) == [
        "f.yaml: framework: 'publisher' must be text"
    ]
    absent = parse_file("f.yaml", framework({"publisher": DROP, "source": DROP}))
    assert (absent.publisher, absent.publisher_ja, absent.source, absent.source_ja) == ("",) * 4


def test_the_framework_page_shows_publisher_and_source_in_the_readers_language(officer, client_for):
    from django.urls import reverse

    from aims.services.library import library_load

    content = framework(
        {"publisher": {"en": "Ministry", "ja": "省"}, "source": {"en": "From X", "ja": "Xから"}}
    )
    library_load(files=[("f.yaml", content)], actor=None)
    framework_row = Framework.objects.get(urn="urn:aims:framework:rules")
    client = client_for(officer)
    url = reverse("library_framework", args=[framework_row.pk])
    ja = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "省 ·" in ja and ": Xから</p>" in ja and "From X" not in ja
    assert "Ministry ·" in en and ": From X</p>" in en and "Xから" not in en


def test_an_explicit_requirement_urn_is_kept():
    items = [{"ref_id": "1", "urn": "urn:aims:other:x", "name": {"en": "A", "ja": "ア"}}]
    assert parse_file("f.yaml", framework(items=items)).requirements[0].urn == "urn:aims:other:x"


def test_numbers_read_as_text():
    items = [{"ref_id": 5, "name": {"en": "Five", "ja": "五"}}]
    parsed = parse_file("f.yaml", framework(items=items))
    assert parsed.requirements[0].ref_id == "5"


@pytest.mark.parametrize("key", ["urn", "urn_prefix", "ref_id", "category", "name"])
def test_framework_without_a_required_key(key):
    errors = errors_of(framework({key: DROP}))
    assert errors == [
        f"f.yaml: framework: '{key}' is missing" + (" (needs en and ja)" if key == "name" else "")
    ]


@pytest.mark.parametrize("key", ["publisher", "source", "description"])
def test_framework_optional_keys(key):
    parsed = parse_file("f.yaml", framework({key: DROP}))
    assert isinstance(parsed, ParsedFramework)


def test_blank_text_is_missing_and_a_mapping_is_not_text():
    assert errors_of(framework({"ref_id": "  "})) == ["f.yaml: framework: 'ref_id' is missing"]
    assert errors_of(framework({"ref_id": {"a": 1}})) == [
        "f.yaml: framework: 'ref_id' must be text"
    ]


def test_requirement_without_ref_id_or_name():
    items = [{"name": {"en": "A", "ja": "ア"}}, {"ref_id": "2"}]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 1: 'ref_id' is missing",
        "f.yaml: item 2 ('2'): 'name' is missing (needs en and ja)",
    ]


def test_names_as_plain_strings_are_refused():
    items = [{"ref_id": "1", "name": "One"}]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 1 ('1'): 'name' must have 'en' and 'ja'"
    ]
    assert errors_of(framework({"name": "Rules"})) == [
        "f.yaml: framework: 'name' must have 'en' and 'ja'"
    ]


@pytest.mark.parametrize(
    ("name", "missing"),
    [({"en": "One"}, "ja"), ({"ja": "一"}, "en"), ({"en": " ", "ja": ""}, "en and ja")],
)
def test_a_name_needs_both_languages(name, missing):
    items = [{"ref_id": "1", "name": name}]
    assert errors_of(framework(items=items)) == [
        f"f.yaml: item 1 ('1'): 'name' has no {missing} text"
    ]


def test_unknown_languages_are_refused():
    items = [{"ref_id": "1", "name": {"en": "One", "ja": "一", "fr": "Un", "de": "Eins"}}]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 1 ('1'): 'name' has unknown languages ['de', 'fr']"
    ]


def test_english_and_japanese_are_not_swapped():
    items = [{"ref_id": "1", "name": {"ja": "一", "en": "One"}, "summary": {"ja": "要", "en": "S"}}]
    requirement = parse_file("f.yaml", framework(items=items)).requirements[0]
    assert (requirement.name_en, requirement.name_ja) == ("One", "一")
    assert (requirement.summary_en, requirement.summary_ja) == ("S", "要")
    parsed = parse_file("m.yaml", mappings())
    assert (parsed.name_en, parsed.name_ja) == ("Self", "自己")
    assert (parsed.mappings[0].rationale_en, parsed.mappings[0].rationale_ja) == ("Why", "理由")


@pytest.mark.parametrize("version", [0, -1, "2", 1.5, True, None])
def test_bad_versions_are_refused(version):
    meta = {"version": version} if version is not None else {"version": DROP}
    assert errors_of(framework(meta)) == ["f.yaml: framework: 'version' must be a positive integer"]


def test_version_one_is_the_lowest():
    assert parse_file("f.yaml", framework({"version": 1})).version == 1


@pytest.mark.parametrize("key", ["urn", "urn_prefix"])
def test_urns_start_with_urn(key):
    assert errors_of(framework({key: "aims:x"})) == [
        f"f.yaml: framework: '{key}' must start with 'urn:'"
    ]


def test_unknown_category():
    assert errors_of(framework({"category": "gossip"})) == [
        "f.yaml: framework: unknown category 'gossip'"
    ]


@pytest.mark.parametrize("items", [[], "1", None])
def test_requirements_must_be_a_non_empty_list(items):
    content = framework(requirements=DROP) if items is None else framework(items=items)
    assert errors_of(content) == ["f.yaml: requirements: must be a non-empty list"]


def test_each_item_must_be_a_mapping():
    items = ["just text", {"ref_id": "2", "name": {"en": "Two", "ja": "二"}}]
    assert errors_of(framework(items=items)) == ["f.yaml: item 1: must be a mapping"]


def test_duplicate_ref_ids_and_urns():
    items = [
        {"ref_id": "1", "name": {"en": "A", "ja": "ア"}},
        {"ref_id": "1", "name": {"en": "B", "ja": "イ"}},
    ]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 2 ('1'): duplicate ref id '1' (also item 1)"
    ]
    items = [
        {"ref_id": "A 1", "name": {"en": "A", "ja": "ア"}},
        {"ref_id": "a-1", "name": {"en": "B", "ja": "イ"}},
    ]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 'a-1': URN urn:aims:rules:a-1 is also the URN of 'A 1'"
    ]


def test_a_parent_must_come_before_its_child():
    items = [
        {"ref_id": "1.1", "parent": "1", "name": {"en": "A", "ja": "ア"}},
        {"ref_id": "1", "name": {"en": "B", "ja": "イ"}},
    ]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 1 ('1.1'): parent '1' does not exist before this item"
    ]


def test_item_types():
    items = [
        {"ref_id": "1", "name": {"en": "A", "ja": "ア"}, "tags": "a"},
        {"ref_id": "2", "name": {"en": "B", "ja": "イ"}, "tags": ["a", 3]},
        {"ref_id": "3", "name": {"en": "C", "ja": "ウ"}, "attributes": ["x"]},
        {"ref_id": "4", "name": {"en": "D", "ja": "エ"}, "assessable": "yes"},
    ]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 1 ('1'): 'tags' must be a list of codes",
        "f.yaml: item 2 ('2'): 'tags' must be a list of codes",
        "f.yaml: item 3 ('3'): 'attributes' must be a mapping",
        "f.yaml: item 4 ('4'): 'assessable' must be true or false",
    ]


def test_official_text_only_in_an_officers_import():
    items = [
        {"ref_id": "1", "name": {"en": "A", "ja": "ア"}, "official_text": {"en": "E", "ja": "J"}}
    ]
    assert errors_of(framework(items=items)) == [
        "f.yaml: item 1 ('1'): official text is only accepted in an officer's import"
    ]
    parsed = parse_file("f.yaml", framework(items=items), allow_official_text=True)
    requirement = parsed.requirements[0]
    assert (requirement.official_text_en, requirement.official_text_ja) == ("E", "J")
    assert parsed.has_official_text
    items[0]["official_text"] = "E"
    assert errors_of(framework(items=items), allow_official_text=True) == [
        "f.yaml: item 1 ('1'): 'official_text' must have 'en' and/or 'ja'"
    ]
    items[0]["official_text"] = {"ja": "J"}
    parsed = parse_file("f.yaml", framework(items=items), allow_official_text=True)
    assert parsed.has_official_text and parsed.requirements[0].official_text_en == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"format: [", "not a readable YAML file"),
        (b"\xff\xfe", "not a readable YAML file"),
        (b"- a list", "'format' must be 'aims-library/1'"),
        (b"format: aims-library/2\nkind: framework", "'format' must be 'aims-library/1'"),
        (b"format: aims-library/1\nkind: other", "'kind' must be 'framework' or 'mappings'"),
        (b"format: aims-library/1\nkind: framework", "framework: missing"),
        (b"format: aims-library/1\nkind: mappings", "mapping_set: missing"),
    ],
)
def test_files_that_are_not_library_files(content, message):
    assert any(message in error for error in errors_of(content))


def test_a_good_mapping_set_reads_every_field():
    parsed = parse_file("m.yaml", mappings({"description": {"en": "D", "ja": "説"}}))
    assert isinstance(parsed, ParsedMappingSet)
    assert (parsed.urn, parsed.version) == ("urn:aims:mappings:rules", 1)
    assert (parsed.source_framework, parsed.target_framework) == (
        "urn:aims:framework:rules",
        "urn:aims:framework:rules",
    )
    assert (parsed.description_en, parsed.description_ja) == ("D", "説")
    (mapping,) = parsed.mappings
    assert (mapping.source, mapping.target, mapping.relationship) == (
        "urn:aims:rules:1.1",
        "urn:aims:rules:2",
        "related",
    )


@pytest.mark.parametrize("key", ["urn", "source_framework", "target_framework"])
def test_mapping_set_without_a_required_key(key):
    assert errors_of(mappings({key: DROP})) == [f"f.yaml: mapping_set: '{key}' is missing"]


def test_mapping_rules():
    items = [
        "text",
        {"source": "urn:a", "target": "urn:b", "relationship": "cousin"},
        {"source": "urn:a", "target": "urn:b", "relationship": "related"},
        {"target": "urn:c", "relationship": "related"},
    ]
    assert errors_of(mappings(items=items)) == [
        "f.yaml: mapping 1: must be a mapping",
        "f.yaml: mapping 2: unknown relationship 'cousin'",
        "f.yaml: mapping 3: duplicate of mapping 2",
        "f.yaml: mapping 4: 'source' is missing",
    ]
    assert errors_of(mappings(items=[])) == ["f.yaml: mappings: must be a non-empty list"]
    assert errors_of(mappings({"version": 0})) == [
        "f.yaml: mapping_set: 'version' must be a positive integer"
    ]


def test_a_mapping_and_its_reverse_are_two_mappings():
    items = [
        {"source": "urn:aims:rules:1.1", "target": "urn:aims:rules:2", "relationship": "related"},
        {"source": "urn:aims:rules:2", "target": "urn:aims:rules:1.1", "relationship": "related"},
    ]
    assert len(parse_file("m.yaml", mappings(items=items)).mappings) == 2


def test_the_library_puts_frameworks_first_and_resolves_mappings_among_them():
    parsed = parse_library([("m.yaml", mappings()), ("f.yaml", framework())])
    assert [type(p) for p in parsed] == [ParsedFramework, ParsedMappingSet]
    with pytest.raises(LibraryError) as caught:
        parse_library(
            [
                ("f.yaml", framework()),
                (
                    "m.yaml",
                    mappings(
                        items=[
                            {
                                "source": "urn:aims:rules:9",
                                "target": "urn:aims:rules:2",
                                "relationship": "related",
                            }
                        ]
                    ),
                ),
            ]
        )
    assert caught.value.errors == [
        "m.yaml: mapping 1: source urn:aims:rules:9 does not resolve to a requirement of "
        "urn:aims:framework:rules"
    ]
    with pytest.raises(LibraryError) as caught:
        parse_library(
            [
                ("f.yaml", framework()),
                (
                    "m.yaml",
                    mappings(
                        items=[
                            {
                                "source": "urn:aims:rules:1",
                                "target": "urn:aims:rules:8",
                                "relationship": "related",
                            }
                        ]
                    ),
                ),
            ]
        )
    assert caught.value.errors == [
        "m.yaml: mapping 1: target urn:aims:rules:8 does not resolve to a requirement of "
        "urn:aims:framework:rules"
    ]


def test_mappings_to_frameworks_outside_the_set_are_left_to_the_loader():
    parsed = parse_library([("m.yaml", mappings({"target_framework": "urn:aims:framework:x"}))])
    assert len(parsed) == 1


def test_the_library_collects_errors_of_every_file_and_clashing_urns():
    other = framework({"urn_prefix": "urn:aims:other"})
    with pytest.raises(LibraryError) as caught:
        parse_library([("a.yaml", framework()), ("b.yaml", other), ("c.yaml", b"- x")])
    assert caught.value.errors == [
        "c.yaml: 'format' must be 'aims-library/1'",
        "b.yaml: URN urn:aims:framework:rules is also used by a.yaml",
    ]
    clash = framework({"urn": "urn:aims:framework:two"})
    with pytest.raises(LibraryError) as caught:
        parse_library([("a.yaml", framework()), ("b.yaml", clash)])
    assert caught.value.errors[0] == (
        "b.yaml: requirement URN urn:aims:rules:1 is also used by a.yaml"
    )
    assert len(caught.value.errors) == len(ITEMS)


def test_urn_of_a_ref_id():
    assert requirement_urn("urn:p", "  A.1 B/2 ") == "urn:p:a.1-b-2"


def test_error_message_joins_every_error():
    error = LibraryError(["one", "two"])
    assert str(error) == "one\ntwo" and error.errors == ["one", "two"]


def test_both_urns_are_checked_in_order():
    assert errors_of(framework({"urn": "a:x", "urn_prefix": "b:y"})) == [
        "f.yaml: framework: 'urn' must start with 'urn:'",
        "f.yaml: framework: 'urn_prefix' must start with 'urn:'",
    ]


def test_unresolved_source_and_target_are_named_in_order():
    broken = mappings(items=[one_mapping("urn:aims:rules:9", "urn:aims:rules:8")])
    with pytest.raises(LibraryError) as caught:
        parse_library([("f.yaml", framework()), ("m.yaml", broken)])
    assert [e.split(": ")[2].split(" ")[0] for e in caught.value.errors] == ["source", "target"]
