"""Coverage of other frameworks by the Statement of Applicability, through the crosswalks of
the library: what counts as covered, partly covered and not covered; the working version or
a given one (frozen rows); the page and the API agree; constant query counts; bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.choices import ApprovalStatus
from aims.models import Framework, Requirement
from aims.services.library import library_load
from aims.urns import ISO_42001
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlRequirement,
    Evidence,
    EvidenceVersion,
    StatementOfApplicability,
)
from controls.selectors.coverage import (
    COVERED,
    NONE,
    PARTLY,
    coverage_frameworks,
    framework_coverage,
)
from controls.snapshot import row_snapshot
from tests.factories.library import framework_file, requirement_item

GUIDELINES = "urn:aims:framework:test-guidelines"
UNRELATED = "urn:aims:framework:test-unrelated"


# --- Small fixtures built with the models (the other parts' factories are not used) ----------
def load_iso(controls: list[str], *, version: int = 1) -> None:
    """A framework with the URN of ISO/IEC 42001 whose Annex A holds ``controls`` (A.2.x)."""
    items = [
        requirement_item("A", assessable=False),
        requirement_item("A.2", parent="A", assessable=False, tags=["annex-a"]),
        *[requirement_item(ref, parent="A.2", tags=["annex-a"]) for ref in controls],
    ]
    content = framework_file(
        urn=ISO_42001,
        urn_prefix="urn:aims:iso42001",
        ref_id="ISO/IEC 42001",
        requirements=items,
        version=version,
    )
    library_load(files=[("iso.yaml", content)], actor=None)


def load_framework(urn: str, items: list[str], *, version: int = 1) -> Framework:
    slug = urn.rsplit(":", 1)[-1]
    requirements = [requirement_item("G", assessable=False)] + [
        requirement_item(ref, parent="G") for ref in items
    ]
    content = framework_file(
        urn=urn,
        urn_prefix=f"urn:aims:{slug}",
        ref_id=slug,
        requirements=requirements,
        version=version,
    )
    library_load(files=[(f"{slug}.yaml", content)], actor=None)
    return Framework.objects.get(urn=urn)


def load_crosswalk(target: str, pairs: list[tuple[str, str, str]], *, version: int = 1) -> None:
    """Mappings from ISO/IEC 42001 controls to items of ``target`` (source ref, target ref,
    relationship)."""
    other = Framework.objects.get(urn=target)
    document = {
        "format": "aims-library/1",
        "kind": "mappings",
        "mapping_set": {
            "urn": f"urn:aims:mappings:iso-{other.urn_prefix.rsplit(':', 1)[-1]}",
            "version": version,
            "source_framework": ISO_42001,
            "target_framework": target,
            "name": {"en": "crosswalk", "ja": "対応表"},
        },
        "mappings": [
            {
                "source": requirement(ISO_42001, source).urn,
                "target": requirement(target, item).urn,
                "relationship": relationship,
                "rationale": {"en": "Related", "ja": "関連"},
            }
            for source, item, relationship in pairs
        ],
    }
    content = yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()
    library_load(files=[("crosswalk.yaml", content)], actor=None)


def requirement(framework_urn: str, ref_id: str) -> Requirement:
    return Requirement.objects.get(framework__urn=framework_urn, ref_id=ref_id)


def soa_version(status: str = ApprovalStatus.DRAFT, **fields: Any) -> StatementOfApplicability:
    """A new version of the SoA (after any the library load created), in ``status``."""
    last = StatementOfApplicability.objects.order_by("-number").first()
    number = last.number + 1 if last else 1
    if status in (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED):
        from tests.factories.accounts import UserFactory

        fields.setdefault("approved_by", UserFactory(username=f"approver{number}"))
        fields.setdefault("approved_at", timezone.now())
    return StatementOfApplicability.objects.create(number=number, status=status, **fields)


def soa_row(
    version: StatementOfApplicability, ref_id: str, **fields: Any
) -> ApplicabilityStatement:
    fields.setdefault("applicable", True)
    if fields["applicable"] is False:
        fields.setdefault("justification", "対象外")
    row, _created = ApplicabilityStatement.objects.update_or_create(
        soa=version, requirement=requirement(ISO_42001, ref_id), defaults=fields
    )
    return row


def freeze(version: StatementOfApplicability) -> None:
    """Store every row's snapshot, as approving a version does."""
    rows = ApplicabilityStatement.objects.filter(soa=version).select_related(
        "requirement__parent", "requirement__framework", "owner"
    )
    for row in rows:
        row.frozen = row_snapshot(row)
        row.save(update_fields=["frozen"])


