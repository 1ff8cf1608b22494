"""``make bench`` at a tiny scale: the generator's data (its hash chain written by COPY), each
list's middle and last page by keys in raw SQL, the sizes it takes, and the table that flags
the targets missed (the real figures come from ``make bench`` on its own databases)."""

from __future__ import annotations

import argparse

import pytest
from django.core.management import call_command
from django.db import connection

from aims.changelog import verify_chain
from aims.models import ChangeRecord
from bench import lists, run
from bench.generate import Scale, generate


def test_sizes_are_whole_numbers_of_one_or_more():
    assert run._sizes("10,1") == [1, 10]
    assert run._sizes("1") == [1]
    for bad in ("", "0", "1,x", "-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            run._sizes(bad)
    with pytest.raises(SystemExit):
        run.main(["--sizes", "0,1"])
    with pytest.raises(SystemExit):
        run.main(["--repeat", "0"])


def test_each_size_has_a_database_of_its_own():
    assert run.database_name("aims_bench", 1) == "aims_bench"
    assert run.database_name("aims_bench", 10) == "aims_bench_10x"


def test_the_keyset_condition_follows_the_directions_of_the_keys():
    same = lists.ListCase("x", "u", "/x/", "t", (("title", False), ("id", False)))
    assert same.after(["a", 3]) == ("(title, id) > (%s, %s)", ["a", 3])
    assert same.order_by() == "title ASC, id ASC"
    assert same.order_by(reverse=True) == "title DESC, id DESC"
    mixed = lists.ListCase("x", "u", "/x/", "t", (("rank", True), ("id", False)))
    assert mixed.after([4, 9]) == ("(rank) <= (%s) AND ((rank) <> (%s) OR (id) > (%s))", [4, 4, 9])
    assert mixed.page_sql([4, 9]) == (
        "SELECT * FROM ((SELECT * FROM t WHERE (rank) < (%s) ORDER BY rank DESC, id ASC LIMIT 50)"
        " UNION ALL (SELECT * FROM t WHERE rank = %s AND (id) > (%s) ORDER BY rank DESC, id ASC "
        "LIMIT 50)) page ORDER BY rank DESC, id ASC LIMIT 50",
        [4, 4, 9],
    )
    assert same.page_sql(None, from_end=True) == (
        "SELECT * FROM t ORDER BY title DESC, id DESC LIMIT 50",
        [],
    )
    three = lists.ListCase("x", "u", "/x/", "t", (("a", True), ("b", True), ("id", False)))
    assert three.after([5, 4, 9]) == (
        "(a, b) <= (%s, %s) AND ((a, b) <> (%s, %s) OR (id) > (%s))",
        [5, 4, 5, 4, 9],
    )
    assert mixed.order_by(reverse=True) == "rank ASC, id DESC"


def _result(size, figures, mode="cursor"):
    """A size's result as ``one_size`` writes it: {(list, position): (p50 ms, rows)}."""
    return {
        "size": size,
        "data": {"risks": 50_000 * size},
        "generation_s": 1.0,
        "mode": mode,
        "lists": [
            {
                "name": name,
                "position": position,
                "rows": 10 * size,
                "samples": [ms] * 20,
                "raw": [1.0] * 20,
                "budget_ms": 150,
                "register": name.startswith("Register"),
                "error": None,
            }
            for (name, position), ms in figures.items()
        ],
        "others": [
            {"name": "Risk detail page", "samples": [20.0] * 20, "raw": None, "budget_ms": 100}
        ],
        "reference": [{"name": "count(*) of the risks", "raw": [2.0 * size] * 20}],
    }


def test_the_table_sets_the_sizes_side_by_side_and_flags_the_targets_missed():
    small = {
        ("Flat list", "first"): 40.0,
        ("Flat list", "middle"): 42.0,
        ("Flat list", "last"): 44.0,
        ("Register page (officer)", "first"): 80.0,
        ("Register page (officer)", "middle"): 90.0,
        ("Register page (officer)", "last"): 100.0,
    }
    large = {
        ("Flat list", "first"): 50.0,
        ("Flat list", "middle"): 52.0,
        ("Flat list", "last"): 55.0,
        ("Register page (officer)", "first"): 130.0,  # 1.6× the 1× first page
        ("Register page (officer)", "middle"): 150.0,  # p95 at the register's bound
        ("Register page (officer)", "last"): 400.0,  # 3× the first page
    }
    table = run.render([_result(1, small), _result(10, large)], repeat=20)
    rows = {
        " ".join(line.split(" | ")[:2]): line
        for line in table.splitlines()
        if line.count(" | ") > 2
    }
    assert "| list | page | rows | 1× p50 | 1× p95 | 10× p50 | 10× p95 | 10×/1× |" in table
    assert "| Flat list | first | 10 → 100 | 40.0 |" in table
    flat_last = rows["| Flat list last"]
    assert "| 44.0 | 44.0 | 55.0 | 55.0 | 1.25× | 1.10× | 1.00 | 1.00 |" in flat_last
    assert "✗" not in flat_last and "✗" not in rows["| Flat list first"]
    assert "✗ first page 1.6× at 10×" in rows["| Register page (officer) first"]
    assert "p95 150 ms at 10×" in rows["| Register page (officer) middle"]
    assert "last 3.1× first" in rows["| Register page (officer) last"]
    assert "Rows missing a target: 3." in table
    assert "| Risk detail page | 20.0 | 20.0 | — | 20.0 | 20.0 | — | 100 | yes |" in table
    assert "| count(*) of the risks | 2.00 | 20.00 |" in table


def test_one_size_has_no_ratio_between_sizes():
    table = run.render([_result(1, {("Flat list", "first"): 40.0})], repeat=20)
    assert "| list | page | rows | 1× p50 | 1× p95 | ÷ first | raw p50 1× |" in table
    assert "10×" not in table


def test_the_api_is_set_beside_its_sql_and_the_risk_list_over_3x_flagged():
    result = _result(1, {("Flat list", "first"): 40.0})
    replayed = [
        ("Risk list API, first page (officer)", 10.0, 2.5, True),  # 4×: over the target
        ("Change log API, first page (officer)", 10.0, 2.5, False),  # no target
    ]
    result["replay"] = [
        {"name": n, "statements": 7, "samples": [r] * 9, "replay": [q] * 9, "targeted": t}
        for n, r, q, t in replayed
    ]
    table = run.render([result], repeat=9)
    assert "## The API's own cost beside all of its SQL" in table
    assert "| Risk list API, first page (officer) | 1× | 7 | 10.0 | 2.50 | 4.00× | ✗ over 3× |" in (
        table
    )
    assert "| Change log API, first page (officer) | 1× | 7 | 10.0 | 2.50 | 4.00× |  |" in table
    assert "own cost" not in run.render([_result(1, {("Flat list", "first"): 40.0})], 9)


def test_the_replay_runs_the_statements_a_request_ran(officer, db):
    from django.test import Client

    from bench import replay

    client = Client()
    client.force_login(officer)
    statements = replay.captured(lambda: client.get("/api/v1/risks/"))
    assert any('FROM "risk_risk"' in statement for statement in statements)
    replay.replay(statements)  # as captured, parameters in place


@pytest.mark.django_db(transaction=True)
def test_the_generated_data_reads_by_keys_as_by_offset(monkeypatch):
    call_command("load_library", verbosity=0)
    data = generate(
        Scale(
            systems=60,
            risks=130,
            actions=10,
            assessments=70,
            changes=120,
            controls=60,
            evidence_versions=300,
            audits=3,
            findings=12,
            nonconformities=4,
        )
    )
    assert data["risks"] == 130 and data["change records"] == 120
    assert data["evidence"] == 60 and data["evidence versions"] == 300
    # The hash chain written by COPY holds, record by record.
    checked, broken = verify_chain()
    assert (checked, broken) == (120, None)
    assert ChangeRecord.objects.filter(record_hmac="").count() == 0
    # Each list's middle page read by its keys is the page OFFSET reads; the last page the
    # end of the list. Without cursors the pages are asked by number.
    monkeypatch.setattr(lists, "cursor_encoder", lambda: None)
    risks = next(case for case in lists.list_cases() if case.url.startswith("/api/v1/risks/"))
    by_number = lists.position_urls(risks, 130)
    assert by_number["middle"][0] == "/api/v1/risks/?page_size=50&page=2"
    assert by_number["last"][0] == "/api/v1/risks/?page_size=50&page=3"

    def encode(position, *, reverse=False):
        return f"{'-' if reverse else ''}{position}".replace(" ", "")

    monkeypatch.setattr(lists, "cursor_encoder", lambda: encode)
    for case in lists.list_cases():
        total = lists.count(case)
        assert total > 2, case.name
        positions = lists.position_urls(case, total)
        url, after, _from_end = positions["middle"]
        assert after == lists.keys_at(case, total // 2 - 1)
        assert url.endswith(("?", "&")[("?" in case.url)] + f"cursor={encode(after)}")
        assert positions["last"][0].endswith("cursor=-None")
        condition, params = case.after(after)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {case.table}{case.filtered(condition)} "
                f"ORDER BY {case.order_by()} LIMIT 50",
                params,
            )
            by_keys = [row[0] for row in cursor.fetchall()]
            cursor.execute(*case.page_sql(after))  # the same, by one seek per run of keys
            column = [d[0] for d in cursor.description].index("id")
            assert [row[column] for row in cursor.fetchall()] == by_keys, case.name
            cursor.execute(
                f"SELECT id FROM {case.table}{case.filtered()} ORDER BY {case.order_by()} "
                "OFFSET %s LIMIT 50",
                [total // 2],
            )
            assert by_keys == [row[0] for row in cursor.fetchall()], case.name
            cursor.execute(
                f"SELECT id FROM {case.table}{case.filtered()} "
                f"ORDER BY {case.order_by(reverse=True)} LIMIT 1"
            )
            last = cursor.fetchone()[0]
        lists.raw_page(case, after, False)()  # the related rows' SQL runs
        lists.raw_page(case, None, True)()
        assert last in _ids_of_last_page(case, total)


def _ids_of_last_page(case, total):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {case.table}{case.filtered()} ORDER BY {case.order_by()} OFFSET %s",
            [max(0, total - 50)],
        )
        return {row[0] for row in cursor.fetchall()}
