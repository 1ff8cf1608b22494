"""The embedded PostgreSQL and Redis of ``make run`` / ``make test``, and ``manage.py run``.

These start real servers in a scratch directory under ``var/`` (reachable by the system user
PostgreSQL runs as when the tests run as root) and leave the checkout's own servers alone.
"""

from __future__ import annotations

import http.cookiejar
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
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        AIMS_MODE="development",
        AIMS_VAR_DIR=str(scratch_var),
        DEMO_PASSWORD="embedded run demo pw 1",
        SECRET_KEY="x" * 60,
        PORT=str(port),
    )
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


@pytest.mark.slow
def test_manage_py_run_serves_logins_and_survives_a_restart(scratch_var):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_run(scratch_var, port)
    try:
        _wait_for(base + "/accounts/login/", process)
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
    assert embedded._postmaster_socket_dir(scratch_var / "pgdata") is None
    # Start again: the same data (the demo users) is still there.
    process = _start_run(scratch_var, port)
    try:
        _wait_for(base + "/health/", process)
        assert _log_in(base, "officer", "embedded run demo pw 1") == base + "/"
    finally:
        _interrupt(process)