def evidence(
    title: str,
    *,
    valid_until: Any = None,
    review: str = "accepted",
    reviewer: Any = None,
) -> Evidence:
    """A piece of evidence with one version (a URL), its current version set as the
    evidence services keep it."""
    item = Evidence.objects.create(title=title, valid_until=valid_until)
    extra = {}
    if review != "submitted":
        from tests.factories.accounts import UserFactory

        extra = {
            "reviewed_by": reviewer or UserFactory(username=f"reviewer-{item.pk}"),
            "reviewed_at": timezone.now(),
        }
    EvidenceVersion.objects.create(
        evidence=item,
        number=1,
        url=f"https://example.com/{item.pk}",
        effective_from=timezone.localdate() - timedelta(days=30),
        valid_until=valid_until,
        review_status=review,
        **extra,
    )
    from controls.services.evidence import evidence_refresh_current

    evidence_refresh_current(item)  # the current version and its copies, as the services keep
    return item


def control(code: str, status: str = "operating", satisfies: list[Requirement] = ()) -> Control:
    made = Control.objects.create(code=code, name=f"管理策 {code}", status=status)
    for item in satisfies:
        ControlRequirement.objects.create(control=made, requirement=item)
    return made


TODAY = timezone.localdate


@pytest.fixture
def crosswalked(db):
    load_iso(["A.2.2", "A.2.3", "A.2.4", "A.2.5"])
    guidelines = load_framework(GUIDELINES, ["G1", "G2", "G3", "G4", "G5"])
    load_framework(UNRELATED, ["U1"])
    load_crosswalk(
        GUIDELINES,
        [
            ("A.2.2", "G1", "related"),
            ("A.2.3", "G2", "intersect"),
            ("A.2.4", "G3", "subset"),
            ("A.2.4", "G4", "related"),
            ("A.2.5", "G4", "equal"),
        ],
    )
    return guidelines


def statuses(result) -> dict[str, str]:
    return {item.requirement.ref_id: item.status for item in result.items}


def compute(user, framework, version=None):
    [result] = framework_coverage([framework], user=user, version=version, named=5)
    return result


# --- What counts ---------------------------------------------------------------------------------
def test_only_frameworks_crosswalked_to_annex_a_are_listed(crosswalked):
    assert list(coverage_frameworks()) == [crosswalked]


def test_covered_partly_and_not_covered(officer, crosswalked):
    draft = soa_version()
    valid = evidence("AI方針（承認済み）")
    expired = evidence("期限切れの記録", valid_until=TODAY() - timedelta(days=1))
    soa_row(draft, "A.2.2", implementation_status="implemented").evidence.add(valid)
    soa_row(draft, "A.2.3", implementation_status="implemented").evidence.add(expired)
    soa_row(draft, "A.2.4", implementation_status="partial")
    soa_row(draft, "A.2.5", applicable=False, justification="当社はAIを開発しない")
    direct = control("CTL-001", satisfies=[requirement(GUIDELINES, "G5")])
    direct.evidence.add(evidence("運用記録", valid_until=TODAY()))  # valid through today

    result = compute(officer, crosswalked, draft)
    assert statuses(result) == {
        "G1": COVERED,  # applicable, implemented, valid evidence on the row
        "G2": PARTLY,  # implemented, but its only evidence expired
        "G3": PARTLY,  # partially implemented
        "G4": PARTLY,  # partially (A.2.4); the excluded A.2.5 adds nothing
        "G5": COVERED,  # an operating control satisfying it directly, with valid evidence
    }
    assert (result.total, result.covered, result.partly, result.none) == (5, 2, 3, 0)
    assert (result.covered_percent, result.partly_percent) == (40.0, 60.0)
    g4 = next(item for item in result.items if item.requirement.ref_id == "G4")
    assert [(r.label.split()[0], r.state, r.relationship) for r in g4.reaches] == [
        ("A.2.4", PARTLY, "related"),
        ("A.2.5", NONE, "equal"),
    ]


