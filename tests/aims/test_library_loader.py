"""Loading library files: validation that names the problem, all-or-nothing, idempotent,
updates in place by URN."""

from __future__ import annotations

import textwrap

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from aims.library import requirement_urn
from aims.models import ChangeRecord, Framework, Mapping, MappingSet, Requirement
from aims.services.library import library_load


def framework_file(version: int = 1, extra: str = "", items: str | None = None) -> bytes:
    items = (
        items
        if items is not None
        else """
      - {ref_id: "1", name: {en: One, ja: 一}}
      - {ref_id: "1.1", parent: "1", assessable: true, name: {en: One one, ja: 一の一},
         summary: {en: First, ja: 最初}}
      - {ref_id: "1.2", parent: "1", assessable: true, name: {en: One two, ja: 一の二}}
    """
    )
    header = f"""format: aims-library/1
kind: framework
framework:
  urn: urn:aims:framework:test
  urn_prefix: urn:aims:test
  ref_id: Test 1
  version: {version}
  category: standard
  name: {{en: Test, ja: テスト}}
requirements:
"""
    body = textwrap.indent(textwrap.dedent(items).strip("\n"), "  ")
    tail = textwrap.indent(textwrap.dedent(extra).strip("\n"), "  ")
    return (header + body + "\n" + tail + "\n").encode()


def mapping_file(target: str = "urn:aims:test:1.2", version: int = 1) -> bytes:
    return textwrap.dedent(f"""
    format: aims-library/1
    kind: mappings
    mapping_set:
      urn: urn:aims:mappings:test
      version: {version}
      source_framework: urn:aims:framework:test
      target_framework: urn:aims:framework:test
      name: {{en: Self, ja: 自己}}
    mappings:
      - source: urn:aims:test:1.1
        target: {target}
        relationship: related
        rationale: {{en: Siblings, ja: 兄弟}}
    """).encode()


def load(*files: tuple[str, bytes], **kwargs):
    return library_load(files=list(files), actor=None, **kwargs)


def test_urn_rule():
    assert requirement_urn("urn:aims:iso42001", "A.6.2.4") == "urn:aims:iso42001:a.6.2.4"
    assert requirement_urn("urn:aims:nist", "GOVERN 1.1") == "urn:aims:nist:govern-1.1"
    assert requirement_urn("urn:aims:meti", "D-2) ii.") == "urn:aims:meti:d-2--ii."


def test_load_creates_the_tree_and_a_second_load_changes_nothing(db):
    outcome = load(("f.yaml", framework_file()), ("m.yaml", mapping_file()))
    assert [o.result for o in outcome] == ["created", "created"]
    child = Requirement.objects.get(urn="urn:aims:test:1.1")
    assert (child.parent.ref_id, child.depth, child.assessable) == ("1", 1, True)
    assert child.summary_ja == "最初"
    assert Mapping.objects.get().relationship == "related"
    changes = ChangeRecord.objects.count()
    rows = sorted(Requirement.objects.values_list("id", "urn", "name_en", "order"))
    again = load(("f.yaml", framework_file()), ("m.yaml", mapping_file()))
    assert [o.result for o in again] == ["unchanged", "unchanged"]
    assert sorted(Requirement.objects.values_list("id", "urn", "name_en", "order")) == rows
    assert ChangeRecord.objects.count() == changes


def test_newer_version_updates_in_place_and_withdraws_dropped_items(db):
    load(("f.yaml", framework_file()))
    kept_id = Requirement.objects.get(urn="urn:aims:test:1.1").pk
    newer = framework_file(
        version=2,
        items="""
      - {ref_id: "1", name: {en: One, ja: 一}}
      - {ref_id: "1.1", parent: "1", assessable: true, name: {en: Renamed, ja: 改名}}
    """,
    )
    assert load(("f.yaml", newer))[0].result == "updated"
    kept = Requirement.objects.get(urn="urn:aims:test:1.1")
    assert (kept.pk, kept.name_en) == (kept_id, "Renamed")
    dropped = Requirement.objects.get(urn="urn:aims:test:1.2")
    assert dropped.withdrawn is True
    assert Framework.objects.get().version == 2
    record = ChangeRecord.objects.filter(action="update").latest("id")
    assert (record.before["version"], record.after["version"]) == (1, 2)


