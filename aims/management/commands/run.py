"""``manage.py run``: what ``make run`` calls. Migrates, loads the demo data, prints the URL and
logins, then serves the app with a Celery worker and beat until Ctrl-C stops them all (and the
embedded servers this run started)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from aims import embedded


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
        self.stdout.write(self.style.SUCCESS(f"\nServing http://{host}:{port}/ (Ctrl-C stops)\n"))
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        commands = {
            "web": [python, manage, "runserver", f"{host}:{port}", "--noreload"],
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
        processes = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()
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
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            embedded.stop_in_use(settings.VAR_DIR)
            self.stdout.write("Stopped.")