def test_evidence_of_an_implementing_control_counts_for_the_row(officer, crosswalked):
    draft = soa_version()
    row = soa_row(draft, "A.2.3", implementation_status="implemented")
    row.evidence.add(evidence("古い記録", valid_until=TODAY() - timedelta(days=3)))
    assert statuses(compute(officer, crosswalked, draft))["G2"] == PARTLY
    implementing = control("CTL-002")
    implementing.evidence.add(evidence("四半期レビュー議事録"))
    row.controls.add(implementing)
    result = compute(officer, crosswalked, draft)
    assert statuses(result)["G2"] == COVERED
    [reach] = next(i for i in result.items if i.requirement.ref_id == "G2").reaches
    assert [c["code"] for c in reach.controls] == ["CTL-002"]
    assert {e["title"] for e in reach.evidence} == {"古い記録", "四半期レビュー議事録"}


def test_rejected_or_missing_evidence_is_not_valid(officer, crosswalked):
    draft = soa_version()
    row = soa_row(draft, "A.2.2", implementation_status="implemented")
    row.evidence.add(evidence("差し戻された記録", review="rejected"))
    row.evidence.add(Evidence.objects.create(title="版のない証拠"))
    assert statuses(compute(officer, crosswalked, draft))["G1"] == PARTLY


def test_evidence_of_a_period_not_begun_is_not_valid(officer, crosswalked):
    draft = soa_version()
    future = evidence("来月の監査報告書")
    EvidenceVersion.objects.filter(evidence=future).update(
        effective_from=TODAY() + timedelta(days=1)
    )
    from controls.services.evidence import evidence_refresh_current

    evidence_refresh_current(future)
    soa_row(draft, "A.2.2", implementation_status="implemented").evidence.add(future)
    assert statuses(compute(officer, crosswalked, draft))["G1"] == PARTLY
    # Through a control the same: the control's evidence counts, none valid.
    made = control("CTL-010", satisfies=[requirement(GUIDELINES, "G5")])
    made.evidence.add(future)
    assert statuses(compute(officer, crosswalked, draft))["G5"] == PARTLY


def test_a_control_with_much_evidence_is_counted_and_a_few_are_named(
    officer, crosswalked, api_client_for
):
    """A control may hold thousands of pieces of evidence: coverage counts them (and the
    valid ones) and names a few of an implementing control's, valid first, instead of
    listing them all; a control reaching an item directly is counted only."""
    draft = soa_version()
    made = control("CTL-011", satisfies=[requirement(GUIDELINES, "G5")])
    for number in range(4):
        made.evidence.add(evidence(f"期限切れ {number}", valid_until=TODAY() - timedelta(days=1)))
    for number in range(3):
        made.evidence.add(evidence(f"有効 {number}"))
    direct = control("CTL-012", satisfies=[requirement(GUIDELINES, "G3")])
    direct.evidence.add(evidence("直接の記録"))
    [reach] = next(
        i for i in compute(officer, crosswalked, draft).items if i.requirement.ref_id == "G3"
    ).reaches
    assert reach.state == COVERED and reach.evidence == []
    assert (reach.controls[0]["evidence_count"], reach.controls[0]["valid_evidence_count"]) == (
        1,
        1,
    )
    soa_row(draft, "A.2.4", implementation_status="implemented").controls.add(made)
    g4 = next(i for i in compute(officer, crosswalked, draft).items if i.requirement.ref_id == "G4")
    [reach] = [r for r in g4.reaches if r.kind == "soa_row"]
    assert reach.state == COVERED
    counts = reach.controls[0]["evidence_count"], reach.controls[0]["valid_evidence_count"]
    assert counts == (7, 3)
    titles = [e["title"] for e in reach.evidence]
    assert titles == ["有効 0", "有効 1", "有効 2", "期限切れ 0", "期限切れ 1"]
    body = (
        api_client_for(officer)
        .get(reverse("api:coverage-detail", args=[crosswalked.pk]), {"soa": draft.pk})
        .json()
    )
    [item] = [i for i in body["item_coverage"] if i["ref_id"] == "G4"]
    [row_reach] = [r for r in item["reaches"] if r["kind"] == "soa_row"]
    counted = row_reach["controls"][0]
    assert (counted["evidence_count"], counted["valid_evidence_count"]) == (7, 3)
    assert len(row_reach["evidence"]) == 5


