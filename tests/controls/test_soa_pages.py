"""The SoA pages: the working version grouped by Annex A group with its filters and checks,
a row's page and form, adding a control of another source, waiving, the workflow buttons,
and a number of queries that does not grow with the rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aims.choices import ApprovalStatus
from controls.models import ApplicabilityStatement, SoaCheckWaiver, StatementOfApplicability
from controls.services import soa as services
from tests.factories import RequirementFactory
from tests.factories.documents import make_approver
from tests.factories.soa import SoaFactory, annex, decide_all, make_control, make_evidence

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def soa(db, officer):
    version = SoaFactory(library=True, actor=officer)
    decide_all(version, actor=officer)
    services.soa_row_update(
        actor=officer,
        row=version.rows.get(requirement=annex("A.2.2")),
        applicable=True,
        justification_type="legal",
        justification="Customers' contracts ask for it.",
        owner=officer,
    )
    return version


def test_no_soa_yet(db, officer, client_for):
    page = client_for(officer).get(reverse("soa"), **EN)
    assert page.status_code == 200 and 'data-testid="soa-none"' in page.content.decode()


def test_the_working_version_grouped_with_its_checks(soa, officer, client_for):
    page = client_for(officer).get(reverse("soa"), **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="row-A.') == 38
    assert html.index("A.2 ") < html.index("A.6 ") < html.index("A.10 ")
    row = soa.rows.get(requirement=annex("A.2.2"))
    # The checks panel names the row and links to it.
    assert 'data-testid="check-no_implementing_control-A.2.2"' in html
    assert reverse("soa_row", args=[row.pk]) in html
    assert "Customers&#x27; contracts ask for it." in html
    assert 'action="' + reverse("soa_waive", args=[soa.pk]) in html
    assert "Submit for review" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("applicable=yes", 1),
        ("applicable=no", 37),
        ("check=any", 1),
        ("check=no_valid_evidence", 0),
        ("justification_type=legal", 1),
        ("implementation_status=not_implemented", 38),
        ("owner={officer}", 1),
    ],
)
def test_filters(soa, officer, client_for, query, expected):
    url = reverse("soa") + "?" + query.format(officer=officer.pk)
    html = client_for(officer).get(url, **EN).content.decode()
    assert html.count('data-testid="row-') == expected


def test_a_bad_filter_value_says_so_and_shows_every_row(soa, officer, client_for):
    page = client_for(officer).get(reverse("soa") + "?applicable=maybe", **EN)
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="row-') == 38
    assert "Select a valid choice" in html


def test_the_page_reads_a_constant_number_of_queries(
    soa, officer, client_for, django_assert_max_num_queries
):
    client = client_for(officer)
    first = make_control("CTL-800")
    services.soa_row_update(
        actor=officer,
        row=soa.rows.get(requirement=annex("A.2.2")),
        controls=[first],
        evidence=[make_evidence("First evidence", controls=[first])],
    )
    client.get(reverse("soa"))  # warm the caches (content types, session)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse("soa")).status_code == 200
    for n in range(30):
        control = make_control(f"CTL-9{n:02d}")
        evidence = make_evidence(f"Evidence {n}", controls=[control])
        services.soa_row_add(
            actor=officer,
            soa=soa,
            requirement=RequirementFactory(),
            applicable=True,
            justification_type="good_practice",
            justification="Adopted.",
            implementation_status="implemented",
            controls=[control],
            evidence=[evidence],
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("soa"))
    assert page.content.decode().count('data-testid="row-') == 68


def test_edit_a_row(soa, officer, client_for):
    row = soa.rows.get(requirement=annex("A.6.2.4"))
    control = make_control("CTL-940", name="Release evaluation")
    url = reverse("soa_row", args=[row.pk])
    client = client_for(officer)
    assert client.get(url, **EN).status_code == 200
    response = client.post(
        url,
        {
            "applicable": "yes",
            "justification_type": "good_practice",
            "justification": "Models are evaluated before release.",
            "implementation_status": "partial",
            "controls": [control.pk],
            "owner": officer.pk,
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.applicable is True and list(row.controls.all()) == [control]
    page = client.get(url, **EN).content.decode()
    assert "Release evaluation" in page


def test_exclusion_without_justification_on_the_page(soa, officer, client_for):
    row = soa.rows.get(requirement=annex("A.2.2"))
    response = client_for(officer).post(
        reverse("soa_row", args=[row.pk]),
        {"applicable": "no", "justification": "", "implementation_status": "not_implemented"},
        **EN,
    )
    assert response.status_code == 400
    assert "an exclusion needs a justification" in response.content.decode()
    row.refresh_from_db()
    assert row.applicable is True


def test_an_approved_version_shows_no_form_and_refuses_edits(db, officer, client_for):
    version = SoaFactory(library=True, state="approved", actor=officer)
    row = version.rows.get(requirement=annex("A.2.2"))
    client = client_for(officer)
    page = client.get(reverse("soa_row", args=[row.pk]), **EN).content.decode()
    assert '<form method="post" class="card narrow"' not in page
    response = client.post(
        reverse("soa_row", args=[row.pk]),
        {"applicable": "yes", "justification": "x", "implementation_status": "partial"},
        follow=True,
        **EN,
    )
    assert "approved and frozen" in response.content.decode()
    row.refresh_from_db()
    assert row.applicable is False


def test_add_and_remove_a_control_of_another_source(soa, officer, client_for):
    other = RequirementFactory()
    client = client_for(officer)
    url = reverse("soa_row_create", args=[soa.pk])
    assert client.get(url, **EN).status_code == 200
    data = {
        "requirement": other.pk,
        "applicable": "yes",
        "justification_type": "legal",
        "justification": "Contract.",
        "implementation_status": "not_implemented",
    }
    assert client.post(url, data).status_code == 302
    row = soa.rows.get(requirement=other)
    # The same requirement again is no choice any more.
    assert client.post(url, data, **EN).status_code == 400
    response = client.post(reverse("soa_row", args=[row.pk]), {"remove": "1"})
    assert response.status_code == 302
    assert not soa.rows.filter(requirement=other).exists()
    annex_row = soa.rows.get(requirement=annex("A.2.2"))
    client.post(reverse("soa_row", args=[annex_row.pk]), {"remove": "1"})
    assert ApplicabilityStatement.objects.filter(pk=annex_row.pk).exists()


def test_waive_and_unwaive_on_the_page(soa, officer, client_for):
    client = client_for(officer)
    requirement = annex("A.2.2")
    response = client.post(
        reverse("soa_waive", args=[soa.pk]),
        {"requirement": requirement.pk, "check_code": "no_implementing_control", "reason": ""},
    )
    assert response.status_code == 302 and not SoaCheckWaiver.objects.exists()
    client.post(
        reverse("soa_waive", args=[soa.pk]),
        {
            "requirement": requirement.pk,
            "check_code": "no_implementing_control",
            "reason": "The policy is the measure.",
        },
    )
    assert SoaCheckWaiver.objects.get().reason == "The policy is the measure."
    html = client.get(reverse("soa"), **EN).content.decode()
    assert "Withdraw the waiver" in html
    client.post(
        reverse("soa_unwaive", args=[soa.pk]),
        {"requirement": requirement.pk, "check_code": "no_implementing_control"},
    )
    assert not SoaCheckWaiver.objects.exists()


def test_workflow_buttons_and_approval_by_the_author_refused(soa, officer, client_for):
    client = client_for(officer)
    services.soa_check_waive(
        actor=officer,
        soa=soa,
        requirement=annex("A.2.2"),
        check_code="no_implementing_control",
        reason="Policy.",
    )
    assert client.post(reverse("soa_submit", args=[soa.pk])).status_code == 302
    soa.refresh_from_db()
    assert soa.status == ApprovalStatus.IN_REVIEW
    response = client.post(reverse("soa_approve", args=[soa.pk]), follow=True, **EN)
    assert "Nobody approves their own work" in response.content.decode()
    soa.refresh_from_db()
    assert soa.status == ApprovalStatus.IN_REVIEW
    executive = make_approver()
    page = client_for(executive).get(reverse("soa_version", args=[soa.pk]), **EN)
    assert "Approve" in page.content.decode()
    client_for(executive).post(reverse("soa_approve", args=[soa.pk]))
    soa.refresh_from_db()
    assert soa.status == ApprovalStatus.APPROVED
    html = client.get(reverse("soa"), **EN).content.decode()
    assert 'data-testid="soa-frozen"' in html and "Start a new version" in html
    client.post(reverse("soa_new_version", args=[soa.pk]))
    assert StatementOfApplicability.objects.filter(number=2, status="draft").exists()


def test_history_and_versions_on_the_page(soa, officer, client_for):
    html = client_for(officer).get(reverse("soa_version", args=[soa.pk]), **EN).content.decode()
    assert 'data-testid="soa-versions"' in html and "History" in html


def test_an_operator_reads_but_cannot_edit(soa, operator, client_for):
    client = client_for(operator)
    assert client.get(reverse("soa"), **EN).status_code == 200
    row = soa.rows.get(requirement=annex("A.2.2"))
    response = client.post(
        reverse("soa_row", args=[row.pk]),
        {"applicable": "no", "justification": "x", "implementation_status": "not_implemented"},
    )
    assert response.status_code == 403


def test_the_row_form_offers_the_evidence_of_its_controls_only(soa, officer, client_for):
    row = soa.rows.get(requirement=annex("A.6.2.4"))
    control = make_control("CTL-941", requirements=[annex("A.6.2.4")])
    near = make_evidence("Evaluation of release 3", controls=[control])
    far = make_evidence("Unrelated minutes")
    page = client_for(officer).get(reverse("soa_row", args=[row.pk]), **EN)
    choices = list(page.context["form"].fields["evidence"].queryset)
    assert choices == [near] and far not in choices
    response = client_for(officer).post(
        reverse("soa_row", args=[row.pk]),
        {
            "applicable": "no",
            "justification": "x",
            "implementation_status": "not_implemented",
            "evidence": [far.pk],
        },
        **EN,
    )
    assert response.status_code == 400
    assert not row.evidence.exists()
