"""The benchmark of DESIGN §10: ``make bench`` (or ``python -m bench.run``).

Measures each size (``--sizes``; by default the DESIGN §10 scale and 10×) in a database of its
own (``aims_bench``, ``aims_bench_10x`` on the configured PostgreSQL server, or on the embedded
one) and in a process of its own: fills the database once (``bench.generate``), then measures
p50 and p95 of pages and API calls through Django's full request stack (middleware, session,
permissions, templates) in one process, on one core: every list at its first, middle and last
page (``bench.lists``), the other pages and calls, each beside the time the same rows take
through raw SQL, and the time to render the 1,000-risk register PDF. Prints the sizes side by
side, marks the targets missed, and writes the tables to ``bench/results/latest.md`` (or
``--output``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _bench_database_url(name: str) -> str:
    """The URL of the benchmark's database on the same server as the configured one (created
    if missing), so the benchmark never writes into the application's database."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL")
    if not url:
        from aims.embedded import ensure_postgres
        from aims.env import read_env_file

        var_dir = Path(
            os.environ.get("AIMS_VAR_DIR")
            or read_env_file(ROOT / "var" / "dev.env").get("AIMS_VAR_DIR")
            or ROOT / "var"
        )
        url = ensure_postgres(var_dir)
    parts = urlsplit(url)
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    import psycopg2
    from psycopg2 import sql

    from aims.env import database_from_url

    server = database_from_url(urlunsplit(parts._replace(path="/postgres")))
    connection = psycopg2.connect(
        dbname="postgres",
        user=server["USER"],
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
    return bench_url


@dataclass
class Row:
    name: str
    samples: list[float]
    raw: list[float] | None
    budget_ms: float

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def raw_p50(self) -> float | None:
        return statistics.median(self.raw) if self.raw else None


def _time(call: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers of 1 or more: {text!r}")
    return sizes


def database_name(base: str, size: int) -> str:
    """The database of one size: ``base`` at the DESIGN §10 scale, ``base_10x`` at 10×."""
    return base if size == 1 else f"{base}_{size}x"


COUNTS = (
    "systems",
    "risks",
    "actions",
    "assessments",
    "changes",
    "controls",
    "evidence_versions",
    "audits",
    "findings",
    "nonconformities",
)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[1, 10],
        metavar="N[,N…]",
        help="the scales to measure, as multiples of DESIGN §10's (default 1,10: 50,000 and "
        "500,000 risks); each has its own database",
    )
    parser.add_argument(
        "--database",
        default="aims_bench",
        help="the database of the 1× scale; another size N uses DATABASE_Nx",
    )
    parser.add_argument("--systems", type=int, default=2_000)
    parser.add_argument("--risks", type=int, default=50_000)
    parser.add_argument("--actions", type=int, default=20_000)
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=500_000)
    parser.add_argument("--controls", type=int, default=2_000)
    parser.add_argument("--evidence-versions", type=int, default=200_000)
    parser.add_argument("--audits", type=int, default=500)
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--nonconformities", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=30, help="measured requests per row")
    parser.add_argument("--pdf-repeat", type=int, default=3)
    parser.add_argument(
        "--pack-mb",
        type=int,
        default=1024,
        help="evidence in the evidence pack case, in MB (bench/pack.py); 0 skips it",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "latest.md"))
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="measure only the rows whose name contains TEXT (case-insensitive; repeatable; "
        "'pdf' for the register PDF)",
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="fill the databases of the sizes and stop (prints how long it took)",
    )
    # One size in a process of its own (the parent starts it): Django binds one database.
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.repeat < 1 or args.pdf_repeat < 0 or args.pack_mb < 0:
        parser().error("--repeat must be 1 or more; --pdf-repeat and --pack-mb 0 or more")
    if args.one_size is not None:
        return one_size(args)
    import json
    import subprocess
    import tempfile

    results = []
    for index, size in enumerate(args.sizes):
        name = database_name(args.database, size)
        print(f"Size {size}× in database {name}", flush=True)
        with tempfile.TemporaryDirectory() as directory:
            output = Path(directory) / "size.json"
            command = [
                sys.executable,
                "-m",
                "bench.run",
                *(argv if argv is not None else sys.argv[1:]),
                "--one-size",
                str(size),
                "--json",
                str(output),
            ]
            if index > 0:  # the PDF and the evidence pack do not depend on the table sizes
                command += ["--pdf-repeat", "0", "--pack-mb", "0"]
            finished = subprocess.run(command, cwd=ROOT, check=False)
            if finished.returncode != 0:
                print(f"The {size}× run failed (exit {finished.returncode}).", file=sys.stderr)
                return finished.returncode
            results.append(json.loads(output.read_text(encoding="utf-8")))
    if args.generate_only:
        return 0
    table = render(results, args.repeat)
    print(table)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table, encoding="utf-8")
    print(f"Written to {output}")
    return 0


