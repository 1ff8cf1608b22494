"""``.ci/run``, what CI runs: the linters first, then the suite, and a lint error fails CI.

The script is run for real with stand-ins for ``make`` and ``apt-get`` on the ``PATH``, so what
is checked is how it behaves, not how it is spelled.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stand_ins(tmp_path):
    """A ``make`` that logs its arguments (and fails ``make lint`` when asked to) and an
    ``apt-get`` that does nothing, so the script neither installs nor runs anything."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "make.log"
    (bin_dir / "make").write_text(
        "#!/bin/sh\n"
        f'echo "$* DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL" >> "{log}"\n'
        'if [ "$1" = lint ] && [ -n "$FAIL_LINT" ]; then exit 2; fi\n'
    )
    (bin_dir / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    for program in bin_dir.iterdir():
        program.chmod(0o755)
    return bin_dir, log


def _run_ci(bin_dir: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(extra, PATH=f"{bin_dir}:{os.environ['PATH']}")
    return subprocess.run(
        [str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
    )


def test_ci_runs_lint_then_tests_with_the_machine_servers(stand_ins):
    bin_dir, log = stand_ins
    result = _run_ci(bin_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = log.read_text().splitlines()
    assert [call.split()[0] for call in calls] == ["lint", "test"]
    for call in calls:  # lint (makemigrations --check) sees the same servers as the tests
        assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aims" in call
        assert "REDIS_URL=redis://127.0.0.1:6379/0" in call


def test_a_lint_error_fails_ci_before_the_tests_run(stand_ins):
    bin_dir, log = stand_ins
    result = _run_ci(bin_dir, FAIL_LINT="1")
    assert result.returncode != 0
    assert [call.split()[0] for call in log.read_text().splitlines()] == ["lint"]


def test_make_lint_runs_every_linter():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    for tool in (
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "manage.py makemigrations --check",
    ):
        assert tool in recipe, tool
