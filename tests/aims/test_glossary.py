"""One glossary (``library/glossary.yaml``) for the whole platform.

The catalogue review: the shipped library and the Japanese translation catalogue use the
glossary's terms, never a variant it rejects (リスク対策 for リスク対応, 起こりやすさ for
発生可能性, 影響を受ける主体 for 影響を受ける関係者, または for 又は, …), except in a quotation
of a source the glossary names. The glossary is also a page of the library, in both languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
import yaml
from django.urls import reverse

from aims.services.library import library_load

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "library" / "glossary.yaml"
CATALOGUE = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def glossary() -> list[dict[str, Any]]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["requirements"]


def violations(text: str, terms: list[dict[str, Any]]) -> list[str]:
    """The rejected variants in one text, with the term each should be."""
    found = []
    for term in terms:
        attributes = term.get("attributes", {})
        checked = text
        for quotation in attributes.get("quoted", []):
            checked = checked.replace(quotation, "")
        for variant in attributes.get("rejected", []):
            if variant in checked:
                found.append(f"{variant} (use {term['name']['ja']})")
        if text.strip() in attributes.get("rejected_whole", []):
            found.append(f"{text.strip()} (use {term['name']['ja']})")
    return found


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def catalogue_violations(path: Path, terms: list[dict[str, Any]]) -> list[str]:
    problems = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            problems += [f"{entry.msgid!r}: {v}" for v in violations(text, terms)]
    return problems


def test_the_glossary_names_the_terms_of_the_issue():
    terms = {t["ref_id"]: t for t in glossary()}
    assert {t: terms[t]["name"]["ja"] for t in ("risk-owner", "risk-treatment", "likelihood")} == {
        "risk-owner": "リスク所有者",
        "risk-treatment": "リスク対応",
        "likelihood": "発生可能性",
    }
    assert terms["affected-parties"]["name"]["ja"] == "影響を受ける関係者"
    assert terms["or"]["name"]["ja"] == "又は"
    assert "または" in terms["or"]["attributes"]["rejected"]
    for term in terms.values():
        assert term["name"]["en"] and term["summary"]["en"] and term["summary"]["ja"]


def test_the_shipped_library_uses_the_glossarys_terms():
    terms = glossary()
    problems = []
    for path in sorted((ROOT / "library").rglob("*.yaml")):
        if path == GLOSSARY:
            continue  # it names the rejected variants
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        problems += [f"{path.name}: {v}" for s in _strings(doc) for v in violations(s, terms)]
    assert not problems, "\n".join(problems)


def test_the_japanese_catalogue_uses_the_glossarys_terms():
    problems = catalogue_violations(CATALOGUE, glossary())
    assert not problems, "\n".join(problems)


def test_the_review_finds_a_rejected_variant_and_spares_a_quotation(tmp_path):
    terms = glossary()
    assert violations("リスク対策を追加", terms) == ["リスク対策 (use リスク対応)"]
    assert violations("ユーザーまたはグループ", terms)
    assert violations("害", terms) and not violations("利害関係者", terms)
    assert not violations("人間の生命・身体・財産、精神及び環境に配慮したリスク対策", terms)
    assert not violations("ガバナンス責任者又はトップマネジメント", terms)
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Change the likelihood"\nmsgstr "起こりやすさを変える"\n\n'
        'msgid "Likelihood"\nmsgstr "発生可能性"\n',
        encoding="utf-8",
    )
    assert catalogue_violations(catalogue, terms) == [
        "'Change the likelihood': 起こりやすさ (use 発生可能性)"
    ]


def test_the_glossary_page_is_linked_from_the_library_in_both_languages(db, viewer, client_for):
    library_load(files=[("library/glossary.yaml", GLOSSARY.read_bytes())], actor=None)
    client = client_for(viewer)
    assert reverse("library_glossary") in client.get(reverse("library")).content.decode()
    html = client.get(reverse("library_glossary")).content.decode()
    assert "リスク所有者" in html and "risk owner" in html
    assert "「リスク対策」は用いない" in html  # the usage note in Japanese
    assert "<s>起こりやすさ</s>" in html
    html = client.get(reverse("library_glossary"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not リスク対策, except where a source" in html
