"""The API's own cost beside all of its SQL (issue 15, item 4): a first page asked through
Django's full request stack, beside every statement that request ran, replayed as captured on
a raw cursor of the same connection. The two are timed in turn, request then replay, so a
slower moment of the machine weighs on both; the ratio of their medians is what the
framework (middleware, authentication, DRF, the ORM's compiling, serialising, JSON) costs on
top of the database. Target: at most ``TARGET`` for the risk list."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable
from typing import Any

from bench.run import _time

#: The first page of the risk API within this many times all of its SQL replayed.
TARGET = 3.0
#: Requests (and replays) per case at least, whatever ``--repeat``: a few milliseconds each,
#: and at 20 the ratio of two medians moved by half a unit from run to run.
MIN_SAMPLES = 60

#: (name, who asks, URL, whether ``TARGET`` applies).
CASES = (
    ("Risk list API, first page (officer)", "officer", "/api/v1/risks/", True),
    ("Risk list API, first page (operator)", "operator", "/api/v1/risks/", False),
    ("Change log API, first page (officer)", "officer", "/api/v1/changes/", False),
    ("Control list API, first page (officer)", "officer", "/api/v1/controls/", False),
    ("Evidence list API, first page (officer)", "officer", "/api/v1/evidence/", False),
)


def captured(get: Callable[[], Any]) -> list[str]:
    """The statements one call of ``get`` runs, as sent (parameters in place)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        get()
    return [query["sql"] for query in queries.captured_queries]


def replay(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            if cursor.description is not None:
                cursor.fetchall()


def measure(get: Callable[[str, str], Callable[[], Any]], repeat: int, wanted: Any) -> list[Any]:
    """Each case's request and replay samples (ms), taken in turn after 3 warm-up rounds
    (``repeat`` of each, at least ``MIN_SAMPLES``)."""
    repeat = max(repeat, MIN_SAMPLES)
    rows = []
    for name, who, url, targeted in CASES:
        if not wanted(name):
            continue
        print(f"  measuring {name} beside its SQL replayed", flush=True)
        call = get(who, url)
        _time(call, 0)  # the warm-up rounds
        statements = captured(call)
        requests: list[float] = []
        replays: list[float] = []
        replayed = functools.partial(replay, statements)
        for _ in range(repeat):  # in turn, one of each
            requests += _time(call, 1, warmup=0)
            replays += _time(replayed, 1, warmup=0)
        rows.append(
            {
                "name": name,
                "statements": len(statements),
                "samples": requests,
                "replay": replays,
                "targeted": targeted,
            }
        )
    return rows


def render(results: list[dict[str, Any]]) -> list[str]:
    """The section of the results: per size, each request's p50 beside its SQL's."""
    if not any(result.get("replay") for result in results):
        return []
    lines = [
        "",
        "## The API's own cost beside all of its SQL",
        "",
        "Each first page through the full request stack, beside every statement it ran replayed "
        "on a raw cursor (timed in turn); the ratio is what the framework adds. Target for the "
        f"risk list: at most {TARGET:.0f}×.",
        "",
        "| request | size | statements | request p50 | its SQL p50 | ratio | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for row in result.get("replay", []):
            request, sql = statistics.median(row["samples"]), statistics.median(row["replay"])
            ratio = request / sql if sql else None
            missed = row["targeted"] and ratio is not None and ratio > TARGET
            lines.append(
                f"| {row['name']} | {result['size']}× | {row['statements']} | {request:.1f} | "
                f"{sql:.2f} | {'—' if ratio is None else f'{ratio:.2f}×'} | "
                f"{'✗ over ' + f'{TARGET:.0f}×' if missed else ''} |"
            )
    return lines
