"""``manage.py run``: what ``make run`` calls. Migrates, loads the demo data, prints the URL and
logins, then serves the app with Celery workers (default and exports queues) and beat until
Ctrl-C stops them all (and the embedded servers this run started).

The app is served by gunicorn, sized within the database's connection budget
(``aims/gunicorn.conf.py``, ``aims/webserver.py``); Django's development server only with
``DEV_SERVER=1`` (it opens a thread, and so a database connection, per request)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from aims import embedded
from aims.webserver import ConnectionBudgetError, default_celery_connections, plan_from_server

GUNICORN_CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def web_command(host: str, port: str) -> list[str]:
    """The web server's command: gunicorn, or with ``DEV_SERVER=1`` Django's runserver."""
    if settings.DEV_SERVER:
        manage = str(settings.BASE_DIR / "manage.py")
        return [sys.executable, manage, "runserver", f"{host}:{port}", "--noreload"]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "aims.wsgi:application",
        "--config",
        str(GUNICORN_CONFIG),
        "--bind",
        f"{host}:{port}",
    ]


def celery_connections(commands: dict[str, list[str]]) -> int:
    """Database connections the Celery commands may hold: one per worker process, one for
    beat."""
    total = 0
    for argv in commands.values():
        if "celery" not in argv:
            continue
        if "beat" in argv:
            total += 1
        elif "worker" in argv:
            total += _concurrency(argv) or default_celery_connections(os.cpu_count() or 1) - 1
    return total


def _concurrency(argv: list[str]) -> int:
    for index, arg in enumerate(argv):
        if arg.startswith("--concurrency="):
            return int(arg.split("=", 1)[1])
        if arg in {"--concurrency", "-c"} and index + 1 < len(argv):
            return int(argv[index + 1])
    return 0


class Command(BaseCommand):
    help = "Run the development stack: web server, Celery worker and beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("load_library", stdout=self.stdout)
        if not options["no_demo"]:
            call_command("load_demo", stdout=self.stdout)
        connections.close_all()
        host, port = options["host"], options["port"]
        python = sys.executable
        commands = {
            "web": web_command(host, port),
            # One worker per queue, so a slow export never delays an e-mail.
            **{
                name: [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "aims",
                    "worker",
                    "--loglevel=INFO",
                    f"--queues={queue}",
                    f"--concurrency={concurrency}",
                    f"--hostname={name}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ]
                for name, queue, concurrency in (
                    ("worker", settings.CELERY_TASK_DEFAULT_QUEUE, 2),
                    ("worker-exports", settings.CELERY_EXPORTS_QUEUE, 1),
                )
            },
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "aims",
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        environments = {name: dict(os.environ) for name in commands}
        environments["web"].update(self.web_environment(commands))
        self.stdout.write(self.style.SUCCESS(f"\nServing http://{host}:{port}/ (Ctrl-C stops)\n"))
        # Each in a process group of its own: Ctrl-C reaches this command only, which stops each
        # server as it expects (SIGTERM: gunicorn and Celery finish what runs, then stop their
        # workers), instead of every worker getting the terminal's signal too.
        processes = {
            name: subprocess.Popen(
                cmd, cwd=settings.BASE_DIR, env=environments[name], start_new_session=True
            )
            for name, cmd in commands.items()
        }
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, proc in processes.items() if proc.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} exited; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for proc in processes.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                # Whatever of its group is left (a hung worker, a server past the deadline).
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            embedded.stop_in_use(settings.VAR_DIR)
            self.stdout.write("Stopped.")

    def web_environment(self, commands: dict[str, list[str]]) -> dict[str, str]:
        """The web server's sizing, checked against the database before anything starts."""
        if settings.DEV_SERVER:
            self.stdout.write(
                self.style.WARNING("DEV_SERVER=1: Django's development server, not for production.")
            )
            # A thread per request: persistent connections would pile up, one per thread.
            return {"DATABASE_CONN_MAX_AGE": "0"}
        celery = celery_connections(commands)
        try:
            plan = plan_from_server(celery_connections=celery)
        except ConnectionBudgetError as error:
            raise CommandError(f"The web server does not start: {error}") from None
        self.stdout.write(plan.describe())
        return {
            "WEB_WORKERS": str(plan.workers),
            "WEB_THREADS": str(plan.threads),
            "CELERY_DATABASE_CONNECTIONS": str(celery),
        }
