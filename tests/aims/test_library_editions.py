"""Which edition of each source the library ships, and how a later edition comes in.

The framework page names the edition (the AI Guidelines for Business: the draft v1.0 the project
holds); an officer imports a later edition as a new version of the same framework, which updates
the rows in place; and an install that loaded an earlier version of a shipped file is brought up
to date by ``load_library`` (run by ``make run``) without losing a row.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from aims.models import Framework, Requirement
from aims.services.library import library_load
from tests.aims.test_library_loader import framework_file

LIBRARY = Path(__file__).resolve().parents[2] / "library"
METI = "urn:aims:framework:meti-ai-guidelines"
ISO = "urn:aims:framework:iso-iec-42001"


def _load_shipped(name: str) -> None:
    path = LIBRARY / "frameworks" / name
    library_load(files=[(f"library/frameworks/{name}", path.read_bytes())], actor=None)


def test_every_shipped_source_framework_names_its_edition():
    for path in sorted((LIBRARY / "frameworks").glob("*.yaml")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))["framework"]
        if meta["category"] == "taxonomy" and "Regulation" not in meta.get("publisher", ""):
            continue  # the platform's own taxonomies have no outside edition
        assert meta["edition"]["en"] and meta["edition"]["ja"], path.name
    meti = yaml.safe_load((LIBRARY / "frameworks" / "meti-ai-guidelines.yaml").read_text())
    assert "draft of version 1.0" in meti["framework"]["edition"]["en"]
    assert "第1.0版の案" in meti["framework"]["edition"]["ja"]


def test_the_framework_page_shows_the_edition_in_both_languages(db, viewer, client_for):
    _load_shipped("meti-ai-guidelines.yaml")
    framework = Framework.objects.get(urn=METI)
    url = reverse("library_framework", args=[framework.pk])
    html = client_for(viewer).get(url).content.decode()
    assert "AI事業者ガイドライン 第1.0版の案" in html
    html = client_for(viewer).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "draft of version 1.0" in html
    listing = client_for(viewer).get(reverse("library")).content.decode()
    assert "第1.0版の案" in listing


def edition_file(version: int, en: str, ja: str, items: str | None = None) -> bytes:
    text = framework_file(version=version, items=items).decode()
    # The edition sits in the framework block, after its name.
    text = text.replace(
        "  name: {en: Test, ja: テスト}\n",
        f'  name: {{en: Test, ja: テスト}}\n  edition: {{en: "{en}", ja: "{ja}"}}\n',
    )
    return text.encode()


def test_an_officer_imports_a_later_edition_as_a_new_version(db, officer, client_for):
    library_load(files=[("t.yaml", edition_file(1, "Draft 1.0", "第1.0版の案"))], actor=None)
    kept = Requirement.objects.get(urn="urn:aims:test:1.1")
    later = edition_file(
        2,
        "Final 1.0",
        "第1.0版",
        items="""
      - {ref_id: "1", name: {en: One, ja: 一}}
      - {ref_id: "1.1", parent: "1", assessable: true, name: {en: One one, ja: 一の一（確定）}}
      - {ref_id: "1.3", parent: "1", assessable: true, name: {en: One three, ja: 一の三}}
    """,
    )
    response = client_for(officer).post(
        reverse("library_import"), {"file": SimpleUploadedFile("final.yaml", later)}
    )
    assert response.status_code == 302
    framework = Framework.objects.get(urn="urn:aims:framework:test")
    assert (framework.version, framework.edition_en, framework.edition_ja) == (
        2,
        "Final 1.0",
        "第1.0版",
    )
    kept.refresh_from_db()
    assert (kept.name_ja, kept.withdrawn) == ("一の一（確定）", False)  # the same row, updated
    assert Requirement.objects.get(urn="urn:aims:test:1.2").withdrawn  # dropped, not deleted
    assert Requirement.objects.filter(urn="urn:aims:test:1.3", withdrawn=False).exists()


def test_a_changed_edition_under_the_loaded_version_is_refused(db, officer, client_for):
    library_load(files=[("t.yaml", edition_file(1, "Draft 1.0", "第1.0版の案"))], actor=None)
    response = client_for(officer).post(
        reverse("library_import"),
        {"file": SimpleUploadedFile("final.yaml", edition_file(1, "Final 1.0", "第1.0版"))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert Framework.objects.get(urn="urn:aims:framework:test").edition_en == "Draft 1.0"


def test_the_import_page_says_how_to_bring_in_a_later_edition(db, officer, client_for):
    html = client_for(officer).get(reverse("library_import"), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "A later edition of a source" in text
    assert "set version to a number above the one on the framework page" in text


def test_an_install_with_the_earlier_iso_file_is_updated_in_place(db, tmp_path):
    """What an install that loaded version 1 (the titles with the SoA note and 「AIシステム影響
    評価」) gets from the shipped file: the same rows, the titles as the standard names them."""
    shipped = yaml.safe_load((LIBRARY / "frameworks" / "iso-iec-42001.yaml").read_text())
    assert shipped["framework"]["version"] > 1
    earlier = dict(shipped, framework=dict(shipped["framework"], version=1))
    old_names = {
        "6.1.3": {
            "en": "AI risk treatment (its output includes the Statement of Applicability)",
            "ja": "AIリスク対応（その成果に適用宣言書を含む）",
        },
        "6.1.4": {"en": "AI system impact assessment", "ja": "AIシステム影響評価"},
    }
    earlier["requirements"] = [
        dict(item, name=old_names.get(item["ref_id"], item["name"]))
        for item in shipped["requirements"]
    ]
    old_file = tmp_path / "iso-iec-42001.yaml"
    old_file.write_text(yaml.safe_dump(earlier, allow_unicode=True, sort_keys=False))
    call_command("load_library", str(old_file))
    before = dict(Requirement.objects.filter(framework__urn=ISO).values_list("urn", "pk"))
    assert Requirement.objects.get(urn="urn:aims:iso42001:6.1.4").name_ja == "AIシステム影響評価"

    call_command("load_library", str(LIBRARY / "frameworks" / "iso-iec-42001.yaml"))

    after = dict(Requirement.objects.filter(framework__urn=ISO).values_list("urn", "pk"))
    assert after == before
    assert Framework.objects.get(urn=ISO).version == shipped["framework"]["version"]
    treatment = Requirement.objects.get(urn="urn:aims:iso42001:6.1.3")
    assert (treatment.name_en, treatment.name_ja) == ("AI risk treatment", "AIリスク対応")
    assert Requirement.objects.get(urn="urn:aims:iso42001:6.1.4").name_ja == "AIシステムの影響評価"
