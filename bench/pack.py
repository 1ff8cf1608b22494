"""The evidence pack case of the benchmark (issue 14): build a pack over ~1 GB of evidence in
a process of its own, and report the time and that process's peak resident memory.

The parent (``make bench``, or ``python -m bench.pack`` alone) writes the evidence files
(deterministic: a seeded pseudo-random block, so they do not compress, with a header naming
each file; written and hashed chunk by chunk) under ``MEDIA_ROOT/bench-pack/`` and records
them as the versions of evidence of one AI system of their own, effective in a past period
(2019) no other benchmark data touches. It then starts a child Python process that does what
a worker does for the job (``report_job_render``: the pack streamed into a temporary file,
saved to the storage, hashed); the child reports its own peak resident set size (``VmHWM``
of its address space, ``_peak_kb``) and the parent times it. The generated files, rows and the
pack are removed afterwards (its requester stays: the change log names them).

Sections: context, evidence and change log (the evidence is the point; the registers' XLSX
and the PDFs of a stage-2 pack are measured by the other cases of the benchmark).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 1 << 20
SYSTEM_NAME = "Benchmark evidence pack system"
USERNAME = "bench_pack_officer"
PERIOD = (date(2019, 1, 1), date(2019, 12, 31))
#: The promise of issue 14: the worker stays under this for a pack with 1 GB of evidence.
BUDGET_MB = 200
#: The line the child prints its peak memory on.
PEAK = "PEAK_RSS_KB="


@dataclass(frozen=True)
class PackResult:
    files: int
    evidence_bytes: int
    pack_bytes: int
    seconds: float
    peak_rss_mb: float

    @property
    def within(self) -> bool:
        return self.peak_rss_mb < BUDGET_MB


def _write_file(path: Path, size: int, block: bytes, index: int) -> str:
    """A file of ``size`` bytes, written and hashed a block at a time (never whole in memory)."""
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"%PDF-1.4\n% bench evidence {index}\n".encode()
    with path.open("wb") as out:
        written = 0
        chunk = header + block[len(header) :]
        while written < size:
            part = chunk[: size - written]
            out.write(part)
            digest.update(part)
            written += len(part)
            chunk = block
    return digest.hexdigest()


def generate(total_mb: int, file_mb: int) -> dict[str, Any]:
    """The evidence files and rows (removed by ``cleanup``). Returns the job's id to build."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from aims.choices import Role
    from aims.models import AISystem, ReportJob
    from audit.models import EvidencePack
    from controls.choices import EvidenceReview
    from controls.models import Evidence, EvidenceVersion

    cleanup()
    user, _created = get_user_model().objects.get_or_create(username=USERNAME)
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name=Role.GOVERNANCE_OFFICER)[0])
    system = AISystem.objects.create(name=SYSTEM_NAME, owner=user)
    block = random.Random(14).randbytes(BLOCK)
    count = max(1, total_mb // file_mb)
    folder = Path(settings.MEDIA_ROOT) / "bench-pack"
    uploaded = datetime(2019, 3, 1, tzinfo=UTC)
    total = 0
    for index in range(count):
        name = f"bench-pack/evidence-{index:04d}.pdf"
        size = file_mb * BLOCK
        digest = _write_file(folder / f"evidence-{index:04d}.pdf", size, block, index)
        evidence = Evidence.objects.create(title=f"Bench pack evidence {index:04d}", owner=user)
        evidence.ai_systems.add(system)
        version = EvidenceVersion.objects.create(
            evidence=evidence,
            number=1,
            file=name,
            file_name=f"evidence-{index:04d}.pdf",
            file_size=size,
            file_sha256=digest,
            content_type="application/pdf",
            effective_from=PERIOD[0],
            uploaded_by=user,
            review_status=EvidenceReview.SUBMITTED,
        )
        EvidenceVersion.objects.filter(pk=version.pk).update(created_at=uploaded)
        Evidence.objects.filter(pk=evidence.pk).update(current_version=version)
        total += size
    job = ReportJob.objects.create(
        kind="evidence_pack", format="zip", language="en", requested_by=user
    )
    pack = EvidencePack.objects.create(
        job=job,
        all_systems=False,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        preset="custom",
        sections=["context", "evidence", "change_log"],
    )
    pack.ai_systems.add(system)
    return {"job": job.pk, "files": count, "bytes": total}


def cleanup() -> None:
    from django.conf import settings

    from aims.models import AISystem, ReportJob
    from controls.models import Evidence

    # The user stays: the change log names them (append-only).
    for job in ReportJob.objects.filter(requested_by__username=USERNAME):
        if job.file:
            job.file.delete(save=False)
        job.delete()
    Evidence.objects.filter(ai_systems__name=SYSTEM_NAME).delete()
    AISystem.objects.filter(name=SYSTEM_NAME).delete()
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "bench-pack", ignore_errors=True)


