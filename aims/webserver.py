"""Sizing of the web server (gunicorn) within the database's connection limit.

Every gunicorn thread may hold one PostgreSQL connection (Django's connections are per thread
and persist for ``CONN_MAX_AGE``), every Celery worker process one, beat one. Their sum must
stay below what the server accepts, or requests fail with "too many clients already". The
web server gets what the budget leaves after the Celery processes:

    workers × threads ≤ budget − Celery connections
    budget = max_connections − superuser_reserved_connections − DATABASE_RESERVED_CONNECTIONS
             (or DATABASE_CONNECTION_BUDGET, which may only be lower)

``aims/gunicorn.conf.py`` (used by ``make run`` and the compose file) calls ``plan_from_server``
at start: sizes not given (``WEB_WORKERS``, ``WEB_THREADS``) are derived from the CPU count and
lowered until they fit; sizes given that cannot fit stop the start with a message saying why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

THREADS_PER_WORKER = 4


class ConnectionBudgetError(Exception):
    """The web server cannot be sized within the database's connection limit."""


@dataclass(frozen=True)
class WebServerPlan:
    workers: int
    threads: int
    budget: int
    celery_connections: int

    @property
    def web_connections(self) -> int:
        return self.workers * self.threads

    def describe(self) -> str:
        return (
            f"gunicorn: {self.workers} workers × {self.threads} threads = "
            f"{self.web_connections} database connections at most; Celery "
            f"{self.celery_connections}; budget {self.budget}"
        )


def default_size(cpus: int) -> tuple[int, int]:
    """Workers and threads for ``cpus`` processors: gunicorn's two workers per core plus one
    (requests spend much of their time in the database, not on the processor), each with a
    few threads."""
    return 2 * max(cpus, 1) + 1, THREADS_PER_WORKER


def connection_budget(
    *, max_connections: int, superuser_reserved: int, reserved: int, configured: int = 0
) -> int:
    """Connections the application's processes may hold in all. ``configured`` (0: none) may
    lower what the server allows, never raise it."""
    allowed = max_connections - superuser_reserved - reserved
    if configured and configured > allowed:
        raise ConnectionBudgetError(
            f"DATABASE_CONNECTION_BUDGET={configured} is more than PostgreSQL allows: "
            f"max_connections {max_connections} − {superuser_reserved} reserved for superusers "
            f"− DATABASE_RESERVED_CONNECTIONS {reserved} = {allowed}. Lower the budget or raise "
            "max_connections."
        )
    return configured or allowed


def plan_web_server(
    *,
    cpus: int,
    budget: int,
    celery_connections: int,
    workers: int = 0,
    threads: int = 0,
) -> WebServerPlan:
    """Workers and threads whose connections fit ``budget`` beside ``celery_connections``.

    ``workers`` / ``threads`` of 0 are derived from ``cpus`` and lowered (threads first, then
    workers) until they fit; given ones are kept, or refused when they cannot fit."""
    available = budget - celery_connections
    if available < 1:
        raise ConnectionBudgetError(
            f"No database connection is left for the web server: the budget is {budget} and "
            f"the Celery worker and beat take {celery_connections}. Raise PostgreSQL's "
            "max_connections or DATABASE_CONNECTION_BUDGET, or lower CELERY_DATABASE_CONNECTIONS."
        )
    default_workers, default_threads = default_size(cpus)
    size_workers, size_threads = workers or default_workers, threads or default_threads
    while size_workers * size_threads > available:
        if not threads and size_threads > 1:
            size_threads -= 1
        elif not workers and size_workers > 1:
            size_workers -= 1
        else:
            raise ConnectionBudgetError(
                f"WEB_WORKERS × WEB_THREADS = {size_workers} × {size_threads} = "
                f"{size_workers * size_threads} database connections, but only {available} "
                f"are left (budget {budget} − Celery {celery_connections}). Lower WEB_WORKERS "
                "or WEB_THREADS, or raise PostgreSQL's max_connections."
            )
    return WebServerPlan(
        workers=size_workers,
        threads=size_threads,
        budget=budget,
        celery_connections=celery_connections,
    )


def server_limits() -> tuple[int, int]:
    """PostgreSQL's ``max_connections`` and ``superuser_reserved_connections``, read on a
    connection of its own that is closed again (nothing may cross a fork, and the caller's
    connection and transaction stay as they are)."""
    from django.db import connections

    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_connections")
            max_connections = int(cursor.fetchone()[0])
            cursor.execute("SHOW superuser_reserved_connections")
            superuser_reserved = int(cursor.fetchone()[0])
    finally:
        connection.close()
    return max_connections, superuser_reserved


def plan_from_server(celery_connections: int = 0) -> WebServerPlan:
    """The plan for this machine and database, from the settings (``WEB_WORKERS``,
    ``WEB_THREADS``, ``DATABASE_CONNECTION_BUDGET``, ``DATABASE_RESERVED_CONNECTIONS``,
    ``CELERY_DATABASE_CONNECTIONS``, unless ``celery_connections`` is given) and the server's
    limits. Needs Django set up."""
    from django.conf import settings

    max_connections, superuser_reserved = server_limits()
    budget = connection_budget(
        max_connections=max_connections,
        superuser_reserved=superuser_reserved,
        reserved=settings.DATABASE_RESERVED_CONNECTIONS,
        configured=settings.DATABASE_CONNECTION_BUDGET,
    )
    cpus = os.cpu_count() or 1
    celery = (
        celery_connections
        or settings.CELERY_DATABASE_CONNECTIONS
        or default_celery_connections(cpus)
    )
    return plan_web_server(
        cpus=cpus,
        budget=budget,
        celery_connections=celery,
        workers=settings.WEB_WORKERS,
        threads=settings.WEB_THREADS,
    )


def default_celery_connections(cpus: int) -> int:
    """A Celery worker started without ``--concurrency`` runs one process per CPU; beat one."""
    return max(cpus, 1) + 1
