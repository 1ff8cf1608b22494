"""The register's heat maps: one matrix's maps (the default one unless switched), each cell a
link to the register filtered to exactly that cell; the default matrix per purpose, chosen
by the officer without a new version; overdue reviews marked in words."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from aims.models import ChangeRecord
from impact.services import impact_assessment_create
from risk.models import RiskMatrix
from risk.services.matrices import risk_matrix_make_default, risk_matrix_update
from risk.services.register import risk_create

CELLS = [  # title, inherent (l, i), residual (l, i)
    ("四-三 a", (4, 3), (2, 3)),
    ("四-三 b", (4, 3), (2, 2)),
    ("五-五", (5, 5), (2, 3)),
    ("一-一", (1, 1), (1, 1)),
]


@pytest.fixture
def risks(system, other_system, m5):
    made = []
    for n, (title, (il, ii), (rl, ri)) in enumerate(CELLS):
        made.append(
            risk_create(
                actor=None,
                title=title,
                ai_systems=[system if n != 1 else other_system],
                inherent_likelihood=il,
                inherent_impact=ii,
                residual_likelihood=rl,
                residual_impact=ri,
            )
        )
    return made


def titles(page_html: str) -> set[str]:
    return set(re.findall(r'<td class="title"><a href="[^"]+">([^<]+)</a>', page_html))


def cell(response, which, likelihood, impact):
    for row in response.context["heatmap"][which]:
        if row["likelihood"] == likelihood:
            return next(c for c in row["cells"] if c["impact"] == impact)
    raise AssertionError((which, likelihood, impact))


@pytest.mark.parametrize(
    ("which", "position", "expected"),
    [
        ("inherent", (4, 3), {"四-三 a", "四-三 b"}),
        ("inherent", (5, 5), {"五-五"}),
        ("residual", (2, 3), {"四-三 a", "五-五"}),
        ("residual", (3, 3), set()),
    ],
)
def test_a_heat_map_cell_links_to_the_register_filtered_to_that_cell(
    officer, client_for, risks, which, position, expected
):
    client = client_for(officer)
    response = client.get(reverse("risks"))
    target = cell(response, which, *position)
    assert target["count"] == len(expected)
    # The link is on the page (escaped as HTML), on the cell itself.
    assert f'href="{htmllib.escape(target["href"])}"' in response.content.decode()
    listed = client.get(reverse("risks") + target["href"])
    assert titles(listed.content.decode()) == expected
    assert listed.context["page"].paginator.count == len(expected)


def test_a_cell_link_keeps_the_other_filters_so_its_count_is_what_it_lists(
    officer, client_for, risks, system
):
    client = client_for(officer)
    response = client.get(reverse("risks"), {"ai_system": system.pk})
    target = cell(response, "inherent", 4, 3)
    assert target["count"] == 1  # "四-三 b" is of the other system
    assert f"ai_system={system.pk}" in target["href"]
    listed = client.get(reverse("risks") + target["href"])
    assert titles(listed.content.decode()) == {"四-三 a"}
    # Within the inherent cell, a residual cell narrows further (both cells kept).
    inner = cell(listed, "residual", 2, 3)
    assert inner["count"] == 1 and "inherent_likelihood=4" in inner["href"]
    page = client.get(reverse("risks") + inner["href"]).content.decode()
    assert titles(page) == {"四-三 a"}
    assert 'data-testid="cell-filter"' in page  # the page says it shows one cell


def test_filtering_again_keeps_the_heat_map_cell(officer, client_for, risks, m5):
    client = client_for(officer)
    target = cell(client.get(reverse("risks")), "inherent", 4, 3)
    page = client.get(reverse("risks") + target["href"]).content.decode()
    form = page[page.index('<form method="get" class="filters') :]
    form = form[: form.index("</form>")]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {"inherent_likelihood": "4", "inherent_impact": "3"}
    # Submitting the bar with a search keeps the cell: one of its two risks matches.
    again = client.get(reverse("risks"), {**hidden, "q": "四-三 a", "matrix": m5.pk})
    assert titles(again.content.decode()) == {"四-三 a"}


def test_the_api_filters_by_matrix_and_cell(officer, api_client_for, risks, m5, m3):
    risk_create(
        actor=None, title="3x3", matrix=m3, inherent_likelihood=3, inherent_impact=3
    )  # same positions would not be the same cell on another matrix
    client = api_client_for(officer)
    url = reverse("api:risk-list")
    body = client.get(url, {"matrix": m5.pk, "inherent_likelihood": 4, "inherent_impact": 3})
    assert {r["title"] for r in body.json()["results"]} == {"四-三 a", "四-三 b"}
    body = client.get(url, {"residual_likelihood": 2, "residual_impact": 3})
    assert {r["title"] for r in body.json()["results"]} == {"四-三 a", "五-五"}
    body = client.get(url, {"matrix": m3.pk})
    assert [r["title"] for r in body.json()["results"]] == ["3x3"]
    assert client.get(url, {"inherent_likelihood": "x"}).status_code == 400
    assert client.get(url, {"residual_impact": 2**40}).status_code == 400  # not a 500


def test_the_register_maps_the_default_matrix_only_and_switches(officer, client_for, risks, m5, m3):
    risk_create(actor=None, title="三行", matrix=m3, inherent_likelihood=3, inherent_impact=3)
    client = client_for(officer)
    response = client.get(reverse("risks"))
    page = response.content.decode()
    assert page.count('class="heatmap"') == 2  # one pair, not one per matrix
    assert response.context["heatmap"]["matrix"] == m5
    assert "三行" in page  # the other matrix's risks are listed
    switch = response.context["other_heatmaps"]
    assert [(o["matrix"], o["total"]) for o in switch] == [(m3, 1)]
    assert htmllib.escape(switch[0]["href"]) in page
    switched = client.get(reverse("risks") + switch[0]["href"])
    assert switched.context["heatmap"]["matrix"] == m3
    assert switched.context["page"].paginator.count == 5  # the rows are not filtered
    # The officer makes the 3×3 matrix the default: the register follows.
    risk_matrix_make_default(actor=officer, matrix=m3, purpose="risk")
    assert client.get(reverse("risks")).context["heatmap"]["matrix"] == m3


def test_the_default_matrix_is_mapped_even_when_no_filtered_risk_uses_it(
    officer, client_for, m5, m3
):
    risk_create(actor=None, title="三行", matrix=m3, inherent_likelihood=3, inherent_impact=3)
    response = client_for(officer).get(reverse("risks"))
    assert response.context["heatmap"]["matrix"] == m5
    assert response.context["heatmap"]["total"] == 0
    assert response.context["page"].paginator.count == 1


def test_making_a_matrix_the_default_moves_the_flag_with_change_records(officer, m5, m3):
    assert m5.is_default and m3.is_impact_default and not m5.is_impact_default
    before = ChangeRecord.objects.count()
    risk_matrix_make_default(actor=officer, matrix=m5, purpose="impact")
    m3.refresh_from_db()
    m5.refresh_from_db()
    assert m5.is_impact_default and not m3.is_impact_default and m5.is_default
    records = ChangeRecord.objects.order_by("-id")[: ChangeRecord.objects.count() - before]
    assert {r.object_id for r in records} == {str(m3.pk), str(m5.pk)}
    assert all(r.actor == officer for r in records)
    with pytest.raises(Exception, match="purpose"):
        risk_matrix_make_default(actor=officer, matrix=m5, purpose="audit")


def test_at_most_one_default_per_purpose_in_the_database(m5, m3):
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskMatrix.objects.filter(pk=m5.pk).update(is_impact_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskMatrix.objects.filter(pk=m3.pk).update(is_default=True)


def test_choosing_the_default_of_a_matrix_in_use_makes_no_new_version(officer, system, m3):
    risk_create(actor=None, title="使用中", matrix=m3, inherent_likelihood=1, inherent_impact=1)
    same = risk_matrix_update(actor=officer, matrix=m3, is_default=True)
    assert same.pk == m3.pk and same.version == 1 and same.is_default
    assert RiskMatrix.objects.filter(code="3x3").count() == 1
    assert RiskMatrix.objects.filter(is_default=True).get() == m3


def test_the_api_sets_the_impact_default(officer, operator, api_client_for, m5, m3):
    url = reverse("api:risk-matrix-detail", args=[m5.pk])
    refused = api_client_for(operator).patch(url, {"is_impact_default": True}, format="json")
    assert refused.status_code == 403
    response = api_client_for(officer).patch(url, {"is_impact_default": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_impact_default"] is True and response.json()["id"] == m5.pk
    listed = api_client_for(officer).get(
        reverse("api:risk-matrix-list"), {"is_impact_default": "true"}
    )
    assert [m["id"] for m in listed.json()["results"]] == [m5.pk]


def test_the_officer_chooses_the_default_on_the_matrix_page(officer, operator, client_for, m3):
    url = reverse("risk_matrix_default", args=[m3.pk])
    assert client_for(operator).post(url, {"purpose": "risk"}).status_code in (403, 404)
    page = (
        client_for(officer)
        .get(reverse("risk_matrix", args=[m3.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert url in page and "Make it the default for risks" in page
    response = client_for(officer).post(url, {"purpose": "risk"})
    assert response.status_code == 302
    m3.refresh_from_db()
    assert m3.is_default


def test_new_risks_and_assessments_preselect_their_default(officer, client_for, system, m5, m3):
    risk_matrix_make_default(actor=officer, matrix=m3, purpose="risk")
    risk_matrix_make_default(actor=officer, matrix=m5, purpose="impact")
    form = client_for(officer).get(reverse("risk_create")).context["form"]
    assert form.initial["matrix"] == m3
    assert (
        risk_create(actor=officer, title="x", inherent_likelihood=1, inherent_impact=1).matrix == m3
    )
    assessment = impact_assessment_create(
        actor=officer, ai_system=system, intended_use="需要予測", severity=2, likelihood=2
    )
    assert assessment.matrix == m5
    page = client_for(officer).get(reverse("impact_assessment_create"), {"ai_system": system.pk})
    assert page.context["form"]["matrix"].value() in (m5.pk, m5)


def test_an_overdue_review_is_marked_in_words(officer, client_for, system, m5):
    today = timezone.localdate()
    late = risk_create(
        actor=None,
        title="遅れ",
        ai_systems=[system],
        inherent_likelihood=1,
        inherent_impact=1,
        next_review_on=today - timedelta(days=1),
    )
    risk_create(
        actor=None,
        title="予定どおり",
        ai_systems=[system],
        inherent_likelihood=1,
        inherent_impact=1,
        next_review_on=today,
    )
    page = client_for(officer).get(reverse("risks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = {
        title: row
        for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
        for title in ("遅れ", "予定どおり")
        if f">{title}</a>" in row
    }
    assert 'class="overdue"' in rows["遅れ"] and "Review overdue" in rows["遅れ"]
    assert late.code in rows["遅れ"]
    assert "overdue" not in rows["予定どおり"].lower()


def test_ids_badges_and_dates_of_the_register_do_not_wrap(officer, client_for, system, m5):
    risk_create(
        actor=None,
        title="非常に高いリスク",
        ai_systems=[system],
        inherent_likelihood=5,
        inherent_impact=5,
    )
    client = client_for(officer)
    page = client.get(reverse("risks")).content.decode()
    assert 'href="/static/css/risk.css"' in page or "css/risk.css" in page
    row = re.search(r"<tr>\s*<td class=\"nw\"><a[^>]*>R-\d+</a>.*?</tr>", page, re.S)
    assert row is not None
    assert len(re.findall(r'<td class="nw[ "]', row.group(0))) == 5  # no., 2 levels, status, date
    css = Path(finders.find("css/risk.css")).read_text(encoding="utf-8")
    assert ".risk-register .nw, .risk-register .badge { white-space: nowrap; }" in css


def test_a_new_matrix_made_default_takes_the_flag_with_a_change_record(officer, m3):
    from django.contrib.contenttypes.models import ContentType

    from risk.services.matrices import risk_matrix_create

    created = risk_matrix_create(
        actor=officer,
        code="own",
        name_en="Own",
        name_ja="独自",
        likelihood_levels=m3.likelihood_levels,
        impact_levels=m3.impact_levels,
        levels=m3.levels,
        grid=m3.grid,
        is_impact_default=True,
    )
    m3.refresh_from_db()
    assert created.is_impact_default and not m3.is_impact_default
    record = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(RiskMatrix), object_id=str(m3.pk)
    ).latest("id")
    assert record.before["is_impact_default"] is True and record.after["is_impact_default"] is False


def test_a_new_version_made_the_default_takes_the_flag_from_the_other(officer, m5, m3):
    risk_create(actor=None, title="使用中", matrix=m3, inherent_likelihood=1, inherent_impact=1)
    successor = risk_matrix_update(
        actor=officer, matrix=m3, name_en="Three by three (revised)", is_default=True
    )
    assert successor.pk != m3.pk and successor.version == 2 and successor.is_default
    m5.refresh_from_db()
    assert not m5.is_default
    assert RiskMatrix.objects.filter(is_default=True).get() == successor


def test_only_the_current_version_becomes_the_default_and_a_default_stays_as_it_is(officer, m5, m3):
    risk_create(actor=None, title="使用中", matrix=m3, inherent_likelihood=1, inherent_impact=1)
    risk_matrix_update(actor=officer, matrix=m3, name_en="Three by three (revised)")
    old = RiskMatrix.objects.get(pk=m3.pk)
    assert not old.is_current
    before = ChangeRecord.objects.count()
    with pytest.raises(ValidationError, match="current version"):
        risk_matrix_make_default(actor=officer, matrix=old, purpose="risk")
    assert ChangeRecord.objects.count() == before
    # The default already: returned as it is, nothing written.
    same = risk_matrix_make_default(actor=officer, matrix=m5, purpose="risk")
    assert same == m5 and same.is_default and ChangeRecord.objects.count() == before
    moved = risk_matrix_make_default(
        actor=officer, matrix=RiskMatrix.objects.get(code="3x3", is_current=True), purpose="risk"
    )
    assert moved.is_default and moved.code == "3x3"
