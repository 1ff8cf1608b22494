"""The web server of ``make run`` and the compose file: gunicorn sized to the machine within
PostgreSQL's connection limit (``aims/webserver.py``, ``aims/gunicorn.conf.py``), Django's
development server only with ``DEV_SERVER=1``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from aims.management.commands.run import (
    GUNICORN_CONFIG,
    Command,
    celery_connections,
    web_command,
)
from aims.webserver import (
    ConnectionBudgetError,
    connection_budget,
    default_size,
    plan_web_server,
    server_limits,
)

ROOT = Path(__file__).resolve().parents[2]


# --- Sizing ----------------------------------------------------------------------------------
def test_default_size_follows_the_cpus():
    assert default_size(1) == (3, 4)
    assert default_size(2) == (5, 4)
    assert default_size(8) == (17, 4)
    assert default_size(0) == (3, 4)  # os.cpu_count() may not know


def test_the_budget_is_what_the_server_allows_less_the_reserve():
    assert connection_budget(max_connections=100, superuser_reserved=3, reserved=5) == 92
    assert (
        connection_budget(max_connections=100, superuser_reserved=3, reserved=5, configured=40)
        == 40
    )
    with pytest.raises(ConnectionBudgetError, match=r"DATABASE_CONNECTION_BUDGET=93 .* = 92"):
        connection_budget(max_connections=100, superuser_reserved=3, reserved=5, configured=93)


def test_the_default_size_fits_a_roomy_budget_unchanged():
    plan = plan_web_server(cpus=2, budget=92, celery_connections=3)
    assert (plan.workers, plan.threads) == (5, 4)
    assert plan.web_connections + plan.celery_connections <= plan.budget


@pytest.mark.parametrize(
    "cpus,budget,celery,expected",
    [
        (2, 20, 3, (5, 3)),  # 17 left: fewer threads first
        (2, 8, 3, (5, 1)),  # 5 left: one thread each
        (2, 6, 3, (3, 1)),  # 3 left: then fewer workers
        (2, 4, 3, (1, 1)),
        (16, 92, 17, (33, 2)),  # a big machine on a default PostgreSQL
    ],
)
def test_derived_sizes_are_lowered_until_they_fit(cpus, budget, celery, expected):
    plan = plan_web_server(cpus=cpus, budget=budget, celery_connections=celery)
    assert (plan.workers, plan.threads) == expected
    assert plan.web_connections <= budget - celery


def test_given_sizes_are_kept_or_refused_never_changed():
    plan = plan_web_server(cpus=2, budget=92, celery_connections=3, workers=2, threads=8)
    assert (plan.workers, plan.threads) == (2, 8)
    # A given number of workers: only the derived threads are lowered.
    plan = plan_web_server(cpus=2, budget=20, celery_connections=3, workers=8)
    assert (plan.workers, plan.threads) == (8, 2)
    with pytest.raises(ConnectionBudgetError, match=r"10 × 10 = 100 .* only 89 are left"):
        plan_web_server(cpus=2, budget=92, celery_connections=3, workers=10, threads=10)
    with pytest.raises(ConnectionBudgetError, match=r"20 × 1 = 20 .* only 17 are left"):
        plan_web_server(cpus=2, budget=20, celery_connections=3, workers=20)


def test_no_connection_left_for_the_web_server_is_refused():
    with pytest.raises(ConnectionBudgetError, match="No database connection is left"):
        plan_web_server(cpus=2, budget=3, celery_connections=3)


@pytest.mark.django_db
def test_the_limits_are_read_from_the_server_without_touching_the_callers_connection():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int")
        expected = cursor.fetchone()[0]
    assert server_limits()[0] == expected
    assert connection.connection is not None and connection.is_usable()


# --- manage.py run ---------------------------------------------------------------------------
def test_run_serves_with_gunicorn_and_its_config(settings):
    settings.DEV_SERVER = False
    argv = web_command("127.0.0.1", "8123")
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "aims.wsgi:application"]
    assert argv[argv.index("--config") + 1] == str(GUNICORN_CONFIG)
    assert GUNICORN_CONFIG.is_file()
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert "runserver" not in argv


def test_run_uses_the_development_server_only_with_dev_server(settings):
    settings.DEV_SERVER = True
    argv = web_command("127.0.0.1", "8123")
    assert argv[1:] == [str(ROOT / "manage.py"), "runserver", "127.0.0.1:8123", "--noreload"]
    # A thread per request: no persistent connections there.
    assert Command().web_environment({}) == {"DATABASE_CONN_MAX_AGE": "0"}


def test_dev_server_comes_from_the_environment(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings as s; print(s.DEV_SERVER)"
    )
    outputs = []
    for value in (None, "1"):
        env = {key: val for key, val in os.environ.items() if key != "DEV_SERVER"}
        if value is not None:
            env["DEV_SERVER"] = value
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "aims.settings"},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outputs.append(result.stdout.strip())
    assert outputs == ["False", "True"]


def test_run_counts_the_connections_of_its_celery_processes():
    commands = {
        "web": ["python", "-m", "gunicorn", "aims.wsgi:application"],
        "worker": ["python", "-m", "celery", "-A", "aims", "worker", "--concurrency=2"],
        "exports": ["python", "-m", "celery", "-A", "aims", "worker", "-c", "1"],
        "beat": ["python", "-m", "celery", "-A", "aims", "beat"],
    }
    assert celery_connections(commands) == 2 + 1 + 1
    unsized = {"worker": ["celery", "-A", "aims", "worker"]}
    assert celery_connections(unsized) == (os.cpu_count() or 1)


@pytest.mark.django_db
def test_run_sizes_gunicorn_within_the_servers_limit(settings):
    settings.DEV_SERVER = False
    settings.WEB_WORKERS = settings.WEB_THREADS = settings.DATABASE_CONNECTION_BUDGET = 0
    max_connections, superuser_reserved = server_limits()
    commands = {"worker": ["python", "-m", "celery", "worker", "--concurrency=2"]}
    env = Command().web_environment(commands)
    web = int(env["WEB_WORKERS"]) * int(env["WEB_THREADS"])
    assert env["CELERY_DATABASE_CONNECTIONS"] == "2"
    reserve = superuser_reserved + settings.DATABASE_RESERVED_CONNECTIONS
    assert web + 2 <= max_connections - reserve


@pytest.mark.django_db
def test_run_refuses_to_start_a_web_server_that_cannot_fit(settings):
    from django.core.management.base import CommandError

    settings.DEV_SERVER = False
    settings.DATABASE_CONNECTION_BUDGET = 4
    settings.WEB_WORKERS, settings.WEB_THREADS = 2, 2
    commands = {"worker": ["python", "-m", "celery", "worker", "--concurrency=2"]}
    with pytest.raises(CommandError, match=r"does not start: WEB_WORKERS × WEB_THREADS = 2 × 2"):
        Command().web_environment(commands)


# --- aims/gunicorn.conf.py, as gunicorn reads it --------------------------------------------
@pytest.fixture
def test_database_url(db) -> str:
    """The test database as a DATABASE_URL, for a server process started by a test."""
    given = connection.settings_dict
    user = quote(given["USER"] or "", safe="")
    password = quote(given["PASSWORD"] or "", safe="")
    port = f":{given['PORT']}" if given["PORT"] else ""
    host = quote(given["HOST"] or "", safe="")
    return f"postgres://{user}:{password}@{port}/{given['NAME']}?host={host}"


def _gunicorn_config(database_url: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--print-config",
            "--config",
            "aims/gunicorn.conf.py",
            "aims.wsgi:application",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _printed(output: str, name: str) -> str:
    line = next(line for line in output.splitlines() if line.split(" = ")[0].strip() == name)
    return line.split(" = ", 1)[1].strip()


def test_gunicorn_config_sizes_within_the_database_budget(test_database_url):
    result = _gunicorn_config(
        test_database_url, DATABASE_CONNECTION_BUDGET="12", CELERY_DATABASE_CONNECTIONS="3"
    )
    assert result.returncode == 0, result.stderr
    workers, threads = (
        int(_printed(result.stdout, "workers")),
        int(_printed(result.stdout, "threads")),
    )
    assert workers * threads <= 12 - 3
    plan = plan_web_server(cpus=os.cpu_count() or 1, budget=12, celery_connections=3)
    assert (workers, threads) == (plan.workers, plan.threads)
    assert _printed(result.stdout, "worker_class") == "gthread"
    assert "database connections at most" in result.stderr


def test_gunicorn_config_refuses_sizes_beyond_the_budget_with_a_clear_message(test_database_url):
    result = _gunicorn_config(
        test_database_url,
        DATABASE_CONNECTION_BUDGET="12",
        CELERY_DATABASE_CONNECTIONS="3",
        WEB_WORKERS="4",
        WEB_THREADS="4",
    )
    assert result.returncode != 0
    assert "The web server does not start: WEB_WORKERS × WEB_THREADS = 4 × 4 = 16" in result.stderr
    assert "Traceback" not in result.stderr
