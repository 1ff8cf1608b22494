"""A real Celery worker on the real broker (Redis), in a thread of the test process.

Tasks are sent to queues of their own (the default one and the exports one), so a worker of
``make run`` on the same Redis never takes a test's task. Tests using it need committed data:
``django_db(transaction=True)``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.test import override_settings

from aims.celery import app


@contextmanager
def running_worker() -> Iterator[set[str]]:
    """Yields the set of ids of the tasks the worker has finished (there is no result
    backend: the platform's jobs record their outcome in the database)."""
    queue = f"aims-test-{uuid.uuid4().hex[:8]}"
    exports = f"{queue}-exports"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    finished: set[str] = set()

    def record(task_id: str | None = None, **_kwargs: object) -> None:
        if task_id:
            finished.add(task_id)

    task_postrun.connect(record, weak=False)
    try:
        with (
            override_settings(CELERY_EXPORTS_QUEUE=exports),
            start_worker(app, pool="solo", perform_ping_check=False, queues=[queue, exports]),
        ):
            yield finished
    finally:
        task_postrun.disconnect(record)
        app.conf.task_default_queue = previous


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
