"""The risk register PDF case of the benchmark (issue 15): render the 1,000-risk register as a
worker does, each time in a process of its own, and report the time and that process's peak
resident memory.

For each sample the parent (``make bench``, or ``python -m bench.pdf`` alone) queues a job for
the register of the benchmark's PDF owner and starts a child Python process that sets Django
up and imports WeasyPrint (what a worker does once, at start), then runs the job with the
worker's code (``report_job_render``: the PDF rendered into a temporary file, saved to the
storage, hashed). The figure is the job's own duration, from the moment the worker claims it
to the moment its file is ready (``finished_at - started_at``, what the job's page shows and
its requester waits for). The child also times the whole call, which goes on to free the
laid-out document after the job is done, and reports its own peak resident set size
(``VmHWM`` of its address space, as ``bench/pack.py`` reads it).

Alone, on a database of its own: ``python -m bench.pdf --database aims_pdf`` fills it with the
benchmark's AI systems and the risks up to the 1,000 of the PDF owner when they are missing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: DESIGN §10: the register PDF of 1,000 risks in at most this.
BUDGET_MS = 3_000
#: The lines the child prints its figures on.
ELAPSED, CALL, PEAK = "PDF_MS=", "CALL_MS=", "PEAK_RSS_KB="


@dataclass(frozen=True)
class PdfResult:
    rows: int
    samples: list[float]
    calls: list[float]
    peak_rss_mb: float

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def call_p50(self) -> float:
        return statistics.median(self.calls)


def _peak_kb() -> int:
    from bench.pack import _peak_kb as peak

    return peak()


def _queue(owner_id: int, requester: Any) -> int:
    from aims.models import ReportJob

    job = ReportJob.objects.create(
        kind="risk_register",
        format="pdf",
        language="ja",
        parameters={"owner": owner_id},
        requested_by=requester,
        shared=True,
    )
    return int(job.pk)


def _render_in_child(job_id: int) -> tuple[float, float, int]:
    """The job's duration and the whole call (ms), and the peak RSS (kB) the child reports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run(
        [sys.executable, "-m", "bench.pdf", "--child", str(job_id)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    figures = dict(
        line.split("=", 1)
        for line in ran.stdout.splitlines()
        if line.startswith((ELAPSED, CALL, PEAK))
    )
    if ran.returncode != 0 or ELAPSED[:-1] not in figures:
        from aims.models import ReportJob

        job = ReportJob.objects.filter(pk=job_id).first()
        raise RuntimeError(
            f"the register PDF was not rendered (exit {ran.returncode}): {job and job.error}"
        )
    return (
        float(figures[ELAPSED[:-1]]),
        float(figures[CALL[:-1]]),
        int(figures.get(PEAK[:-1], 0)),
    )


def measure_pdf(repeat: int) -> PdfResult:
    """Render the PDF owner's register ``repeat`` times, each in a child (Django set up by the
    caller on the benchmark's database)."""
    from django.contrib.auth import get_user_model

    from bench.generate import OFFICER, PDF_OWNER
    from risk.models import Risk

    users = get_user_model().objects
    owner, officer = users.get(username=PDF_OWNER), users.get(username=OFFICER)
    rows = Risk.objects.filter(owner=owner).count()
    samples, calls, peak = [], [], 0
    for _ in range(repeat):
        elapsed, call, peak_kb = _render_in_child(_queue(owner.pk, officer))
        samples.append(elapsed)
        calls.append(call)
        peak = max(peak, peak_kb)
    return PdfResult(rows=rows, samples=samples, calls=calls, peak_rss_mb=peak / 1024)


def _child(job_id: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    import weasyprint  # noqa: F401  (a worker imports it once; time the rendering, not that)

    from aims.services.reports import report_job_render

    start = time.perf_counter()
    job = report_job_render(job_id=job_id)
    call = (time.perf_counter() - start) * 1000
    done = job is not None and job.status == "done"
    if done:
        duration = (job.finished_at - job.started_at).total_seconds() * 1000
        print(f"{ELAPSED}{duration:.1f}", flush=True)
        print(f"{CALL}{call:.1f}", flush=True)
    print(f"{PEAK}{_peak_kb()}", flush=True)
    return 0 if done else 1


def _fill() -> None:
    """The benchmark's users, AI systems, risks (up to the PDF owner's 1,000) and treatment
    actions, as ``bench.generate`` makes them, when the database lacks them."""
    import random

    from aims.choices import Role
    from bench import generate as bench_data
    from risk.defaults import create_shipped_matrices
    from risk.models import RiskCriteria, RiskMatrix

    scale = bench_data.Scale(
        systems=2_000, risks=bench_data.PDF_RISKS * 37, actions=bench_data.PDF_RISKS * 15
    )
    rng = random.Random(scale.seed)
    create_shipped_matrices(RiskMatrix, RiskCriteria)
    officer = bench_data._user(bench_data.OFFICER, Role.GOVERNANCE_OFFICER)
    operator = bench_data._user(bench_data.OPERATOR, Role.OPERATIONAL_MEMBER)
    owner = bench_data._user(bench_data.PDF_OWNER, Role.OPERATIONAL_MEMBER)
    owners = [
        officer,
        owner,
        *(bench_data._user(f"bench_owner_{n:02d}", Role.OPERATIONAL_MEMBER) for n in range(20)),
    ]
    bench_data._systems(scale, rng, owners, operator)
    bench_data._risks(scale, rng, owners, owner)
    bench_data._actions(scale, rng, owners)


def render_result(result: PdfResult) -> str:
    return "\n".join(
        [
            "",
            "## Risk register PDF (issue 15)",
            "",
            "Rendered by the worker's code (`report_job_render`) in a child process per sample "
            "(Django and WeasyPrint imported beforehand); the job's own duration, claimed → "
            "file ready; the whole call, which then frees the laid-out document; peak resident "
            "memory of that process (`VmHWM` of its own address space).",
            "",
            "| rows | n | p50 ms | max ms | whole call p50 ms | peak RSS MB | budget ms | within |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {result.rows:,} | {len(result.samples)} | {result.p50:.0f} | "
            f"{max(result.samples):.0f} | {result.call_p50:.0f} | {result.peak_rss_mb:.0f} | "
            f"{BUDGET_MS:,} | {'yes' if result.p50 <= BUDGET_MS else 'NO'} |",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="aims_bench")
    parser.add_argument("--repeat", type=int, default=5, help="renders, each in a child")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return _child(args.child)
    from bench.run import _bench_database_url

    os.environ["DATABASE_URL"] = _bench_database_url(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_library", verbosity=0)
    _fill()
    result = measure_pdf(args.repeat)
    print(render_result(result))
    return 0 if result.p50 <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
