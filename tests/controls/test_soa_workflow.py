"""The SoA on the approval workflow: approving freezes the rows (byte for byte, whatever
happens to the linked records later), a new version carries everything forward, and two
versions compare row by row, listing exactly the rows changed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aims.choices import ApprovalStatus
from controls.models import ApplicabilityStatement, Control, SoaCheckWaiver
from controls.selectors.soa import soa_compare, soa_row_snapshots
from controls.services import soa as services
from tests.factories import RequirementFactory
from tests.factories.documents import make_approver
from tests.factories.soa import SoaFactory, annex, decide_all, make_control, make_evidence


@pytest.fixture
def approved(db, officer):
    """Version 1 approved: A.6.2.4 applicable and implemented by CTL-930 with evidence, a
    waived check on A.2.2, the other rows excluded."""
    version = SoaFactory(library=True, actor=officer)
    control = make_control("CTL-930", name="Model evaluation before release")
    evidence = make_evidence(
        "Evaluation report", valid_until=timezone.localdate() + timedelta(days=90)
    )
    services.soa_row_update(
        actor=officer,
        row=version.rows.get(requirement=annex("A.6.2.4")),
        applicable=True,
        justification_type="good_practice",
        justification="Models are evaluated before release.",
        implementation_status="implemented",
        controls=[control],
        evidence=[evidence],
        owner=officer,
    )
    services.soa_row_update(
        actor=officer,
        row=version.rows.get(requirement=annex("A.2.2")),
        applicable=True,
        justification_type="legal",
        justification="Required by our customers' contracts.",
    )
    services.soa_check_waive(
        actor=officer,
        soa=version,
        requirement=annex("A.2.2"),
        check_code="no_implementing_control",
        reason="The policy document is the measure.",
    )
    decide_all(version, actor=officer)
    services.soa_submit(actor=officer, soa=version)
    return services.soa_approve(actor=make_approver(), soa=version)


def frozen_dump(version) -> str:
    rows = ApplicabilityStatement.objects.filter(soa=version).order_by("pk")
    return json.dumps([row.frozen for row in rows], sort_keys=True, ensure_ascii=False)


def test_approving_freezes_every_row_and_the_checks(approved):
    rows = list(approved.rows.select_related("requirement"))
    assert len(rows) == 38 and all(row.frozen for row in rows)
    frozen = next(r.frozen for r in rows if r.requirement.ref_id == "A.6.2.4")
    assert frozen["controls"][0]["code"] == "CTL-930"
    assert frozen["evidence"][0]["title"] == "Evaluation report"
    assert frozen["owner"] and frozen["requirement"]["group_ref"] == "A.6.2"
    assert approved.frozen_checks == [
        {
            "code": "no_implementing_control",
            "requirement_id": annex("A.2.2").pk,
            "ref_id": "A.2.2",
            "message": approved.frozen_checks[0]["message"],
            "records": [],
            "waived": True,
            "reason": "The policy document is the measure.",
        }
    ]


def test_changing_a_linked_control_leaves_the_approved_rows_byte_for_byte(
    approved, officer, client_for
):
    before = frozen_dump(approved)
    snapshots_before = json.dumps(soa_row_snapshots(approved, officer), sort_keys=True)
    Control.objects.filter(code="CTL-930").update(name="Renamed afterwards", status="retired")
    control = Control.objects.get(code="CTL-930")
    control.evidence.set([make_evidence("Added later")])
    assert frozen_dump(approved) == before
    assert json.dumps(soa_row_snapshots(approved, officer), sort_keys=True) == snapshots_before
    page = client_for(officer).get(
        reverse("soa_version", args=[approved.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert "Model evaluation before release" in html and "Renamed afterwards" not in html
    # A check the live data would now raise (retired control) is not what was approved.
    assert [c.code for c in services.soa_checks(approved)] == ["no_implementing_control"]


def test_a_new_version_carries_rows_links_owner_and_waivers_forward(approved, officer):
    draft = services.soa_new_version(actor=officer, soa=approved)
    assert draft.number == 2 and draft.status == ApprovalStatus.DRAFT
    assert draft.frozen_checks == []
    assert draft.rows.count() == 38 and not draft.rows.exclude(frozen={}).exists()
    row = draft.rows.get(requirement=annex("A.6.2.4"))
    assert row.applicable is True and row.owner == officer
    assert list(row.controls.values_list("code", flat=True)) == ["CTL-930"]
    assert list(row.evidence.values_list("title", flat=True)) == ["Evaluation report"]
    assert SoaCheckWaiver.objects.filter(soa=draft).count() == 1
    # The draft is live: it shows the control as it is now.
    Control.objects.filter(code="CTL-930").update(name="Renamed")
    shot = next(
        s for s in soa_row_snapshots(draft, officer) if s["requirement"]["ref_id"] == "A.6.2.4"
    )
    assert shot["controls"][0]["name"] == "Renamed"


def test_compare_lists_exactly_the_rows_changed(approved, officer, client_for, api_client_for):
    draft = services.soa_new_version(actor=officer, soa=approved)
    services.soa_row_update(
        actor=officer,
        row=draft.rows.get(requirement=annex("A.2.2")),
        justification="Required by contracts and by our own code of conduct.",
    )
    services.soa_row_update(
        actor=officer,
        row=draft.rows.get(requirement=annex("A.6.2.4")),
        implementation_status="partial",
    )
    added = RequirementFactory()
    services.soa_row_add(
        actor=officer,
        soa=draft,
        requirement=added,
        applicable=False,
        justification="Not relevant to us.",
    )
    changes = soa_compare(soa_row_snapshots(approved, officer), soa_row_snapshots(draft, officer))
    assert [(c.kind, c.ref_id, c.fields) for c in changes] == [
        ("changed", "A.2.2", ["justification"]),
        ("changed", "A.6.2.4", ["implementation_status"]),
        ("added", added.ref_id, []),
    ]
    # The other way round, the added row is removed.
    back = soa_compare(soa_row_snapshots(draft, officer), soa_row_snapshots(approved, officer))
    assert ("removed", added.ref_id) in [(c.kind, c.ref_id) for c in back]
    page = client_for(officer).get(
        reverse("soa_compare", args=[draft.pk]) + f"?with={approved.pk}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="change-') == 3
    assert 'data-testid="change-A.2.2"' in html and 'data-testid="change-A.2.3"' not in html
    api = api_client_for(officer).get(
        reverse("api:soa-compare", args=[draft.pk]), {"with": approved.pk}
    )
    assert api.status_code == 200
    assert [(c["kind"], c["ref_id"]) for c in api.json()["changes"]] == [
        ("changed", "A.2.2"),
        ("changed", "A.6.2.4"),
        ("added", added.ref_id),
    ]


def test_approving_the_next_version_supersedes_the_first(approved, officer):
    draft = services.soa_new_version(actor=officer, soa=approved)
    services.soa_submit(actor=officer, soa=draft)
    second = services.soa_approve(actor=make_approver(), soa=draft)
    approved.refresh_from_db()
    assert approved.status == ApprovalStatus.SUPERSEDED and second.status == "approved"
    assert all(row.frozen for row in second.rows.all())
