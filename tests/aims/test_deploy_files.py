"""The deployment files refer to things that exist: docker-compose.yml, Dockerfile,
.dockerignore, the vendored htmx and the Japanese font for PDF reports.

These tests read files (and import modules); they need neither a database nor Docker.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "worker-exports", "beat")
FONTS_CSS = ROOT / "static" / "fonts" / "fonts.css"
SAMPLE_TEXT = "日本語ひらがなカタカナABCabc0123人工知能管理"


# --- docker-compose.yml -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _argv(command: str | list[Any]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _option(argv: list[str], *names: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg in names and index + 1 < len(argv):
            return argv[index + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _module_file(dotted: str) -> Path:
    path = ROOT.joinpath(*dotted.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _check_command(argv: list[str]) -> None:
    """Fail unless the program is installed and what it names exists in the project."""
    program = argv[0]
    if program in {"python", "python3"}:
        assert argv[1] == "manage.py", argv
        assert (ROOT / "manage.py").is_file()
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
    elif program == "gunicorn":
        assert importlib.util.find_spec("gunicorn") is not None
        targets = [arg for arg in argv[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", arg)]
        assert len(targets) == 1, argv
        module, attribute = targets[0].split(":")
        assert _module_file(module).is_file(), f"{module} has no file"
        assert callable(getattr(importlib.import_module(module), attribute))
        # Sized by the shared config (workers, threads, the database's connection budget).
        config = _option(argv, "--config", "-c")
        assert config == "aims/gunicorn.conf.py", argv
        assert (ROOT / config).is_file()
        assert _option(argv, "--workers", "-w") is None, "the config sizes the workers"
    elif program == "celery":
        assert importlib.util.find_spec("celery") is not None
        app = _option(argv, "-A", "--app")
        assert app, argv
        assert (ROOT / app / "celery.py").is_file() or _module_file(app).is_file()
        from celery import Celery

        assert isinstance(importlib.import_module(f"{app}.celery").app, Celery)
        assert {"worker", "beat"} & set(argv), argv
    else:
        pytest.fail(f"unexpected program {program!r} in {argv}")


def test_compose_services_and_healthchecks(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "db", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["db"]["image"].startswith("postgres:16")
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert "ping" in _argv(services["redis"]["healthcheck"]["test"])
    assert "--appendonly" in _argv(services["redis"]["command"])
    web_check = "\n".join(_argv(services["web"]["healthcheck"]["test"]))
    assert "http://127.0.0.1:8000/health/" in web_check
    assert "urllib" in web_check


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_commands_refer_to_existing_things(compose, name):
    service = compose["services"].get(name)
    if service is None:
        pytest.skip(f"no {name} service")
    _check_command(_argv(service["command"]))


def test_compose_app_services_share_environment_and_media(compose):
    env = compose["x-app-env"]
    assert env["AIMS_MODE"] == "production"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${AIMS_APP_DB_PASSWORD:?" in env["DATABASE_URL"]
    assert "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-true}"
    assert str(env["BEHIND_TLS_PROXY"]).lower() == "true"
    for name in APP_SERVICES:
        service = compose["services"].get(name)
        if service is None:
            continue
        # Only the one-shot migrate logs in as the owner of the tables (see below).
        expected = {**env, "DATABASE_URL": _owner_url(compose)} if name == "migrate" else env
        assert service["environment"] == expected, name
        assert f"media:{env['MEDIA_ROOT']}" in service["volumes"], name
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        if "migrate" in compose["services"]:
            assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert {"media"} <= set(compose["volumes"])


def _owner_url(compose: dict[str, Any]) -> str:
    db = compose["services"]["db"]["environment"]
    return f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"


def _url_user(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def test_compose_application_role_is_not_the_superuser(compose):
    """POSTGRES_USER of the postgres image is a superuser, which could turn the change log's
    triggers off (session_replication_role) or disable them as the tables' owner: only
    migrate logs in as it; web, worker and beat use the role the init script makes."""
    services = compose["services"]
    db = services["db"]
    superuser = db["environment"]["POSTGRES_USER"]
    app_url = compose["x-app-env"]["DATABASE_URL"]
    app_role = _url_user(app_url)
    assert app_role != superuser
    assert _url_user(services["migrate"]["environment"]["DATABASE_URL"]) == superuser
    for name in ("web", "worker", "beat"):
        assert _url_user(services[name]["environment"]["DATABASE_URL"]) == app_role, name
    # The init script is mounted where the image runs it, and makes that role, password and all.
    mounts = dict(volume.split(":")[:2] for volume in db["volumes"])
    init_dir = ROOT / next(
        source for source, target in mounts.items() if target == "/docker-entrypoint-initdb.d"
    )
    script = init_dir / "10-app-role.sh"
    assert script.is_file() and script.stat().st_mode & 0o111, "must be executable"
    text = script.read_text(encoding="utf-8")
    assert f"AIMS_APP_DB_ROLE:-{app_role}" in text
    assert "NOSUPERUSER" in text
    assert "TRUNCATE" not in text.split("<<'SQL'", 1)[1], "the role may not empty tables"
    password = re.search(r":(\$\{\w+:\?[^}]*\})@", app_url).group(1)
    assert password.startswith("${AIMS_APP_DB_PASSWORD:?")
    assert db["environment"]["AIMS_APP_DB_PASSWORD"] == password


def test_compose_change_log_key_and_anchors(compose):
    """The HMAC key comes from the environment of the application only (never the database's);
    the anchors are written to a volume of their own, outside the database."""
    env = compose["x-app-env"]
    assert env["CHANGE_LOG_HMAC_KEY"].startswith("${CHANGE_LOG_HMAC_KEY:?")
    assert "CHANGE_LOG_HMAC_KEY" not in str(compose["services"]["db"])
    anchor_dir = env["CHANGE_LOG_ANCHOR_DIR"]
    for name in APP_SERVICES:
        assert f"change-log-anchors:{anchor_dir}" in compose["services"][name]["volumes"], name
    assert "change-log-anchors" in compose["volumes"]
    assert "postgres-data" not in str(compose["services"]["web"]["volumes"])


def _interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with ``given`` as the environment."""

    def replace(match: re.Match[str]) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if given.get(name):
            return given[name]
        if operator == "?":
            raise AssertionError(f"{name} is required: {rest}")
        return rest or ""

    return re.sub(r"\$\{(\w+)(?::([-?])([^}]*))?\}", replace, value)


def test_compose_environment_loads_production_settings(compose, tmp_path):
    """The settings accept the compose environment (fresh process: settings load once)."""
    given = {
        "SECRET_KEY": "k" * 30 + "-compose-test-" + "z" * 30,
        "POSTGRES_PASSWORD": "pw",
        "AIMS_APP_DB_PASSWORD": "apppw",
        "CHANGE_LOG_HMAC_KEY": "h" * 40,
    }
    env = {key: _interpolate(str(value), given) for key, value in compose["x-app-env"].items()}
    env["AIMS_VAR_DIR"] = str(tmp_path)  # no var/dev.env, as in the image
    env["PATH"] = "/usr/bin:/bin"
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['HOST'], s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER[0], s.MEDIA_ROOT, s.STATIC_ROOT, s.ALLOWED_HOSTS, "
        "s.DATABASES['default']['USER'], s.CHANGE_LOG_HMAC_KEY, s.CHANGE_LOG_ANCHOR_DIR)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "aims.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "db",
        "True",
        "HTTP_X_FORWARDED_PROTO",
        "/data/media",
        "/app/staticfiles",
        "['localhost']",
        "aims_app",
        "h" * 40,
        "/data/change-log-anchors",
    ]


