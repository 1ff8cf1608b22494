"""The register's kept counts: exact after every kind of write (services, bulk inserts, queryset
updates and deletes, truncation), checked and rebuilt by ``manage.py risk_counts``, and read by
the register's heat maps and the dashboard only when they answer exactly what the user sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims.scope import restrict
from risk import dashboard, selectors
from risk.choices import RiskStatus, TreatmentOption
from risk.counts import kept_counts_drift
from risk.levels import level_of
from risk.models import Risk, RiskCellCount, RiskReviewCount
from risk.services.acceptance import risk_accept
from risk.services.register import risk_create, risk_update

CELL = ("matrix_id", "inherent_likelihood", "inherent_impact")


def live_cells() -> dict[tuple, int]:
    """Counts per cell key aggregated from the risks themselves."""
    rows = Risk.objects.order_by().values_list(*CELL, "status", "treatment_option")
    found: dict[tuple, int] = {}
    for row in rows:
        found[row] = found.get(row, 0) + 1
    return found


def kept_cells() -> dict[tuple, int]:
    found: dict[tuple, int] = {}
    for *key, count in RiskCellCount.objects.values_list(
        *CELL, "status", "treatment_option", "count"
    ):
        found[tuple(key)] = found.get(tuple(key), 0) + count
    return found


def assert_exact() -> None:
    drift = kept_counts_drift()
    assert drift.rows == ()
    assert kept_cells() == live_cells()
    assert not RiskCellCount.objects.filter(count=0).exists()  # emptied cells are removed
    assert not RiskReviewCount.objects.filter(count=0).exists()


def new_risk(system, **fields):
    fields.setdefault("inherent_likelihood", 3)
    fields.setdefault("inherent_impact", 3)
    return risk_create(actor=None, title="リスク", ai_systems=[system], **fields)


def test_counts_follow_every_write_path(system, m5, m3):
    assert RiskCellCount.objects.count() == 0
    first = new_risk(system, residual_likelihood=2, residual_impact=2)
    second = new_risk(system)
    assert RiskCellCount.objects.get(residual_likelihood=2).count == 1
    assert RiskCellCount.objects.get(residual_likelihood=3).count == 1
    assert_exact()
    # Through the services: positions, status, treatment option, matrix.
    risk_update(actor=None, risk=first, inherent_likelihood=5, inherent_impact=4)
    risk_update(actor=None, risk=second, treatment_option=TreatmentOption.AVOID)
    risk_update(actor=None, risk=second, status=RiskStatus.IN_TREATMENT)
    assert_exact()
    risk_update(
        actor=None,
        risk=first,
        matrix=m3,
        inherent_likelihood=3,
        inherent_impact=3,
        residual_likelihood=1,
        residual_impact=1,
    )
    assert set(RiskCellCount.objects.values_list("matrix_id", flat=True)) == {m3.pk, m5.pk}
    assert_exact()
    # A change of nothing counted (the title) leaves the counts as they were.
    before = list(RiskCellCount.objects.order_by("pk").values_list("pk", "count"))
    risk_update(actor=None, risk=second, title="新しい題名")
    assert list(RiskCellCount.objects.order_by("pk").values_list("pk", "count")) == before
    # A bulk insert of many risks in one statement (as the benchmark generator writes them).
    rows = []
    for n in range(300):
        il, ii, rl, ri = 1 + n % 5, 1 + n % 3, 1 + n % 2, 1
        inherent, residual = level_of(m5, il, ii), level_of(m5, rl, ri)
        rows.append(
            Risk(
                title=f"一括 {n}",
                matrix=m5,
                inherent_likelihood=il,
                inherent_impact=ii,
                inherent_level=inherent[0],
                inherent_rank=inherent[1],
                residual_likelihood=rl,
                residual_impact=ri,
                residual_level=residual[0],
                residual_rank=residual[1],
                status=[RiskStatus.OPEN, RiskStatus.ACCEPTED][n % 2],
                next_review_on=timezone.localdate() + timedelta(days=n % 7 - 3),
            )
        )
    Risk.objects.bulk_create(rows)
    assert RiskCellCount.objects.aggregate(n=Sum("count"))["n"] == 302
    assert_exact()
    # Queryset updates and deletes of many rows at once.
    Risk.objects.filter(title__startswith="一括", inherent_likelihood=1).update(
        status=RiskStatus.CLOSED, closed_reason="済"
    )
    Risk.objects.filter(title__startswith="一括").update(next_review_on=F("next_review_on") + 1)
    assert_exact()
    Risk.objects.filter(title__startswith="一括", inherent_impact=2).delete()
    assert_exact()
    first.delete()
    assert_exact()
    Risk.objects.all().delete()
    assert RiskCellCount.objects.count() == 0 and RiskReviewCount.objects.count() == 0


def test_review_days_count_the_risks_with_a_review_date(system, m5):
    today = timezone.localdate()
    new_risk(system, next_review_on=today - timedelta(days=1))
    new_risk(system, next_review_on=today - timedelta(days=1))
    new_risk(system)  # no review date: not counted per day
    kept = RiskReviewCount.objects.get()
    assert (kept.next_review_on, kept.status, kept.count) == (
        today - timedelta(days=1),
        RiskStatus.OPEN,
        2,
    )
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_truncating_the_risks_empties_the_counts(system, m5):
    new_risk(system, next_review_on=timezone.localdate())
    assert RiskCellCount.objects.exists() and RiskReviewCount.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE risk_risk CASCADE")
    assert not RiskCellCount.objects.exists() and not RiskReviewCount.objects.exists()


def test_a_count_out_of_step_stays_visible_to_the_check(system, m5):
    risk = new_risk(system)
    # Counts written by hand (never by the application) go out of step: the delete that
    # follows leaves a negative count, which the check names, and a rebuild repairs.
    RiskCellCount.objects.all().delete()
    risk.delete()
    kept = RiskCellCount.objects.get()
    assert kept.count == -1
    drift = kept_counts_drift()
    assert [(table, count, actual) for table, _key, count, actual in drift.rows] == [
        ("risk_riskcellcount", -1, 0)
    ]
    call_command("risk_counts", "--rebuild")
    assert_exact()


def test_the_command_checks_and_rebuilds_the_counts(system, m5, capsys):
    new_risk(system, next_review_on=timezone.localdate())
    new_risk(system, inherent_likelihood=5)
    call_command("risk_counts")
    assert "equal the risks" in capsys.readouterr().out
    RiskCellCount.objects.filter(inherent_likelihood=5).update(count=F("count") + 4)
    RiskReviewCount.objects.all().delete()
    with pytest.raises(CommandError, match="2 rows of the kept risk counts differ"):
        call_command("risk_counts")
    assert "kept 5, risks 1" in capsys.readouterr().err
    call_command("risk_counts", "--rebuild")
    out = capsys.readouterr().out
    assert "rebuilt: 3 rows" in out and "equal the risks" in out
    assert_exact()


# --- Reading them --------------------------------------------------------------------------
@pytest.fixture
def register(system, other_system, m5, m3):
    today = timezone.localdate()
    return [
        new_risk(
            system,
            inherent_likelihood=4,
            inherent_impact=3,
            residual_likelihood=2,
            residual_impact=3,
            next_review_on=today - timedelta(days=2),
        ),
        new_risk(
            other_system,
            inherent_likelihood=5,
            inherent_impact=5,
            treatment_option=TreatmentOption.AVOID,
        ),
        new_risk(
            system,
            inherent_likelihood=1,
            inherent_impact=1,
            status=RiskStatus.CLOSED,
            closed_reason="済",
            next_review_on=today - timedelta(days=2),
        ),
        new_risk(
            system,
            matrix=m3,
            inherent_likelihood=3,
            inherent_impact=3,
            next_review_on=today + timedelta(days=3),
        ),
        new_risk(
            other_system,
            inherent_likelihood=5,
            inherent_impact=4,
            next_review_on=today - timedelta(days=400),
        ),
    ]


def heat(maps):
    return {
        (m["matrix"].pk, which, row["likelihood"], cell["impact"]): cell["count"]
        for m in maps
        for which in ("inherent", "residual")
        for row in m[which]
        for cell in row["cells"]
    } | {("total", m["matrix"].pk): m["total"] for m in maps}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": ["open", "in_treatment"]},
        {"treatment_option": ["avoid"]},
        {"residual_level": ["high", "very_high"], "status": ["open"]},
        {"above_criteria": "true"},
        {"above_criteria": "false"},
        {"inherent_likelihood": "5", "inherent_impact": "5"},
        {"sort": "title"},
        {"residual_likelihood": "99"},  # invalid: the register lists every risk
    ],
)
def test_the_register_reads_the_kept_counts_for_who_sees_every_risk(
    officer, client_for, register, query
):
    client = client_for(officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("risks"), query)
    assert response.status_code == 200
    aggregates = [
        q["sql"] for q in queries if 'FROM "risk_risk"' in q["sql"] and "GROUP BY" in q["sql"]
    ]
    assert aggregates == []  # the register was not aggregated
    assert any('FROM "risk_riskcellcount"' in q["sql"] for q in queries)
    # The same maps as an aggregate of the rows the page lists.
    filters = response.context["filters"]
    listed = filters.qs if filters.is_valid() else Risk.objects.all()
    always = None if query.get("matrix") else selectors.risk_matrix_default()
    expected = {m["matrix"].pk: m for m in selectors.risk_heatmaps(listed, always=always)}
    shown = response.context["heatmap"]
    assert heat([shown]) == heat([expected[shown["matrix"].pk]])
    others = {o["matrix"].pk: o["total"] for o in response.context["other_heatmaps"]}
    assert others == {pk: m["total"] for pk, m in expected.items() if pk != shown["matrix"].pk}
    assert response.context["page"].paginator.count == listed.count()


@pytest.mark.parametrize(
    "query", [{"q": "リスク"}, {"ai_system": "system"}, {"review_overdue": "true"}]
)
def test_a_filter_the_counts_do_not_hold_aggregates_the_rows(
    officer, client_for, register, system, query
):
    if query.get("ai_system"):
        query = {"ai_system": system.pk}
    response = client_for(officer).get(reverse("risks"), query)
    listed = response.context["filters"].qs
    assert response.context["page"].paginator.count == listed.count()
    assert heat([response.context["heatmap"]]) == heat(
        [
            m
            for m in selectors.risk_heatmaps(listed)
            if m["matrix"] == response.context["heatmap"]["matrix"]
        ]
    )


def test_who_sees_part_of_the_register_gets_their_part_aggregated(
    operator, granted, client_for, register
):
    assert selectors.risk_cell_counts(operator) is None
    with CaptureQueriesContext(connection) as queries:
        response = client_for(operator).get(reverse("risks"))
    assert not any('"risk_riskcellcount"' in q["sql"] for q in queries)
    mine = restrict(Risk.objects.all(), operator)
    assert response.context["page"].paginator.count == mine.count() == 3
    assert (
        response.context["heatmap"]["total"]
        == mine.filter(matrix=response.context["heatmap"]["matrix"]).count()
    )


def test_dashboard_figures_from_the_kept_counts_equal_the_aggregate(
    officer, executive, register, monkeypatch
):
    # An acceptance expiring within 30 days, and one far away.
    for risk, days in ((register[0], 10), (register[1], 200)):
        risk_accept(
            actor=executive,
            risk=risk,
            rationale="許容",
            expires_on=timezone.localdate() + timedelta(days=days),
        )
    with CaptureQueriesContext(connection) as queries:
        kept = dashboard._risk_counts(officer)
    assert not any('FROM "risk_risk"' in q["sql"] and "GROUP BY" in q["sql"] for q in queries)
    # Every figure in one query of the kept counts (the dated ones as its subqueries).
    assert sum('FROM "risk_riskcellcount"' in q["sql"] for q in queries) == 1
    monkeypatch.setattr(selectors, "risk_cell_counts", lambda user, filters=None: None)
    aggregated = dashboard._risk_counts(officer)
    assert kept == aggregated
    assert (kept["total"], kept["overdue"], kept["expiring"]) == (5, 2, 1)


def test_dashboard_figures_of_an_empty_register(officer, m5):
    counts = dashboard._risk_counts(officer)
    assert counts["total"] == counts["overdue"] == counts["expiring"] == 0
    assert counts["last_change"] is None


def test_the_dated_figures_read_indexes_not_the_risk_table(officer, register):
    """With sequential scans priced out, a plan that still scans the risk table would have no
    index to use: the last change and the acceptances expiring read index ranges."""
    from risk.selectors import acceptances_expiring

    newest = Risk.objects.order_by("-updated_at", "-id").values("updated_at")[:1]
    expiring = acceptances_expiring().filter(risk__status=RiskStatus.ACCEPTED)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for rows in (newest, expiring):
            plan = rows.explain()
            assert "Seq Scan on risk_risk" not in plan
            assert "Seq Scan on risk_riskacceptance" not in plan
        assert "risk_updated_order" in newest.explain()