def test_changed_content_without_a_new_version_is_refused(db):
    load(("f.yaml", framework_file()))
    changed = framework_file(extra="- {ref_id: '2', name: {en: Two, ja: 二}}")
    with pytest.raises(ValidationError, match="raise the version"):
        load(("f.yaml", changed))
    assert not Requirement.objects.filter(ref_id="2").exists()


def test_older_version_is_refused(db):
    load(("f.yaml", framework_file(version=3)))
    with pytest.raises(ValidationError, match="older than the loaded version 3"):
        load(("f.yaml", framework_file(version=2)))


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            """
      - {ref_id: "1", name: {en: One, ja: 一}}
      - {ref_id: "1", name: {en: Again, ja: 再}}
    """,
            "duplicate ref id '1' (also item 1)",
        ),
        (
            """
      - {ref_id: "1.1", parent: "9", name: {en: Orphan, ja: 孤児}}
    """,
            "parent '9' does not exist",
        ),
        (
            """
      - {ref_id: "1", name: {en: One}}
    """,
            "'name' has no ja text",
        ),
        (
            """
      - {ref_id: "1", assessable: "yes", name: {en: One, ja: 一}}
    """,
            "'assessable' must be true or false",
        ),
    ],
    ids=["duplicate", "broken-parent", "missing-japanese", "bad-flag"],
)
def test_bad_framework_files_are_rejected_with_the_reason(db, items, message):
    with pytest.raises(ValidationError) as excinfo:
        load(("bad.yaml", framework_file(items=items)))
    assert any(message in m and m.startswith("bad.yaml") for m in excinfo.value.messages)
    assert not Framework.objects.exists()


def test_unresolvable_mapping_fails_the_whole_load_and_names_the_urn(db):
    with pytest.raises(ValidationError) as excinfo:
        load(("f.yaml", framework_file()), ("m.yaml", mapping_file(target="urn:aims:test:9.9")))
    assert "urn:aims:test:9.9 does not resolve" in " ".join(excinfo.value.messages)
    assert not Framework.objects.exists() and not MappingSet.objects.exists()


def test_mapping_against_loaded_frameworks_is_checked_in_the_database(db):
    load(("f.yaml", framework_file()))
    with pytest.raises(ValidationError, match="urn:aims:test:7 does not resolve"):
        load(("m.yaml", mapping_file(target="urn:aims:test:7")))


@pytest.mark.parametrize(
    "content", [b"\xff\xfe", b"format: other/1\n", b"- just\n- a list\n", b"key: [unclosed"]
)
def test_unreadable_files_are_rejected(db, content):
    with pytest.raises(ValidationError):
        load(("junk.yaml", content))


def test_official_text_only_through_an_import(db):
    load(("f.yaml", framework_file()))
    licensed = framework_file(
        items="""
      - {ref_id: "1.1", name: {en: One one, ja: 一の一}, official_text: {en: "Licensed text"}}
    """
    )
    with pytest.raises(ValidationError, match="only accepted in an officer's import"):
        load(("licensed.yaml", licensed))
    assert load(("licensed.yaml", licensed), allow_official_text=True)[0].result == "official_text"
    row = Requirement.objects.get(urn="urn:aims:test:1.1")
    assert row.official_text_en == "Licensed text"
    assert row.name_en == "One one"  # nothing but the official text changes


def test_command_check_and_load(db, tmp_path, capsys):
    path = tmp_path / "f.yaml"
    path.write_bytes(framework_file())
    call_command("load_library", str(path), "--check")
    assert not Framework.objects.exists()
    call_command("load_library", str(path))
    assert "created" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(framework_file(items='- {ref_id: "1.1", parent: "0", name: {en: a, ja: あ}}'))
    with pytest.raises(CommandError, match="parent '0' does not exist"):
        call_command("load_library", str(bad))
