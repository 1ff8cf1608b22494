"""Run the mutants of the core-rule modules against their own tests and print the score.

For each module of ``mutation/targets.yaml``: run its tests once as they are (they must
pass; their time sets the time limit of a mutant), then for every mutant write it over the
module, run the tests (``pytest -x -q --reuse-db``, stopping at the first failure) and put
the module back. A mutant is *killed* when the tests fail (or time out), *survives* when they
pass. Mutants listed in ``mutation/equivalent.yaml`` (changes no test can tell apart, each
with the reason) are counted apart; the score is killed / (mutants − equivalent).

The module's original text is kept in ``var/mutation/`` while a mutant is in place, and put
back first thing by the next run should this one be killed.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mutation.mutants import mutants

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "mutation" / "targets.yaml"
EQUIVALENT = ROOT / "mutation" / "equivalent.yaml"
WORK = ROOT / "var" / "mutation"


@dataclass
class Target:
    module: str
    tests: list[str]
    functions: frozenset[str] | None = None
    functions_only: bool = True
    #: Functions run while the module is imported (e.g. building a model's constraints): a
    #: code swap after import would never run them, so their mutants go by file.
    at_import: frozenset[str] = frozenset()


@dataclass
class Result:
    module: str
    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    survivors: list[dict[str, Any]] = field(default_factory=list)
    stale_equivalents: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        counted = self.mutants - self.equivalent
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def load_targets(path: Path = TARGETS) -> list[Target]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    targets = []
    for item in data["targets"]:
        functions = item.get("functions")
        targets.append(
            Target(
                module=item["module"],
                tests=list(item["tests"]),
                functions=frozenset(functions) if functions else None,
                functions_only=item.get("functions_only", True),
                at_import=frozenset(item.get("at_import") or ()),
            )
        )
    return targets


def equivalent_key(entry: dict[str, Any]) -> str:
    key = f"{entry['module']}::{entry['function']}::{entry['mutation']}::{entry['snippet']}"
    occurrence = entry.get("occurrence", 1)
    return key if occurrence == 1 else f"{key}::#{occurrence}"


def load_equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    entries = yaml.safe_load(EQUIVALENT.read_text(encoding="utf-8")) or []
    for entry in entries:
        if not str(entry.get("why") or "").strip():
            raise SystemExit(f"{EQUIVALENT}: an entry without 'why': {entry}")
    return {equivalent_key(entry): entry["why"] for entry in entries}


def _backup(module: str) -> Path:
    return WORK / (module.replace("/", "__") + ".orig")


LOCK = WORK / "running.pid"


def _running_elsewhere() -> bool:
    """Whether another run (alive) holds the lock."""
    try:
        pid = int(LOCK.read_text())
    except (FileNotFoundError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def take_lock() -> None:
    if _running_elsewhere():
        raise SystemExit(f"another mutation run is under way (pid {LOCK.read_text()})")
    WORK.mkdir(parents=True, exist_ok=True)
    LOCK.write_text(str(os.getpid()))
    atexit.register(LOCK.unlink, missing_ok=True)


def restore_leftovers() -> None:
    """Put back any module a killed earlier run left mutated (never while a run is alive:
    its backups are its own)."""
    if not WORK.exists() or _running_elsewhere():
        return
    for backup in WORK.glob("*.orig"):
        module = backup.name[: -len(".orig")].replace("__", "/")
        (ROOT / module).write_bytes(backup.read_bytes())
        backup.unlink()
        print(f"restored {module} from an interrupted run", file=sys.stderr)


def _drop_bytecode(path: Path) -> None:
    # A mutant written within the same second and of the same size as the original would
    # otherwise be served from the original's cached bytecode (or the other way round).
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def pytest_args(tests: list[str]) -> list[str]:
    return [*tests, "-x", "-q", "-p", "no:cacheprovider", "--reuse-db", "-o", "addopts="]


def run_tests(tests: list[str], timeout: float | None) -> tuple[bool, float]:
    """Whether the tests pass in a fresh interpreter, and how long they took."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", *pytest_args(tests)]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False, time.monotonic() - started
    return code == 0, time.monotonic() - started