# --- Dockerfile and .dockerignore -------------------------------------------------------------
def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    result = []
    for line in logical.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and line[0] != "#"]


def test_dockerfile_copies_existing_files_not_ignored():
    instructions = _instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    ignored = _dockerignore()
    copies = [rest for keyword, rest in instructions if keyword in {"COPY", "ADD"}]
    assert copies
    for rest in copies:
        assert "--from" not in rest, "multi-stage copies are not checked here"
        args = [arg for arg in shlex.split(rest) if not arg.startswith("--")]
        for source in args[:-1]:
            matches = list(ROOT.glob(source)) if source != "." else [ROOT]
            assert matches, f"COPY source {source!r} does not exist"
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source


def test_dockerfile_installs_runtime_only_and_runs_unprivileged():
    instructions = _instructions()
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "gettext"):
        assert package in runs
    assert "embedded" not in runs
    assert "[dev" not in runs
    assert "collectstatic --noinput" in runs
    assert "django-insecure" not in runs
    envs = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "SECRET_KEY" not in envs, "no secret baked into the image"
    assert "CHANGE_LOG_HMAC_KEY" not in envs, "no secret baked into the image"
    assert "STATIC_ROOT=/app/staticfiles" in envs
    assert "MEDIA_ROOT=/data/media" in envs
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users
    assert users[-1] not in {"root", "0"}
    cmd = next(rest for keyword, rest in instructions if keyword == "CMD")
    _check_command(json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd))