def one_size(args: argparse.Namespace) -> int:
    """Fill the database of one size, measure it, and write the figures as JSON."""
    import json

    size = args.one_size
    os.environ["DATABASE_URL"] = _bench_database_url(database_name(args.database, size))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
    import django

    django.setup()
    from aims import embedded

    embedded.start()  # the embedded Redis, when REDIS_URL is not set
    import logging

    from django.core.management import call_command

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    from bench.generate import Scale, generate

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_library", verbosity=0)
    data = generate(Scale(**{name: getattr(args, name) * size for name in COUNTS}))
    generation_s = time.perf_counter() - started
    print(f"  {size}× data ready in {generation_s:.0f} s: {data}", flush=True)
    result: dict[str, Any] = {"size": size, "data": data, "generation_s": generation_s}
    if not args.generate_only:
        only = [text.lower() for text in args.only]
        result.update(measure(args.repeat, args.pdf_repeat, only=only))
        if args.pack_mb > 0:
            from bench.pack import measure_pack, render_result

            result["pack"] = render_result(measure_pack(args.pack_mb))
    Path(args.json).write_text(json.dumps(result), encoding="utf-8")
    return 0


def measure(repeat: int, pdf_repeat: int, only: list[str] | None = None) -> dict[str, Any]:
    """Every list at its first, middle and last page; the other pages and calls; the raw SQL
    that grows with the tables; the register PDF. Returns them as plain data (JSON)."""
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from aims.models import AISystem
    from aims.wsgi import freeze_startup_objects
    from bench import lists
    from bench.generate import AUDITOR, OFFICER, OPERATOR
    from risk.models import Risk

    freeze_startup_objects()  # as the WSGI entry point does in production
    users = get_user_model().objects
    officer, operator = users.get(username=OFFICER), users.get(username=OPERATOR)
    clients = {}
    for user in (officer, operator, users.get(username=AUDITOR)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[user.username] = client
    rng = random.Random(7)
    risk_ids = list(Risk.objects.values_list("pk", flat=True)[:5000])

    def get(who: str, url: Callable[[], str] | str) -> Callable[[], Any]:
        def call() -> Any:
            response = clients[who].get(url() if callable(url) else url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    def raw(*statements: str | Callable[[], tuple[str, list[Any]]]) -> Callable[[], None]:
        def call() -> None:
            with connection.cursor() as cursor:
                for statement in statements:
                    query, params = statement() if callable(statement) else (statement, [])
                    cursor.execute(query, params)
                    cursor.fetchall()

        return call

    def wanted(name: str) -> bool:
        return not only or any(text in name.lower() for text in only)

    result: dict[str, Any] = {"mode": lists.mode(), "lists": [], "others": [], "reference": []}

    # Every list at three positions, beside the same page read by its keys in raw SQL.
    for case in lists.list_cases():
        if not wanted(case.name):
            continue
        total = lists.count(case)
        for position, (url, after, from_end) in lists.position_urls(case, total).items():
            print(f"  measuring {case.name}, {position} page", flush=True)
            error = None
            try:
                samples = _time(get(case.who, url), repeat)
            except AssertionError as failure:  # a list that refuses the position: say so
                samples, error = [], f"answered {failure.args[0][1]}" if failure.args else "failed"
            raw_samples = _time(lists.raw_page(case, after, from_end), repeat)
            result["lists"].append(
                {
                    "name": case.name,
                    "position": position,
                    "rows": total,
                    "samples": samples,
                    "raw": raw_samples,
                    "budget_ms": case.budget_ms,
                    "register": case.register,
                    "error": error,
                }
            )

    # What grows with a table when a request computes it: counts and the heat-map aggregate.
    heat_sql = [
        f"SELECT matrix_id, {w}_likelihood, {w}_impact, count(*) FROM risk_risk GROUP BY 1, 2, 3"
        for w in ("inherent", "residual")
    ]
    reference = [
        ("count(*) of the risks", raw("SELECT count(*) FROM risk_risk")),
        ("count(*) of the change records", raw("SELECT count(*) FROM aims_changerecord")),
        ("Heat-map aggregates over every risk (inherent and residual)", raw(*heat_sql)),
    ]
    for name, call in reference:
        if wanted(name):
            print(f"  measuring {name}", flush=True)
            result["reference"].append({"name": name, "raw": _time(call, repeat)})

    current = {"id": risk_ids[0]}

    def next_risk() -> int:
        current["id"] = rng.choice(risk_ids)
        return current["id"]

    detail_raw = raw(
        lambda: (
            "SELECT r.*, m.* FROM risk_risk r JOIN risk_riskmatrix m ON "
            "m.id = r.matrix_id WHERE r.id = %s",
            [current["id"]],
        ),
        lambda: ("SELECT * FROM risk_treatmentaction WHERE risk_id = %s", [current["id"]]),
    )
    granted = "(SELECT object_pk::bigint FROM guardian_userobjectpermission WHERE user_id = %s)"
    operator_raw = raw(
        lambda: (
            f"SELECT r.* FROM risk_risk r WHERE EXISTS (SELECT 1 FROM "
            f"risk_risk_ai_systems t WHERE t.risk_id = r.id AND "
            f"t.aisystem_id IN {granted}) ORDER BY r.residual_rank DESC, "
            f"r.inherent_rank DESC, r.id LIMIT 50",
            [operator.pk],
        )
    )
    system_ids = list(AISystem.objects.values_list("pk", flat=True)[:5000])
    from impact.models import ImpactAssessment

    assessment_ids = list(ImpactAssessment.objects.values_list("pk", flat=True)[:2000])

    cases: list[tuple[str, Callable[[], Any], Callable[[], None] | None, float]] = [
        (
            "Register page, residual high+ (officer)",
            get(OFFICER, "/risks/?residual_level=high&residual_level=very_high"),
            None,
            150,
        ),
        ("Register page (operator, 50 systems)", get(OPERATOR, "/risks/"), operator_raw, 150),
        (
            "Risk list API (operator)",
            get(OPERATOR, "/api/v1/risks/?page_size=50"),
            operator_raw,
            150,
        ),
        ("Risk detail page", get(OFFICER, lambda: f"/risks/{next_risk()}/"), detail_raw, 100),
        ("Risk detail API", get(OFFICER, lambda: f"/api/v1/risks/{next_risk()}/"), detail_raw, 100),
        # Every page asks for the navigation's inbox count once shown (htmx).
        ("Inbox badge (officer)", get(OFFICER, "/inbox/badge/"), None, 100),
        ("Inbox badge (operator)", get(OPERATOR, "/inbox/badge/"), None, 100),
        (
            "AI system detail page",
            get(OFFICER, lambda: f"/ai-systems/{rng.choice(system_ids)}/"),
            None,
            100,
        ),
        (
            "Impact assessment detail page",
            get(OFFICER, lambda: f"/impact-assessments/{rng.choice(assessment_ids)}/"),
            None,
            100,
        ),
    ]
    from bench.cases_controls import control_cases

    cases += control_cases(get, raw, rng)
    from bench.cases_audit import audit_cases

    cases += audit_cases(get, raw, rng)

    rows = []
    for name, call, raw_call, budget in cases:
        if not wanted(name):
            continue
        print(f"  measuring {name}", flush=True)
        samples = _time(call, repeat)
        raw_samples = _time(raw_call, repeat) if raw_call else None
        rows.append(Row(name, samples, raw_samples, budget))
    rows += pdf_rows(repeat, pdf_repeat, wanted, users, officer, raw)
    result["others"] = [row.__dict__ for row in rows]
    from bench import replay

    who = {"officer": OFFICER, "operator": OPERATOR}
    result["replay"] = replay.measure(lambda w, url: get(who[w], url), repeat, wanted)
    return result


def pdf_rows(
    repeat: int,
    pdf_repeat: int,
    wanted: Callable[[str], bool],
    users: Any,
    officer: Any,
    raw: Callable[..., Callable[[], None]],
) -> list[Row]:
    """The 1,000-risk register PDF rendered by the worker's code (``--pdf-repeat`` times)."""
    from bench.generate import PDF_OWNER

    rows: list[Row] = []
    if pdf_repeat < 1:
        return rows
    if not wanted("risk register pdf"):
        return rows
    from bench.pdf import BUDGET_MS, measure_pdf

    print(f"  rendering the register PDF of {PDF_OWNER}, each in a worker process", flush=True)
    pdf = measure_pdf(pdf_repeat)
    pdf_owner = users.get(username=PDF_OWNER)
    raw_pdf = _time(
        raw(lambda: ("SELECT * FROM risk_risk WHERE owner_id = %s", [pdf_owner.pk])),
        repeat=pdf_repeat,
    )
    rows.append(
        Row(
            f"Risk register PDF, {pdf.rows:,} rows (ja), worker process, claimed → file ready "
            f"(whole call p50 {pdf.call_p50:.0f} ms); peak RSS {pdf.peak_rss_mb:.0f} MB",
            pdf.samples,
            raw_pdf,
            BUDGET_MS,
        )
    )
    return rows


def _p50(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def _p95(samples: list[float]) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


#: The targets of DESIGN §10 and issue 15 the growth table checks.
FLAT = 1.5  # a deeper page within 1.5× of the first; the first page at 10× within 1.5× of 1×
REGISTER_P95_MS = 150.0


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return cpu


def render(results: list[dict[str, Any]], repeat: int) -> str:
    """One table of every list at every size and position, then the other measures, the raw
    SQL that grows with the tables, and the evidence pack."""
    sizes = [result["size"] for result in results]
    small = results[0]
    both = len(results) > 1
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; Python {platform.python_version()}; "
        f"CPU: {_machine()}; one process",
    ]
    for result in results:
        data = ", ".join(f"{v:,} {k}" for k, v in result["data"].items())
        lines.append(
            f"- {result['size']}×: {data} (generated or topped up in "
            f"{result['generation_s']:.0f} s)"
        )
    lines += [
        f"- {repeat} measured requests per row after 3 warm-up requests (PDF: see n); times in "
        "ms, through Django's full request stack in-process (no network).",
        f"- Middle and last pages asked by {small.get('mode', '—')}; the middle page starts "
        "after the row in the middle of the list.",
        "- Raw SQL: the same page read off the list's index by its keys (keyset) with the "
        "rows it shows beside, on the same connection; counts and heat maps are in the third "
        "table.",
        f"- ✗ where a target is missed: a deeper page over {FLAT}× the first page (at the "
        "largest size), "
        + (
            f"the first page at {sizes[-1]}× over {FLAT}× the same page at {sizes[0]}×, "
            if both
            else ""
        )
        + f"the register's p95 at or over {REGISTER_P95_MS:.0f} ms, or a p95 over the budget "
        "at 1×.",
        "",
        "## Lists: first, middle and last page",
        "",
    ]
    header = ["list", "page", "rows"]
    for size in sizes:
        header += [f"{size}× p50", f"{size}× p95"]
    if both:
        header.append(f"{sizes[-1]}×/{sizes[0]}×")
    header.append("÷ first")
    header += [f"raw p50 {size}×" for size in sizes]
    header.append("")
    lines += ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 3) + "---|"]
    by_size = [
        {(row["name"], row["position"]): row for row in result.get("lists", [])}
        for result in results
    ]
    failed = 0
    for key in by_size[0]:
        name, position = key
        counted = [rows[key]["rows"] for rows in by_size if key in rows]
        cells = [name, position, " → ".join(f"{n:,}" for n in counted)]
        flags = []
        p50s = []
        for result, rows in zip(results, by_size, strict=True):
            measured = rows.get(key)
            samples = measured["samples"] if measured else []
            p50, p95 = _p50(samples), _p95(samples)
            p50s.append(p50)
            cells += [_ms(p50), _ms(p95)]
            if measured and measured.get("error"):
                flags.append(f"{result['size']}×: {measured['error']}")
            if measured and measured["register"] and p95 is not None and p95 >= REGISTER_P95_MS:
                flags.append(f"p95 {p95:.0f} ms at {result['size']}×")
            elif (
                result["size"] == 1 and measured and p95 is not None and p95 > measured["budget_ms"]
            ):
                flags.append(f"p95 over {measured['budget_ms']:.0f} ms at 1×")
        growth = _ratio(p50s[-1], p50s[0]) if both else None
        if both:
            cells.append(_x(growth))
            if position == "first" and growth is not None and growth > FLAT:
                flags.append(f"first page {growth:.1f}× at {sizes[-1]}×")
        first = by_size[-1].get((name, "first"))
        deeper = _ratio(p50s[-1], _p50(first["samples"]) if first else None)
        cells.append("" if position == "first" else _x(deeper))
        if position != "first" and deeper is not None and deeper > FLAT:
            flags.append(f"{position} {deeper:.1f}× first")
        for rows in by_size:
            measured = rows.get(key)
            cells.append(_ms(_p50(measured["raw"]) if measured else None, 2))
        failed += bool(flags)
        cells.append(("✗ " + "; ".join(flags)) if flags else "")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Rows missing a target: {failed}.", "", "## Other pages and calls", ""]
    header = ["measure"]
    for size in sizes:
        header += [f"{size}× p50", f"{size}× p95", f"raw p50 {size}×"]
    header += ["budget p95", "within"]
    lines += ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 2) + "---|"]
    names = list(dict.fromkeys(row["name"] for r in results for row in r.get("others", [])))
    for name in names:
        cells = [name]
        within, budget = [], None
        for result in results:
            row = next((r for r in result.get("others", []) if r["name"] == name), None)
            if row is None:
                cells += ["—", "—", "—"]
                continue
            p95 = _p95(row["samples"])
            budget = row["budget_ms"]
            cells += [_ms(_p50(row["samples"])), _ms(p95), _ms(_p50(row["raw"] or []), 2)]
            within.append(p95 is not None and p95 <= budget)
        cells += [_ms(budget, 0), "yes" if all(within) else "✗ NO"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Raw SQL that grows with the tables (for reference)",
        "",
        "| query | " + " | ".join(f"{size}× p50" for size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    names = list(dict.fromkeys(row["name"] for r in results for row in r.get("reference", [])))
    for name in names:
        cells = [name]
        for result in results:
            row = next((r for r in result.get("reference", []) if r["name"] == name), None)
            cells.append(_ms(_p50(row["raw"]) if row else None, 2))
        lines.append("| " + " | ".join(cells) + " |")
    from bench import replay

    lines += replay.render(results)
    for result in results:
        if result.get("pack"):
            lines += ["", result["pack"].rstrip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