def run_module(target: Target, targets_file: Path, *, verbose: bool) -> Result:
    """Run one module's mutants in a pytest session of its own (``mutation.session``)."""
    WORK.mkdir(parents=True, exist_ok=True)
    report = WORK / (target.module.replace("/", "__") + ".json")
    report.unlink(missing_ok=True)
    backup = _backup(target.module)
    backup.write_bytes((ROOT / target.module).read_bytes())
    command = [sys.executable, "-m", "mutation.session", target.module, str(report)]
    command += [f"--targets={targets_file}"] + (["--verbose"] if verbose else [])
    session = subprocess.Popen(command, cwd=ROOT)
    try:
        session.wait()
    except BaseException:
        session.terminate()  # and it ends its running mutant
        session.wait()
        raise
    finally:
        (ROOT / target.module).write_bytes(backup.read_bytes())
        backup.unlink()
    if not report.exists():
        raise SystemExit(f"{target.module}: the mutation session ended without a report")
    data = json.loads(report.read_text(encoding="utf-8"))
    if "error" in data:
        raise SystemExit(f"{target.module}: {data['error']}")
    return Result(
        module=target.module,
        mutants=data["mutants"],
        killed=data["killed"],
        equivalent=data["equivalent"],
        survivors=data["survivors"],
        stale_equivalents=data["stale_equivalents"],
        seconds=data["seconds"],
    )


def list_mutants(targets_file: Path, modules: list[str] | None) -> int:
    equivalent = load_equivalent()
    for target in load_targets(targets_file):
        if modules and target.module not in modules:
            continue
        source = (ROOT / target.module).read_text(encoding="utf-8")
        found = mutants(
            target.module,
            source,
            functions_only=target.functions_only,
            functions=target.functions,
        )
        for mutant in found:
            mark = " (equivalent)" if mutant.key in equivalent else ""
            print(f"line {mutant.line}: {mutant.key}{mark}")
        print(f"{target.module}: {len(found)} mutants")
    return 0


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` that restores the module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=__doc__)
    parser.add_argument("--module", action="append", help="only this module (repeatable)")
    parser.add_argument("--targets", type=Path, default=TARGETS, help="the targets file")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every mutant")
    parser.add_argument("--fail-under", type=float, default=90.0, help="per-module score (%%)")
    parser.add_argument("--json", type=Path, default=WORK / "report.json", help="report file")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _terminate)
    if args.list:
        return list_mutants(args.targets, args.module)
    take_lock()
    restore_leftovers()
    targets = load_targets(args.targets)
    if args.module:
        unknown = set(args.module) - {t.module for t in targets}
        if unknown:
            parser.error(f"not in {TARGETS.name}: {', '.join(sorted(unknown))}")
        targets = [t for t in targets if t.module in args.module]

    started = time.monotonic()
    results = []
    for target in targets:
        print(f"{target.module}: running its tests against each mutant…", flush=True)
        result = run_module(target, args.targets.resolve(), verbose=args.verbose)
        results.append(result)
        for survivor in result.survivors:
            print(f"  survived: line {survivor['line']}: {survivor['key']}")
        for key in result.stale_equivalents:
            print(f"  listed as equivalent but no longer a mutant: {key}")
        print(
            f"  {result.score:5.1f} %  killed {result.killed} of "
            f"{result.mutants - result.equivalent} ({result.equivalent} equivalent) "
            f"in {result.seconds:.0f} s",
            flush=True,
        )
    total = time.monotonic() - started

    print()
    print(f"{'module':<36} {'mutants':>7} {'equiv':>5} {'killed':>6} {'alive':>5} {'score':>7}")
    for r in results:
        print(
            f"{r.module:<36} {r.mutants:>7} {r.equivalent:>5} {r.killed:>6} "
            f"{len(r.survivors):>5} {r.score:>6.1f}%"
        )
    print(f"total time {total / 60:.1f} min")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "seconds": round(total),
                "modules": [
                    {
                        "module": r.module,
                        "mutants": r.mutants,
                        "equivalent": r.equivalent,
                        "killed": r.killed,
                        "score": round(r.score, 1),
                        "survivors": r.survivors,
                    }
                    for r in results
                ],
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    failing = [r.module for r in results if r.score < args.fail_under]
    if failing:
        print(f"below {args.fail_under:.0f} %: {', '.join(failing)}")
        return 1
    return 0
