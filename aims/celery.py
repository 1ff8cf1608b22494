"""The Celery application. Tasks are thin (ids in, a service call), idempotent, acknowledged
late, retried with backoff and bounded by time limits (see settings).

Two queues: the default one (``CELERY_QUEUE``: notifications, reminders, the sweeper) and
``CELERY_EXPORTS_QUEUE`` for reports and exports, each served by a worker of its own."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import import_modules, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")

app = Celery("aims")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_tokens: dict[str, Any] = {}

#: Tasks that render reports and exports: heavy in memory and time.
EXPORT_TASKS = frozenset({"aims.tasks.render_report"})


def route_task(name: str, *_args: Any, **_kwargs: Any) -> dict[str, str] | None:
    """Send exports to their own queue (read when a task is sent, so tests can move it)."""
    if name in EXPORT_TASKS:
        from django.conf import settings

        return {"queue": settings.CELERY_EXPORTS_QUEUE}
    return None


@import_modules.connect(sender=app)
def _start_embedded_servers(**_kwargs: Any) -> None:
    # A worker or beat (`python -m celery -A aims worker`, as `manage.py run` starts them) sends
    # this as it initialises, before it connects to the broker or the database. Not done at
    # import: every `import aims` imports this module, the settings' own import included.
    from aims import embedded

    embedded.start()


@task_prerun.connect
def _enter_task_context(task_id: str | None = None, **_kwargs: Any) -> None:
    # Change records written by a task carry its id, so a change can be traced to the job.
    from aims.choices import ChangeSource
    from aims.context import set_context

    if task_id:
        _tokens[task_id] = set_context(ChangeSource.TASK, task_id)
    # Dates a task writes (reports, e-mails, exports) are the organisation's dates, whatever
    # zone an earlier task of this worker process left active.
    from django.conf import settings
    from django.utils import timezone

    timezone.activate(settings.TIME_ZONE)


@task_postrun.connect
def _leave_task_context(task_id: str | None = None, **_kwargs: Any) -> None:
    from aims.context import reset_context

    token = _tokens.pop(task_id or "", None)
    if token is not None:
        reset_context(token)
