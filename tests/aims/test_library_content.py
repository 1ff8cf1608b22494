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
    per_function = {f: sum(1 for s in subcategories if s.startswith(f + " "))
                    for f in ("GOVERN", "MAP", "MEASURE", "MANAGE")}  # fmt: skip
    assert per_function == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}


def test_iso_nist_crosswalk_resolves_and_explains_itself(loaded, db):
    mappings = Mapping.objects.filter(mapping_set__urn="urn:aims:mappings:iso42001-nist-ai-rmf")
    assert mappings.count() > 100
    assert not mappings.filter(rationale_en="").exists()
    assert not mappings.filter(rationale_ja="").exists()
    assert {m.source.framework.urn for m in mappings.select_related("source__framework")} == {
        "urn:aims:framework:iso-iec-42001"
    }
