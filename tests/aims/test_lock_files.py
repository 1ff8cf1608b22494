"""The lock files: every install (``make``, CI, the Docker image) gets exact versions.

pyproject.toml holds floors; ``requirements.lock`` (runtime, what the image installs) and
``requirements-dev.lock`` (runtime with the ``embedded`` and ``dev`` extras, what ``make`` and CI
install) hold the exact versions, written by ``make lock``.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)")


def _pins(path: Path) -> dict[str, str]:
    """``{normalised name: version}``; fails on any line that is not ``name==version``."""
    pins: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        # As pip reads it: a comment starts at a "#" at the line's start or after whitespace
        # ("pkg==1.0# via x" is one malformed requirement to pip, not a pin and a comment).
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        match = PIN.fullmatch(line)
        assert match, f"{path.name}: {raw!r} is not an exact pin (name==version)"
        name = canonicalize_name(match[1])
        assert name not in pins, f"{path.name}: {name} pinned twice"
        pins[name] = match[2]
    return pins


def _declared() -> dict[str, list[Requirement]]:
    """pyproject.toml's requirements: ``"runtime"`` and one list per extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {"runtime": [Requirement(spec) for spec in project["dependencies"]]}
    for extra, specs in project["optional-dependencies"].items():
        declared[extra] = [Requirement(spec) for spec in specs]
    return declared


@pytest.mark.parametrize("path", [RUNTIME_LOCK, DEV_LOCK], ids=lambda path: path.name)
def test_lock_files_pin_exact_versions_only(path):
    pins = _pins(path)
    assert len(pins) > 20
    assert all(Version(version) for version in pins.values())


@pytest.mark.parametrize(
    ("path", "groups"),
    [(RUNTIME_LOCK, ["runtime"]), (DEV_LOCK, ["runtime", "embedded", "dev"])],
    ids=lambda value: value.name if isinstance(value, Path) else "+".join(value),
)
def test_every_declared_dependency_is_locked_within_its_floor(path, groups):
    declared = _declared()
    assert set(declared) == {"runtime", "embedded", "dev"}, "a new extra needs a lock decision"
    pins = _pins(path)
    for group in groups:
        for requirement in declared[group]:
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement} ({group}) is not in {path.name}: make lock"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{path.name} pins {name}=={pins[name]}, outside {requirement} ({group})"
            )


def test_the_image_runs_the_versions_the_tests_ran():
    runtime, dev = _pins(RUNTIME_LOCK), _pins(DEV_LOCK)
    assert {name: dev.get(name) for name in runtime} == runtime
    # The development servers and the test tools stay out of the image.
    declared = _declared()
    for requirement in declared["embedded"] + declared["dev"]:
        assert canonicalize_name(requirement.name) not in runtime, requirement.name


def test_pgserver_is_pinned_exactly():
    """aims.embedded uses pgserver's private API: a new version is a deliberate change."""
    (pgserver,) = [req for req in _declared()["embedded"] if req.name == "pgserver"]
    (spec,) = pgserver.specifier
    assert spec.operator == "=="
    assert _pins(DEV_LOCK)["pgserver"] == spec.version


def test_installed_versions_are_the_locked_ones():
    """What ``make`` installed (on CI: into a fresh clone) is exactly the dev lock."""
    wrong = {}
    for name, version in _pins(DEV_LOCK).items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = f"locked {version}, installed {installed}"
    assert wrong == {}


# --- The Makefile installs from the lock --------------------------------------------------------
@pytest.fixture
def makefile_copy(tmp_path):
    """The Makefile beside empty stand-ins for the files its install rule depends on, with an
    install stamp newer than all of them."""
    if shutil.which("make") is None:
        pytest.skip("no make")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("pyproject.toml", "requirements-dev.lock", "requirements.lock"):
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (1_000_000_000, 1_000_000_000))
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed-stamp").write_text("")
    return tmp_path


def _make(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_make_reinstalls_when_the_lock_changes(makefile_copy):
    assert _make(makefile_copy, "-q", ".venv/.installed-stamp").returncode == 0
    (makefile_copy / "requirements-dev.lock").write_text("django==5.2\n")  # newer than the stamp
    assert _make(makefile_copy, "-q", ".venv/.installed-stamp").returncode == 1


def test_make_installs_the_dev_lock_then_the_project_without_dependencies(makefile_copy):
    result = _make(makefile_copy, "-n", "-B", ".venv/.installed-stamp")
    assert result.returncode == 0, result.stderr
    installs = [line for line in result.stdout.splitlines() if " pip install " in line]
    assert installs[-2].endswith("-r requirements-dev.lock")
    assert installs[-1].endswith("--no-deps -e .")
    assert not any("[" in line for line in installs), "no extras: they come from the lock"


def test_make_lock_writes_both_lock_files_from_pyproject(makefile_copy):
    result = _make(makefile_copy, "-n", "-o", ".venv/.installed-stamp", "lock")
    assert result.returncode == 0, result.stderr
    dev, runtime = result.stdout.splitlines()
    assert "pip-compile" in dev and "pip-compile" in runtime
    assert "--extra embedded --extra dev" in dev
    assert dev.endswith("-o requirements-dev.lock pyproject.toml")
    assert "--extra" not in runtime
    assert "--constraint requirements-dev.lock" in runtime
    assert runtime.endswith("-o requirements.lock pyproject.toml")
    for line in (dev, runtime):  # the machine's own package index never ends up in a lock
        assert "--no-emit-index-url" in line and "--no-emit-find-links" in line