def test_dockerfile_installs_the_runtime_lock_before_the_code():
    """Exact versions from requirements.lock, in layers a code change does not rebuild; the
    project itself is installed without dependencies, so nothing unlocked comes in."""
    instructions = _instructions()
    installs = [
        (index, command.strip())
        for index, (keyword, rest) in enumerate(instructions)
        if keyword == "RUN"
        for command in rest.split("&&")
        if "pip install" in command
    ]
    assert [command for _, command in installs] == [
        "pip install -r requirements.lock",
        "pip install --no-deps .",
    ]
    copy_all = instructions.index(("COPY", ". ."))
    assert all(index < copy_all for index, _ in installs), "dependencies after the code"
    copied_before = [
        rest for keyword, rest in instructions[: installs[0][0]] if keyword in {"COPY", "ADD"}
    ]
    assert copied_before == ["requirements.lock ./"]


def test_dockerignore_keeps_local_state_out():
    ignored = set(_dockerignore())
    assert {".venv", "var", ".git", "bench/results"} <= ignored
    assert any("__pycache__" in pattern for pattern in ignored)


# --- Vendored assets ----------------------------------------------------------------------------
def test_htmx_is_vendored():
    htmx = ROOT / "static" / "vendor" / "htmx" / "htmx.min.js"
    assert htmx.is_file()
    assert htmx.stat().st_size > 10_000
    assert 'version:"2.' in htmx.read_text(encoding="utf-8")
    assert (ROOT / "static" / "vendor" / "htmx" / "LICENSE").is_file()
    assert "htmx" in (ROOT / "static" / "vendor" / "README.md").read_text(encoding="utf-8")


def _font_faces() -> list[tuple[int, Path]]:
    css = FONTS_CSS.read_text(encoding="utf-8")
    faces = []
    for block in re.findall(r"@font-face\s*\{(.*?)\}", css, re.S):
        assert re.search(r'font-family:\s*"AIMS Japanese"', block), block
        weight = int(re.search(r"font-weight:\s*(\d+)", block).group(1))
        urls = re.findall(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)", block)
        assert len(urls) == 1, block
        faces.append((weight, FONTS_CSS.parent / urls[0]))
    return faces


def test_fonts_css_urls_resolve_to_files():
    css = FONTS_CSS.read_text(encoding="utf-8")
    urls = re.findall(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)", css)
    assert urls
    for url in urls:
        assert not re.match(r"^[a-z]+:|^/", url), f"{url} must be relative"
        assert (FONTS_CSS.parent / url).is_file(), url
    assert 400 in {weight for weight, _ in _font_faces()}
    assert list(FONTS_CSS.parent.glob("LICENSE-*.txt"))


@pytest.mark.parametrize(
    "weight,path", _font_faces(), ids=lambda value: getattr(value, "name", str(value))
)
def test_font_covers_japanese_and_latin(weight, path):
    font = TTFont(path, lazy=True)
    assert font.sfntVersion in ("\x00\x01\x00\x00", "OTTO"), "TrueType or OpenType (not woff)"
    cmap = font.getBestCmap()
    missing = [char for char in SAMPLE_TEXT if ord(char) not in cmap]
    assert not missing, f"{path.name} lacks {''.join(missing)}"
    assert font["OS/2"].usWeightClass == weight


def test_weasyprint_embeds_the_font(tmp_path):
    from weasyprint import HTML

    html = (
        '<html><head><meta charset="utf-8"><link rel="stylesheet" href="fonts.css">'
        '<style>body { font-family: "AIMS Japanese"; }</style></head>'
        f"<body><p>{SAMPLE_TEXT}</p><p><b>{SAMPLE_TEXT}</b></p></body></html>"
    )
    pdf = HTML(string=html, base_url=str(FONTS_CSS)).write_pdf(uncompressed_pdf=True)
    assert b"AIMS-Japanese" in pdf
    if any(weight == 700 for weight, _ in _font_faces()):
        assert b"AIMS-Japanese-Bold" in pdf
