"""The shipped library: it loads, a second load changes nothing, and the facts hold.

The ISO/IEC 42001 identifiers below are pinned from the standard's outline (clauses 4–10 and
Annex A); known mistakes elsewhere (Annex A numbered A.5–A.11, a missing 6.1.4 or 6.3, a control
count other than 38) must fail here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from aims.models import ChangeRecord, Mapping, Requirement

LIBRARY = Path(__file__).resolve().parents[2] / "library"

ISO_CLAUSES = [
    "4",
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "5",
    "5.1",
    "5.2",
    "5.3",
    "6",
    "6.1",
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.2",
    "6.3",
    "7",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.5.1",
    "7.5.2",
    "7.5.3",
    "8",
    "8.1",
    "8.2",
    "8.3",
    "8.4",
    "9",
    "9.1",
    "9.2",
    "9.2.1",
    "9.2.2",
    "9.3",
    "9.3.1",
    "9.3.2",
    "9.3.3",
    "10",
    "10.1",
    "10.2",
]
ISO_CONTROLS = [
    "A.2.2",
    "A.2.3",
    "A.2.4",
    "A.3.2",
    "A.3.3",
    "A.4.2",
    "A.4.3",
    "A.4.4",
    "A.4.5",
    "A.4.6",
    "A.5.2",
    "A.5.3",
    "A.5.4",
    "A.5.5",
    "A.6.1.2",
    "A.6.1.3",
    "A.6.2.2",
    "A.6.2.3",
    "A.6.2.4",
    "A.6.2.5",
    "A.6.2.6",
    "A.6.2.7",
    "A.6.2.8",
    "A.7.2",
    "A.7.3",
    "A.7.4",
    "A.7.5",
    "A.7.6",
    "A.8.2",
    "A.8.3",
    "A.8.4",
    "A.8.5",
    "A.9.2",
    "A.9.3",
    "A.9.4",
    "A.10.2",
    "A.10.3",
    "A.10.4",
]
ISO_ANNEX_A_HEADINGS = [
    "A",
    "A.2",
    "A.3",
    "A.4",
    "A.5",
    "A.6",
    "A.6.1",
    "A.6.2",
    "A.7",
    "A.8",
    "A.9",
    "A.10",
]

ISO = "urn:aims:framework:iso-iec-42001"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load the library once for the module, in a transaction rolled back at its end (each
    test runs in a savepoint inside it), so no row or change record outlives the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_library")
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def refs(framework: str, **filters) -> set[str]:
    return set(
        Requirement.objects.filter(
            framework__urn=framework, withdrawn=False, **filters
        ).values_list("ref_id", flat=True)
    )


def test_iso_clauses_and_controls_are_exactly_the_standards(loaded, db):
    iso = refs(ISO)
    assert {r for r in iso if r[0].isdigit()} == set(ISO_CLAUSES)
    assert {r for r in iso if r.startswith("A")} == set(ISO_CONTROLS) | set(ISO_ANNEX_A_HEADINGS)
    controls = refs(ISO, assessable=True, ref_id__startswith="A.")
    assert controls == set(ISO_CONTROLS) and len(controls) == 38
    assert {"6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.3"} <= iso
    assert not {"A.11", "A.11.1", "A.1"} & iso  # Annex A runs A.2–A.10


def test_iso_annex_c(loaded, db):
    assert len(refs(ISO, parent__ref_id="C.2")) == 11
    assert len(refs(ISO, parent__ref_id="C.3")) == 7


def test_every_assessable_iso_item_has_a_summary_and_evidence_in_both_languages(loaded, db):
    rows = Requirement.objects.filter(framework__urn=ISO, assessable=True)
    for row in rows:
        assert row.summary_en and row.summary_ja, row.ref_id
        assert row.typical_evidence_en and row.typical_evidence_ja, row.ref_id


def test_a_second_load_changes_nothing(loaded, db):
    before = (ChangeRecord.objects.count(), sorted(Requirement.objects.values_list("id", "urn")))
    call_command("load_library")
    after = (ChangeRecord.objects.count(), sorted(Requirement.objects.values_list("id", "urn")))
    assert before == after


def test_no_official_text_is_shipped():
    for path in LIBRARY.rglob("*.yaml"):
        assert "official_text" not in path.read_text(encoding="utf-8"), path


def test_aisi_perspectives(loaded, db):
    perspectives = refs("urn:aims:framework:aisi-evaluation-perspectives", assessable=True)
    assert perspectives == {f"AISI-{i}" for i in range(1, 11)}
    data_quality = Requirement.objects.get(urn="urn:aims:aisi:aisi-9")
    assert data_quality.name_ja == "データ品質"


def test_taxonomies(loaded, db):
    tiers = refs("urn:aims:framework:taxonomy-eu-ai-act-risk-tiers")
    assert tiers == {"prohibited", "high", "limited", "minimal"}
    roles = refs("urn:aims:framework:taxonomy-eu-ai-act-operator-roles")
    assert {"provider", "deployer", "importer", "distributor"} <= roles
    parties = "urn:aims:framework:taxonomy-affected-parties"
    assert refs(parties, parent__isnull=True) == {"individuals", "groups", "society"}
    for name in ("ai-risk-categories", "impact-areas"):
        assert len(refs(f"urn:aims:framework:taxonomy-{name}")) >= 12, name


def test_nist_ai_rmf(loaded, db):
    nist = "urn:aims:framework:nist-ai-rmf"
    assert refs(nist, parent__isnull=True) == {"GOVERN", "MAP", "MEASURE", "MANAGE"}
    assert len(refs(nist, depth=1)) == 19
    subcategories = refs(nist, depth=2, assessable=True)
    assert len(subcategories) == 72
    per_function = {
        f: sum(1 for s in subcategories if s.startswith(f + " "))
        for f in ("GOVERN", "MAP", "MEASURE", "MANAGE")
    }
    assert per_function == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}


def test_iso_nist_crosswalk_resolves_and_explains_itself(loaded, db):
    mappings = Mapping.objects.filter(mapping_set__urn="urn:aims:mappings:iso42001-nist-ai-rmf")
    assert mappings.count() > 100
    assert not mappings.filter(rationale_en="").exists()
    assert not mappings.filter(rationale_ja="").exists()
    assert {m.source.framework.urn for m in mappings.select_related("source__framework")} == {
        "urn:aims:framework:iso-iec-42001"
    }


METI = "urn:aims:framework:meti-ai-guidelines"
# Common guiding principles and the number of their sub-items (①, ②, …) in the Guidelines.
METI_SUB_ITEMS = {1: 6, 2: 3, 3: 2, 4: 1, 5: 2, 6: 4, 7: 6, 8: 3, 9: 0, 10: 3}
METI_ACTOR_ITEMS = {
    "developer": {
        "D-2 i",
        "D-2 ii",
        "D-2 iii",
        "D-3 i",
        "D-3 ii",
        "D-4 i",
        "D-5 i",
        "D-5 ii",
        "D-6 i",
        "D-6 ii",
        "D-7 i",
        "D-7 ii",
        "D-10 i",
    },
    "provider": {
        "P-2 i",
        "P-2 ii",
        "P-3 i",
        "P-4 i",
        "P-4 ii",
        "P-5 i",
        "P-5 ii",
        "P-6 i",
        "P-6 ii",
        "P-7 i",
        "P-7 ii",
    },
    "business_user": {"U-2 i", "U-3 i", "U-4 i", "U-5 i", "U-6 i", "U-7 i", "U-7 ii"},
}
METI_PHASES = {
    "data_preprocessing_training",
    "development",
    "after_development",
    "implementation",
    "after_provision",
    "use",
}
METI_ACTION_GOALS = {
    "AG-1-1",
    "AG-1-2",
    "AG-1-3",
    "AG-2-1",
    "AG-3-1",
    "AG-3-1-1",
    "AG-3-1-2",
    "AG-3-2",
    "AG-3-3",
    "AG-3-3-1",
    "AG-3-3-2",
    "AG-3-4",
    "AG-3-4-1",
    "AG-3-4-2",
    "AG-4-1",
    "AG-4-2",
    "AG-4-3",
    "AG-5-1",
    "AG-5-2",
    "AG-6-1",
}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def test_meti_common_guiding_principles_and_their_30_sub_items(loaded, db):
    assert refs(METI, parent__ref_id="C") == {f"C-{n}" for n in range(1, 11)}
    sub_items = {f"C-{n}.{m}" for n, count in METI_SUB_ITEMS.items() for m in range(1, count + 1)}
    assert len(sub_items) == 30
    assert refs(METI, parent__ref_id__in=[f"C-{n}" for n in range(1, 11)]) == sub_items
    # Principle 9 has no sub-item, so it is assessed itself.
    assert refs(METI, assessable=True, ref_id__startswith="C-") == sub_items | {"C-9"}
    assert refs(METI, parent__ref_id="V") == {"V-1", "V-2", "V-3"}


def test_meti_actor_items_with_their_phase_and_principles(loaded, db):
    for actor, expected in METI_ACTOR_ITEMS.items():
        parent = {"developer": "D", "provider": "P", "business_user": "U"}[actor]
        assert refs(METI, parent__ref_id=parent, assessable=True) == expected, actor
        for item in Requirement.objects.filter(framework__urn=METI, ref_id__in=expected):
            assert item.attributes["actor"] == actor, item.ref_id
            phases = item.attributes["phase"]
            assert set([phases] if isinstance(phases, str) else phases) <= METI_PHASES
            assert item.attributes["principles"], item.ref_id
    assert Requirement.objects.get(framework__urn=METI, ref_id="D-4 i").attributes["restates"]


def test_meti_advanced_ai_items_and_action_goals(loaded, db):
    assert refs(METI, parent__ref_id="ADV") == {f"ADV-{r}" for r in ROMAN}
    goals = Requirement.objects.filter(
        framework__urn=METI, ref_id__startswith="AG-", assessable=True
    )
    assert {g.ref_id for g in goals} == METI_ACTION_GOALS
    assert refs(METI, parent__ref_id="AG") == {f"AG-{n}" for n in range(1, 7)}
    assert {g.ref_id for g in goals if g.attributes.get("comply_or_explain")} == {
        "AG-1-3",
        "AG-2-1",
        "AG-4-3",
        "AG-5-2",
    }
    assert sum(g.attributes["practical_examples"] for g in goals) == 62
    for item in Requirement.objects.filter(framework__urn=METI, assessable=True):
        assert item.summary_en and item.summary_ja, item.ref_id
        assert item.typical_evidence_en and item.typical_evidence_ja, item.ref_id


def test_every_principle_link_in_the_library_names_a_meti_principle(loaded, db):
    principles = refs(METI, ref_id__regex=r"^C-[0-9]+$")
    linked = Requirement.objects.filter(attributes__has_key="principles")
    assert linked.filter(framework__urn=METI).exists()
    assert linked.exclude(framework__urn=METI).exists()  # AISI perspectives, taxonomies
    for item in linked:
        assert set(item.attributes["principles"]) <= principles, item.urn


def test_iso_meti_crosswalk_covers_annex_a_and_explains_itself(loaded, db):
    mappings = Mapping.objects.filter(
        mapping_set__urn="urn:aims:mappings:iso42001-meti-ai-guidelines"
    ).select_related("source__framework", "target__framework")
    assert mappings.count() > 150
    assert {m.source.framework.urn for m in mappings} == {ISO}
    assert {m.target.framework.urn for m in mappings} == {METI}
    assert {m.source.ref_id for m in mappings} >= set(ISO_CONTROLS)
    assert all(m.rationale_en and m.rationale_ja for m in mappings)
    targets = {m.target.ref_id for m in mappings}
    assert targets >= METI_ACTION_GOALS
    assert {"C-1.1", "C-3.2", "C-7.3", "U-7 ii"} <= targets


def test_a_guidelines_item_shows_its_attributes_readably_with_links(loaded, officer, client_for):
    from django.urls import reverse

    item = Requirement.objects.get(framework__urn=METI, ref_id="D-2 i")
    principle = Requirement.objects.get(framework__urn=METI, ref_id="C-4")
    html = client_for(officer).get(reverse("library_requirement", args=[item.pk])).content.decode()
    assert reverse("library_requirement", args=[principle.pk]) in html
    assert "データ前処理・学習時" in html and "data_preprocessing_training" not in html
    assert "AI開発者" in html
    adv = Requirement.objects.get(framework__urn=METI, ref_id="ADV-I")
    html = client_for(officer).get(reverse("library_requirement", args=[adv.pk])).content.decode()
    assert adv.attributes["code_of_conduct_addition"]["ja"] in html
    assert "code_of_conduct_addition" not in html


def test_the_risk_example_catalogue(loaded, db):
    examples = "urn:aims:framework:meti-risk-examples"
    assert refs(examples, assessable=True) == {f"RX-{n}" for n in range(1, 16)}
    assert refs(examples, parent__ref_id="RX-G") == {f"RX-{n}" for n in range(9, 16)}
    categories = refs("urn:aims:framework:taxonomy-ai-risk-categories")
    for item in Requirement.objects.filter(framework__urn=examples, assessable=True):
        assert item.summary_ja and item.typical_evidence_ja, item.ref_id
        assert set(item.attributes["categories"]) <= categories, item.ref_id