@pytest.mark.parametrize(
    ("status", "expected"),
    [("operating", PARTLY), ("implementing", PARTLY), ("planned", PARTLY), ("retired", NONE)],
)
def test_direct_controls_without_valid_evidence_or_not_operating(
    officer, crosswalked, status, expected
):
    draft = soa_version()
    made = control("CTL-009", status=status, satisfies=[requirement(GUIDELINES, "G5")])
    if status != "operating":  # valid evidence does not make a control operate
        made.evidence.add(evidence("計画書"))
    assert statuses(compute(officer, crosswalked, draft))["G5"] == expected


def test_not_implemented_and_undecided_rows_cover_nothing(officer, crosswalked):
    draft = soa_version()
    soa_row(draft, "A.2.2", implementation_status="not_implemented")
    soa_row(draft, "A.2.3", applicable=None, implementation_status="implemented")
    assert statuses(compute(officer, crosswalked, draft))["G1"] == NONE
    assert statuses(compute(officer, crosswalked, draft))["G2"] == NONE


def test_without_a_soa_nothing_is_covered(officer, crosswalked):
    StatementOfApplicability.objects.all().delete()
    control("CTL-001", satisfies=[requirement(GUIDELINES, "G5")]).evidence.add(evidence("記録"))
    result = compute(officer, crosswalked, None)
    assert (result.total, result.covered, result.partly) == (5, 0, 0)
    assert result.covered_percent == 0.0


def test_an_approved_version_is_read_from_its_frozen_rows(officer, client_for, crosswalked):
    approved = soa_version(ApprovalStatus.APPROVED)
    row = soa_row(approved, "A.2.2", implementation_status="implemented")
    row.evidence.add(evidence("AI方針"))
    freeze(approved)
    # Changed after approval: the approved version still says what it said.
    ApplicabilityStatement.objects.filter(pk=row.pk).update(
        applicable=False, justification="変更後"
    )
    draft = soa_version()
    soa_row(draft, "A.2.2", implementation_status="partial")
    assert statuses(compute(officer, crosswalked, approved))["G1"] == COVERED
    assert statuses(compute(officer, crosswalked, draft))["G1"] == PARTLY
    # The pages: the working version (the draft) by default, the approved one when asked.
    url = reverse("coverage_framework", args=[crosswalked.pk])
    page = client_for(officer).get(url).content.decode()
    assert 'data-item="G1" data-status="partly"' in page
    page = client_for(officer).get(url, {"soa": approved.pk}).content.decode()
    assert 'data-item="G1" data-status="covered"' in page


def test_the_working_version_is_the_draft_else_the_approved_one(officer, client_for, crosswalked):
    from controls.selectors.coverage import coverage_version

    approved = soa_version(ApprovalStatus.APPROVED)
    assert coverage_version(officer) == approved
    draft = soa_version()
    assert coverage_version(officer) == draft
    StatementOfApplicability.objects.filter(pk=draft.pk).update(status=ApprovalStatus.IN_REVIEW)
    assert coverage_version(officer) == draft


# --- Pages and API -----------------------------------------------------------------------------
@pytest.fixture
def mixed(officer, crosswalked):
    draft = soa_version()
    soa_row(draft, "A.2.2", implementation_status="implemented").evidence.add(evidence("方針"))
    soa_row(draft, "A.2.4", implementation_status="partial")
    return draft


