"""The benchmark of DESIGN §10: ``make bench`` (or ``python -m bench.run``).

Uses a database of its own (``aims_bench`` on the configured PostgreSQL server, or on the
embedded one), fills it to the scale of DESIGN §10 once (``bench.generate``), then measures
p50 and p95 of pages and API calls through Django's full request stack (middleware, session,
permissions, templates) in this one process, on one core, each beside the time the same rows
take through raw SQL, and the time to render the 1,000-risk register PDF. Prints a table and
writes it to ``bench/results/latest.md`` (or ``--output``).
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="aims_bench")
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
    parser.add_argument("--repeat", type=int, default=50, help="measured requests per row")
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
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = _bench_database_url(args.database)
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

    print(f"Benchmark database: {args.database}")
    call_command("migrate", verbosity=0)
    call_command("load_library", verbosity=0)
    data = generate(
        Scale(
            systems=args.systems,
            risks=args.risks,
            actions=args.actions,
            assessments=args.assessments,
            changes=args.changes,
            controls=args.controls,
            evidence_versions=args.evidence_versions,
            audits=args.audits,
            findings=args.findings,
            nonconformities=args.nonconformities,
        )
    )
    rows = measure(args.repeat, args.pdf_repeat, only=[text.lower() for text in args.only])
    table = render_table(rows, data, args.repeat)
    if args.pack_mb > 0:
        from bench.pack import measure_pack, render_result

        table += render_result(measure_pack(args.pack_mb))
    print(table)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table, encoding="utf-8")
    print(f"Written to {output}")
    return 0


def measure(repeat: int, pdf_repeat: int, only: list[str] | None = None) -> list[Row]:
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from aims.models import AISystem
    from aims.wsgi import freeze_startup_objects
    from bench.generate import OFFICER, OPERATOR, PDF_OWNER
    from risk.models import Risk

    freeze_startup_objects()  # as the WSGI entry point does in production
    users = get_user_model().objects
    officer, operator = users.get(username=OFFICER), users.get(username=OPERATOR)
    clients = {}
    from bench.generate import AUDITOR

    for user in (officer, operator, users.get(username=AUDITOR)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[user.username] = client
    rng = random.Random(7)
    risk_ids = list(Risk.objects.values_list("pk", flat=True))
    total = len(risk_ids)

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

    page_sql = (
        "SELECT r.*, m.id, m.levels, u.id, u.username, u.first_name, u.last_name "
        "FROM risk_risk r JOIN risk_riskmatrix m ON m.id = r.matrix_id "
        "LEFT JOIN auth_user u ON u.id = r.owner_id "
        "ORDER BY r.residual_rank DESC, r.inherent_rank DESC, r.id LIMIT 50 OFFSET %s"
    )
    systems_sql = (
        "SELECT t.risk_id, s.id, s.name, s.version FROM risk_risk_ai_systems t "
        "JOIN aims_aisystem s ON s.id = t.aisystem_id WHERE t.risk_id IN "
        "(SELECT id FROM risk_risk ORDER BY residual_rank DESC, inherent_rank DESC, "
        "id LIMIT 50 OFFSET %s)"
    )
    heat_sql = [
        f"SELECT matrix_id, {w}_likelihood, {w}_impact, count(*) FROM risk_risk GROUP BY 1, 2, 3"
        for w in ("inherent", "residual")
    ]
    register_raw = raw(
        "SELECT count(*) FROM risk_risk",
        lambda: (page_sql, [0]),
        lambda: (systems_sql, [0]),
        *heat_sql,
    )
    deep = 50 * (total // 50 // 2)
    deep_raw = raw(
        "SELECT count(*) FROM risk_risk",
        lambda: (page_sql, [deep]),
        lambda: (systems_sql, [deep]),
        *heat_sql,
    )
    api_raw = raw(
        "SELECT count(*) FROM risk_risk", lambda: (page_sql, [0]), lambda: (systems_sql, [0])
    )
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
    systems_raw = raw(
        "SELECT count(*) FROM aims_aisystem",
        "SELECT s.*, b.name FROM aims_aisystem s LEFT JOIN aims_businessunit b "
        "ON b.id = s.business_unit_id ORDER BY s.name, s.version LIMIT 50",
    )
    changes_raw = raw(
        "SELECT count(*) FROM aims_changerecord",
        "SELECT * FROM aims_changerecord ORDER BY id DESC LIMIT 50",
    )
    system_ids = list(AISystem.objects.values_list("pk", flat=True))
    from impact.models import ImpactAssessment

    assessment_ids = list(ImpactAssessment.objects.values_list("pk", flat=True)[:2000])
    impact_raw = raw(
        "SELECT count(*) FROM impact_impactassessment",
        "SELECT a.*, s.name FROM impact_impactassessment a JOIN aims_aisystem s ON "
        "s.id = a.ai_system_id ORDER BY a.assessed_on DESC, a.id DESC LIMIT 50",
        "SELECT e.* FROM impact_impactentry e WHERE e.assessment_id IN (SELECT id "
        "FROM impact_impactassessment ORDER BY assessed_on DESC, id DESC LIMIT 50)",
    )

    cases: list[tuple[str, Callable[[], Any], Callable[[], None] | None, float]] = [
        ("Register page, page 1 (officer)", get(OFFICER, "/risks/"), register_raw, 150),
        (
            "Register page, middle page (officer)",
            get(OFFICER, f"/risks/?page={deep // 50 + 1}"),
            deep_raw,
            150,
        ),
        (
            "Register page, residual high+ (officer)",
            get(OFFICER, "/risks/?residual_level=high&residual_level=very_high"),
            None,
            150,
        ),
        ("Register page (operator, 50 systems)", get(OPERATOR, "/risks/"), operator_raw, 150),
        (
            "Risk list API, 50 a page (officer)",
            get(OFFICER, "/api/v1/risks/?page_size=50"),
            api_raw,
            150,
        ),
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
        ("AI system list page", get(OFFICER, "/ai-systems/"), systems_raw, 150),
        ("AI system list API", get(OFFICER, "/api/v1/ai-systems/?page_size=50"), systems_raw, 150),
        (
            "AI system detail page",
            get(OFFICER, lambda: f"/ai-systems/{rng.choice(system_ids)}/"),
            None,
            100,
        ),
        (
            "Change log API, 50 a page",
            get(OFFICER, "/api/v1/changes/?page_size=50"),
            changes_raw,
            150,
        ),
        ("Impact assessment list page", get(OFFICER, "/impact-assessments/"), impact_raw, 150),
        (
            "Impact assessment list API",
            get(OFFICER, "/api/v1/impact-assessments/?page_size=50"),
            impact_raw,
            150,
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

    def wanted(name: str) -> bool:
        return not only or any(text in name.lower() for text in only)

    rows = []
    for name, call, raw_call, budget in cases:
        if not wanted(name):
            continue
        print(f"  measuring {name}", flush=True)
        samples = _time(call, repeat)
        raw_samples = _time(raw_call, repeat) if raw_call else None
        rows.append(Row(name, samples, raw_samples, budget))

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
            f"Risk register PDF, {pdf.rows:,} rows (ja), worker process; peak RSS "
            f"{pdf.peak_rss_mb:.0f} MB",
            pdf.samples,
            raw_pdf,
            BUDGET_MS,
        )
    )
    return rows


def render_table(rows: list[Row], data: dict[str, int], repeat: int) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; Python {platform.python_version()}; "
        f"CPU: {cpu}; one process",
        "- Data: " + ", ".join(f"{v:,} {k}" for k, v in data.items()),
        f"- {repeat} measured requests per row after 3 warm-up requests (PDF: see n); times in "
        "ms, through Django's full request stack in-process (no network).",
        "- Raw SQL: the same rows fetched with hand-written SQL on the same connection; the "
        "ratio shows the framework's overhead. Register pages include the two heat-map "
        "aggregates in both.",
        "",
        "| measure | n | p50 ms | p95 ms | raw SQL p50 ms | ratio | budget p95 ms | within |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        raw = row.raw_p50
        ratio = f"{row.p50 / raw:.1f}×" if raw else "—"
        lines.append(
            f"| {row.name} | {len(row.samples)} | {row.p50:.1f} | {row.p95:.1f} | "
            f"{f'{raw:.2f}' if raw is not None else '—'} | {ratio} | {row.budget_ms:,.0f} | "
            f"{'yes' if row.p95 <= row.budget_ms else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
