"""One module's mutants in one pytest session: ``python -m mutation.session MODULE REPORT``.

pytest starts once and collects the module's tests once; then, for each mutant, the process
forks, the child swaps the mutant's function code in (``mutation.inplace``) and runs the
collected tests (stopping at the first failure) and the parent waits for its verdict. A
mutant of module-level data cannot be swapped in: it is written over the module's file and
run by a fresh pytest. Writes the verdicts as JSON to REPORT.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mutation.inplace import swap_in, swappable
from mutation.mutants import Mutant, mutants
from mutation.run import (
    ROOT,
    Target,
    _drop_bytecode,
    load_equivalent,
    load_targets,
    pytest_args,
    run_tests,
)


def _say(text: str) -> None:
    os.write(_OUT, (text + "\n").encode())


_OUT = os.dup(1)


class MutationPlugin:
    def __init__(self, target: Target, verbose: bool) -> None:
        self.target = target
        self.verbose = verbose
        self.path = ROOT / target.module
        self.original = self.path.read_text(encoding="utf-8")
        self.mutants = mutants(
            target.module,
            self.original,
            functions_only=target.functions_only,
            functions=target.functions,
        )
        self.equivalent = load_equivalent()
        self.report: dict[str, Any] = {"module": target.module, "mutants": len(self.mutants)}

    def _run_items(self, session: pytest.Session) -> int:
        session.testsfailed = 0
        session.shouldfail = False
        session.shouldstop = False
        items = session.items
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
            if session.testsfailed or session.shouldfail or session.shouldstop:
                break
        return 1 if session.testsfailed else 0

    def _forked(
        self, session: pytest.Session, mutated: str | None, timeout: float | None
    ) -> tuple[bool, float]:
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child
            code = 3
            try:
                os.setsid()
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                if mutated is not None:
                    swap_in(self.target.module, mutated)
                code = self._run_items(session)
            finally:
                os._exit(code)
        self.child = pid
        deadline = None if timeout is None else started + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if deadline is not None and time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return False, time.monotonic() - started
            time.sleep(0.02)
        return os.waitstatus_to_exitcode(status) == 0, time.monotonic() - started

    def _by_file(self, mutant: Mutant, timeout: float) -> bool:
        self.path.write_text(mutant.source, encoding="utf-8")
        _drop_bytecode(self.path)
        try:
            survived, _seconds = run_tests(self.target.tests, timeout=timeout)
        finally:
            self.path.write_text(self.original, encoding="utf-8")
            _drop_bytecode(self.path)
        return survived

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if not session.items:
            raise SystemExit(f"{self.target.module}: no tests collected from {self.target.tests}")
        passed, baseline = self._forked(session, None, None)
        if not passed:
            self.report["error"] = f"its tests fail before any mutation: {self.target.tests}"
            return True
        timeout = baseline * 3 + 15
        keys = {m.key for m in self.mutants}
        prefix = self.target.module + "::"
        self.report["stale_equivalents"] = [
            key for key in self.equivalent if key.startswith(prefix) and key not in keys
        ]
        killed, equivalent, survivors = 0, 0, []
        for number, mutant in enumerate(self.mutants, start=1):
            if mutant.key in self.equivalent:
                equivalent += 1
                continue
            at_import = mutant.function in self.target.at_import
            if not at_import and swappable(self.target.module, self.original, mutant.source):
                survived, _seconds = self._forked(session, mutant.source, timeout)
            else:
                survived = self._by_file(mutant, timeout)
            if survived:
                survivors.append({"line": mutant.line, "key": mutant.key})
            else:
                killed += 1
            if self.verbose:
                state = "SURVIVED" if survived else "killed"
                _say(f"  [{number}/{len(self.mutants)}] {state}: line {mutant.line}: {mutant.key}")
        self.report.update(killed=killed, equivalent=equivalent, survivors=survivors)
        return True


def _stop(plugin: MutationPlugin) -> None:
    def handler(signum: int, _frame: Any) -> None:
        child = getattr(plugin, "child", None)
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str]) -> int:
    module, report = argv[0], Path(argv[1])
    verbose = "--verbose" in argv[2:]
    targets_file = next((a.split("=", 1)[1] for a in argv[2:] if a.startswith("--targets=")), None)
    targets = load_targets(Path(targets_file)) if targets_file else load_targets()
    (target,) = [t for t in targets if t.module == module]
    plugin = MutationPlugin(target, verbose)
    _stop(plugin)
    started = time.monotonic()
    pytest.main([*pytest_args(target.tests), "-qq", "-s", "-p", "no:warnings"], plugins=[plugin])
    plugin.report["seconds"] = round(time.monotonic() - started)
    report.write_text(json.dumps(plugin.report, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