def test_the_page_and_the_api_give_the_same_percentages(
    officer, client_for, api_client_for, crosswalked, mixed
):
    page = client_for(officer).get(reverse("coverage"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    api = api_client_for(officer).get(reverse("api:coverage-list")).json()
    # Every framework, the crosswalked first; the page lists those.
    assert [(r["ref_id"], r["crosswalked"]) for r in api["results"]][0] == ("test-guidelines", True)
    assert {r["crosswalked"] for r in api["results"][1:]} == {False}
    crosswalked_only = api_client_for(officer).get(
        reverse("api:coverage-list"), {"crosswalked": "true"}
    )
    [listed] = crosswalked_only.json()["results"]
    assert listed == api["results"][0]
    assert listed["id"] == crosswalked.pk and listed["soa_version"] == mixed.pk
    assert (listed["items"], listed["covered"], listed["partly"], listed["none"]) == (5, 1, 2, 2)
    assert listed["covered_percent"] == 20.0 and listed["partly_percent"] == 40.0
    assert f'data-testid="covered-percent">{listed["covered_percent"]}%' in html
    detail = api_client_for(officer).get(reverse("api:coverage-detail", args=[crosswalked.pk]))
    body = detail.json()
    assert body["covered_percent"] == listed["covered_percent"]
    assert {i["ref_id"]: i["coverage"] for i in body["item_coverage"]} == {
        "G1": COVERED,
        "G2": NONE,
        "G3": PARTLY,
        "G4": PARTLY,
        "G5": NONE,
    }
    drill = client_for(officer).get(
        reverse("coverage_framework", args=[crosswalked.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "20.0% covered (1 of 5 items)" in drill.content.decode()
    assert "How coverage is computed" in drill.content.decode()


def test_the_drill_down_filters_by_coverage(
    officer, client_for, api_client_for, crosswalked, mixed
):
    url = reverse("coverage_framework", args=[crosswalked.pk])
    html = client_for(officer).get(url, {"coverage": "partly"}).content.decode()
    assert 'data-item="G3"' in html and 'data-item="G4"' in html
    assert 'data-item="G1"' not in html and 'data-item="G2"' not in html
    api = api_client_for(officer).get(
        reverse("api:coverage-detail", args=[crosswalked.pk]), {"coverage": "covered"}
    )
    assert [i["ref_id"] for i in api.json()["item_coverage"]] == ["G1"]
    [reach] = api.json()["item_coverage"][0]["reaches"]
    assert reach["kind"] == "soa_row" and reach["coverage"] == COVERED
    assert reach["evidence"][0]["title"] == "方針" and reach["evidence"][0]["valid"] is True


def test_a_framework_without_a_crosswalk_has_its_direct_controls(officer, client_for, crosswalked):
    soa_version()
    unrelated = Framework.objects.get(urn=UNRELATED)
    made = control("CTL-003", satisfies=[requirement(UNRELATED, "U1")])
    made.evidence.add(evidence("記録"))
    html = client_for(officer).get(reverse("coverage_framework", args=[unrelated.pk]))
    assert 'data-item="U1" data-status="covered"' in html.content.decode()


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1" * 30])
def test_an_unknown_soa_version_is_a_clear_error(
    officer, client_for, api_client_for, crosswalked, mixed, value
):
    for url in (reverse("coverage"), reverse("coverage_framework", args=[crosswalked.pk])):
        page = client_for(officer).get(url, {"soa": value}, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 400
        assert "No version of the Statement of Applicability has the id" in page.content.decode()
    for url in (
        reverse("api:coverage-list"),
        reverse("api:coverage-detail", args=[crosswalked.pk]),
    ):
        api = api_client_for(officer).get(url, {"soa": value})
        assert api.status_code == 400
        assert "soa" in str(api.json())


def test_an_unknown_crosswalked_filter_is_a_clear_error(officer, api_client_for, crosswalked):
    api = api_client_for(officer).get(reverse("api:coverage-list"), {"crosswalked": "maybe"})
    assert api.status_code == 400 and "crosswalked" in api.json()["error"]["fields"]


def test_an_unknown_coverage_filter_is_a_clear_error(
    officer, client_for, api_client_for, crosswalked, mixed
):
    url = reverse("coverage_framework", args=[crosswalked.pk])
    page = client_for(officer).get(url, {"coverage": "complete"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400 and "Select a valid choice" in page.content.decode()
    api = api_client_for(officer).get(
        reverse("api:coverage-detail", args=[crosswalked.pk]), {"coverage": "complete"}
    )
    assert api.status_code == 400 and "coverage" in api.json()["error"]["fields"]


def test_the_navigation_names_the_page(officer, client_for, crosswalked):
    html = client_for(officer).get(reverse("coverage"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Framework coverage" in html.content.decode()
    assert reverse("coverage") in html.content.decode()


def test_a_viewer_reads_and_anonymous_is_sent_to_login(viewer, client_for, crosswalked, mixed):
    assert client_for(viewer).get(reverse("coverage")).status_code == 200
    response = client_for(None).get(reverse("coverage"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- Query counts --------------------------------------------------------------------------------
def grow(size: int, *, version: int) -> None:
    """Up to ``size`` Annex A controls, items, mappings, rows (with controls and evidence)
    and direct controls, beyond the five of the fixture."""
    refs = [f"A.2.{n}" for n in range(10, 10 + size)]
    items = [f"H{n}" for n in range(size)]
    load_iso(["A.2.2", "A.2.3", "A.2.4", "A.2.5", *refs], version=version)
    load_framework(GUIDELINES, ["G1", "G2", "G3", "G4", "G5", *items], version=version)
    load_crosswalk(
        GUIDELINES,
        [(ref, item, "related") for ref, item in zip(refs, items, strict=True)]
        + [("A.2.2", "G1", "related")],
        version=version,
    )
    # The working draft (the library load made a first one before the fixtures' versions).
    draft = StatementOfApplicability.objects.filter(status=ApprovalStatus.DRAFT).latest("number")
    made = set(Control.objects.values_list("code", flat=True))
    for n, (ref, item) in enumerate(zip(refs, items, strict=True)):
        if f"CTL-{n:03d}" in made:
            continue
        row = soa_row(draft, ref, implementation_status="implemented")
        implementing = control(f"CTL-{n:03d}", satisfies=[requirement(GUIDELINES, item)])
        implementing.evidence.add(evidence(f"証拠 {n}"))
        row.controls.add(implementing)
        row.evidence.add(evidence(f"行の証拠 {n}"))


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("route", ["coverage", "coverage_framework", "api-list", "api-detail"])
def test_query_counts_do_not_grow_with_the_rows(
    officer, client_for, api_client_for, crosswalked, mixed, route
):
    urls = {
        "coverage": reverse("coverage"),
        "coverage_framework": reverse("coverage_framework", args=[crosswalked.pk]),
        "api-list": reverse("api:coverage-list"),
        "api-detail": reverse("api:coverage-detail", args=[crosswalked.pk]),
    }
    client = (api_client_for if route.startswith("api") else client_for)(officer)
    grow(1, version=2)  # one of each: a row with a control and evidence, a direct control
    count_queries(client, urls[route])  # warm the caches a first request fills
    small = count_queries(client, urls[route])
    grow(35, version=3)
    large = count_queries(client, urls[route])
    assert large == small
    if route == "api-detail":
        body = client.get(urls[route]).json()
        assert body["items"] == 40 and body["covered"] == 36


# --- The shipped library -----------------------------------------------------------------------
def test_the_shipped_crosswalks_give_the_guidelines_and_nist(officer, client_for):
    from pathlib import Path

    library = Path(__file__).resolve().parents[2] / "library"
    files = [
        library / "frameworks" / "iso-iec-42001.yaml",
        library / "frameworks" / "meti-ai-guidelines.yaml",
        library / "frameworks" / "nist-ai-rmf.yaml",
        library / "mappings" / "iso42001-meti-ai-guidelines.yaml",
        library / "mappings" / "iso42001-nist-ai-rmf.yaml",
    ]
    library_load(files=[(f.name, f.read_bytes()) for f in files], actor=None)
    listed = {f.urn for f in coverage_frameworks()}
    assert listed == {"urn:aims:framework:meti-ai-guidelines", "urn:aims:framework:nist-ai-rmf"}
    draft = soa_version()
    policy = evidence("AI方針")
    soa_row(draft, "A.2.2", implementation_status="implemented").evidence.add(policy)
    results = framework_coverage(coverage_frameworks(), user=officer, version=draft)
    totals = {r.framework.urn: r.total for r in results}
    assert totals["urn:aims:framework:nist-ai-rmf"] == 72
    assert all(r.covered >= 1 for r in results)  # A.2.2 (AI policy) maps into both
    html = client_for(officer).get(reverse("coverage")).content.decode()
    assert "AI事業者ガイドライン" in html and "NIST" in html