def _peak_kb() -> int:
    """This process's peak resident set size in kB: ``VmHWM`` of its own address space.
    (``ru_maxrss`` is not used: Linux carries it over ``execve`` from the address space the
    child was forked or vforked from, so a child of a large process reports the parent's.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _build_in_child(job_id: int) -> tuple[float, float, int]:
    """Run the job as a worker does, in a child process; its wall time, peak RSS (MB) and
    exit status."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    ran = subprocess.run(
        [sys.executable, "-m", "bench.pack", "--child", str(job_id)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = next(
        (int(line.split("=", 1)[1]) for line in ran.stdout.splitlines() if line.startswith(PEAK)),
        0,
    )
    return seconds, peak / 1024, ran.returncode


def measure_pack(total_mb: int = 1024, file_mb: int = 8) -> PackResult:
    """Generate, build in a child, check the result, clean up (Django set up by the caller)."""
    from aims.models import ReportJob

    print(f"  evidence pack: writing {total_mb} MB of evidence", flush=True)
    made = generate(total_mb, file_mb)
    try:
        print(f"  evidence pack: building over {made['files']} files in a child", flush=True)
        seconds, peak, code = _build_in_child(made["job"])
        job = ReportJob.objects.get(pk=made["job"])
        if code != 0 or job.status != "done":
            raise RuntimeError(f"the pack was not built (exit {code}): {job.error}")
        return PackResult(
            files=made["files"],
            evidence_bytes=made["bytes"],
            pack_bytes=job.file_size or 0,
            seconds=seconds,
            peak_rss_mb=peak,
        )
    finally:
        cleanup()


def render_result(result: PackResult) -> str:
    return "\n".join(
        [
            "",
            "## Evidence pack (issue 14)",
            "",
            "Built by the worker's code (`report_job_render`) in a child process; peak "
            "resident memory of that process (`VmHWM` of its own address space).",
            "",
            "| evidence | files | pack | time s | peak RSS MB | budget MB | within |",
            "|---:|---:|---:|---:|---:|---:|---|",
            f"| {result.evidence_bytes / BLOCK:,.0f} MB | {result.files} | "
            f"{result.pack_bytes / BLOCK:,.0f} MB | {result.seconds:.1f} | "
            f"{result.peak_rss_mb:.0f} | {BUDGET_MB} | {'yes' if result.within else 'NO'} |",
            "",
        ]
    )


def _child(job_id: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
    import django

    django.setup()
    from aims.services.reports import report_job_render

    job = report_job_render(job_id=job_id)
    print(f"{PEAK}{_peak_kb()}", flush=True)
    return 0 if job is not None and job.status == "done" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="aims_bench")
    parser.add_argument("--mb", type=int, default=1024, help="evidence to pack, in MB")
    parser.add_argument("--file-mb", type=int, default=8, help="size of one evidence file")
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
    result = measure_pack(args.mb, args.file_mb)
    print(render_result(result))
    return 0 if result.within else 1


if __name__ == "__main__":
    sys.exit(main())
