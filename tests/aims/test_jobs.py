"""No job lost, nothing stuck; outages answer 503 with ``Retry-After``.

A killed worker or a stopped Redis leaves no report job stuck: every job ends done or failed
within the hard time limit plus one sweep, and a failed job can be requested again. When Redis
or PostgreSQL does not answer, pages and the API say so with a 503 (never a bare 500), and
nothing is kept half-made: no queued job without a message, no write reported as done.

Real Redis and real Celery workers: one in a thread of the test process (``running_worker``)
and, for the kill, one in a process of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aims.celery import app
from aims.choices import ReportStatus
from aims.models import AISystem, Notification, ReportJob
from aims.registry import registry
from aims.reports import ReportKind
from aims.services.accounts import notification_create
from aims.services.reports import report_job_create, report_job_render, report_jobs_sweep
from aims.unavailable import JobQueueUnavailable
from tests.celery_worker import running_worker, wait_until

ROOT = Path(__file__).resolve().parents[2]
SLOW_KIND = "test_slow_report"


# --- A report kind of the tests ----------------------------------------------------------------
def slow_kind(seconds: float) -> ReportKind:
    """A report that takes ``seconds`` to render (long enough to kill its worker meanwhile)."""

    def render(job: Any, out: Any) -> None:
        time.sleep(seconds)
        out.write(b"rendered\n")

    return ReportKind(
        code=SLOW_KIND,
        label="Slow report",
        formats=("csv",),
        clean=lambda user, raw: dict(raw),
        render=render,
    )


@contextmanager
def report_kind(kind: ReportKind) -> Iterator[ReportKind]:
    registry.report_kinds[kind.code] = kind
    try:
        yield kind
    finally:
        registry.report_kinds.pop(kind.code, None)


def request_slow(user: Any, **parameters: Any) -> ReportJob:
    return report_job_create(
        actor=user, kind=SLOW_KIND, format="csv", language="en", parameters=parameters
    )


def request_inventory(user: Any) -> ReportJob:
    return report_job_create(
        actor=user, kind="ai_system_inventory", format="csv", language="en", parameters={}
    )


# --- Redis down --------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_broker(url: str) -> None:
    app.conf.broker_url = url
    # Forget the pooled connections to the previous broker.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def redis_stopped() -> Iterator[None]:
    """The broker as a stopped Redis leaves it: nothing listens on its port."""
    real = app.conf.broker_url
    _use_broker(f"redis://127.0.0.1:{_closed_port()}/0")
    try:
        yield
    finally:
        _use_broker(real)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_request_fails_fast_and_leaves_no_job(make_user):
    officer = make_user("governance_officer", username="jobs_officer")
    with redis_stopped():
        started = time.monotonic()
        with pytest.raises(JobQueueUnavailable):
            request_inventory(officer)
        assert time.monotonic() - started < 10  # not hanging a web worker
    assert not ReportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_report_page_answers_503_and_leaves_no_job(make_user):
    officer = make_user("governance_officer", username="jobs_officer")
    client = Client()
    client.force_login(officer)
    with redis_stopped():
        response = client.post(
            reverse("reports"),
            {"kind": "ai_system_inventory", "format": "csv", "language": "en"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.RETRY_AFTER_SECONDS)
    assert b"nothing was requested" in response.content
    assert b"Traceback" not in response.content
    assert not ReportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_api_answers_503_with_its_error_body(make_user, api_client_for):
    officer = make_user("governance_officer", username="jobs_officer")
    with redis_stopped():
        response = api_client_for(officer).post(
            reverse("api:report-list"),
            {"kind": "ai_system_inventory", "format": "csv", "language": "en"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.RETRY_AFTER_SECONDS)
    error = response.json()["error"]
    assert error["status"] == 503
    assert error["code"] == "unavailable"
    assert "nothing was requested" in error["message"]
    assert not ReportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_notification_keeps_its_write_and_logs_the_lost_mail(make_user, caplog):
    """The e-mail follows a write that has landed: the request must not fail as if it had
    not (a workflow step that notifies someone)."""
    user = make_user("governance_officer", username="jobs_officer")
    with redis_stopped():
        notification = notification_create(recipient=user, subject="A risk was accepted")
    assert notification is not None
    assert Notification.objects.filter(pk=notification.pk, emailed_at=None).exists()
    assert "send_notification_email" in caplog.text and "could not be queued" in caplog.text


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_after_redis_returns_the_sweeper_resends_a_job_whose_message_was_lost(make_user):
    officer = make_user("governance_officer", username="jobs_officer")
    # Queued, but its message is gone (Redis restarted without it).
    job = ReportJob.objects.create(
        kind="ai_system_inventory",
        format="csv",
        language="en",
        requested_by=officer,
        enqueued_at=timezone.now(),
    )
    later = timezone.now() + timedelta(seconds=settings.JOB_REQUEUE_AFTER + 1)
    assert report_jobs_sweep().resent == 0  # not yet: it may just be waiting its turn
    with redis_stopped():
        assert report_jobs_sweep(now=later).resent == 0  # still down: try again next time
    job.refresh_from_db()
    assert job.status == ReportStatus.QUEUED
    with running_worker():
        assert report_jobs_sweep(now=later).resent == 1
        assert wait_until(lambda: ReportJob.objects.get(pk=job.pk).status == "done", timeout=30)
    # Resent once per JOB_REQUEUE_AFTER, not at every sweep.
    assert report_jobs_sweep(now=later).resent == 0


# --- A worker killed mid-render ----------------------------------------------------------------
_WORKER_SCRIPT = """
import os, sys
import django
django.setup()
from aims.registry import registry
from tests.aims.test_jobs import slow_kind
registry.add_report_kind(slow_kind(seconds=300))
from aims.celery import app
app.worker_main(["worker", "--pool=solo", "--queues", sys.argv[1], "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"])
"""


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_is_killed_ends_failed_within_the_limit_and_can_be_requested_again(
    make_user, api_client_for, tmp_path
):
    officer = make_user("governance_officer", username="jobs_officer")
    queue = f"aims-test-kill-{os.getpid()}-{int(time.time())}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aims.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_EXPORTS_QUEUE": queue,
        "MEDIA_ROOT": str(tmp_path / "worker-media"),
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER_SCRIPT, queue],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        with report_kind(slow_kind(seconds=0)), override_exports_queue(queue):
            job = request_slow(officer)
            assert wait_until(
                lambda: ReportJob.objects.get(pk=job.pk).status == "running", timeout=60
            ), log.read_text()
            os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, mid-render
            worker.wait(timeout=10)

            job.refresh_from_db()
            assert job.status == ReportStatus.RUNNING
            assert report_jobs_sweep().failed == 0  # within its limit it may still be alive
            # Beat sweeps every JOB_SWEEP_INTERVAL seconds: follow the sweeps from the start.
            moment = job.started_at
            while ReportJob.objects.get(pk=job.pk).status == ReportStatus.RUNNING:
                moment += timedelta(seconds=settings.JOB_SWEEP_INTERVAL)
                report_jobs_sweep(now=moment)
            assert moment - job.started_at <= timedelta(
                seconds=settings.REPORT_TIME_LIMIT + settings.JOB_SWEEP_INTERVAL
            )
            job.refresh_from_db()
            assert job.status == ReportStatus.FAILED
            assert "the worker rendering it stopped" in job.error
            assert job.finished_at == moment

            # The requester sees it and asks again; a live worker renders the new job.
            api = api_client_for(officer)
            seen = api.get(reverse("api:report-detail", args=[job.pk])).json()
            assert seen["status"] == "failed" and seen["error"] == job.error
            with running_worker():
                again = api.post(reverse("api:report-retry", args=[job.pk]))
                assert again.status_code == 202, again.content
                new_id = again.json()["id"]
                assert wait_until(
                    lambda: ReportJob.objects.get(pk=new_id).status == "done", timeout=30
                )
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


@contextmanager
def override_exports_queue(queue: str) -> Iterator[None]:
    from django.test import override_settings

    with override_settings(CELERY_EXPORTS_QUEUE=queue):
        yield


# --- The sweeper and the render, without workers -----------------------------------------------
def _running(user: Any, *, started: Any) -> ReportJob:
    return ReportJob.objects.create(
        kind="ai_system_inventory",
        format="csv",
        language="ja",
        requested_by=user,
        status=ReportStatus.RUNNING,
        started_at=started,
    )


def test_the_sweeper_fails_a_running_job_only_past_its_hard_limit(officer):
    now = timezone.now()
    limit = timedelta(seconds=settings.REPORT_TIME_LIMIT)
    alive = _running(officer, started=now - limit + timedelta(seconds=5))
    lost = _running(officer, started=now - limit - timedelta(seconds=1))
    outcome = report_jobs_sweep(now=now)
    assert (outcome.failed, outcome.resent) == (1, 0)
    alive.refresh_from_db()
    lost.refresh_from_db()
    assert alive.status == ReportStatus.RUNNING and not alive.error
    assert lost.status == ReportStatus.FAILED and lost.finished_at == now
    assert str(-(-settings.REPORT_TIME_LIMIT // 60)) in lost.error
    # A second sweep changes nothing.
    assert report_jobs_sweep(now=now).failed == 0
    lost.refresh_from_db()
    assert lost.finished_at == now


def test_the_sweeper_fails_a_job_no_worker_took_for_hours(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = request_inventory(officer)
    later = timezone.now() + timedelta(seconds=settings.JOB_QUEUED_MAX + 1)
    outcome = report_jobs_sweep(now=later)
    assert (outcome.failed, outcome.resent) == (1, 0)
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert "No worker took the report" in job.error


def test_a_job_is_taken_once_so_a_second_delivery_renders_nothing(officer):
    with report_kind(slow_kind(seconds=0)):
        job = request_slow(officer)
        ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING)
        assert report_job_render(job_id=job.pk) is None
        job.refresh_from_db()
        assert job.status == ReportStatus.RUNNING and not job.file


def test_a_render_that_outlives_the_sweep_keeps_the_sweepers_verdict(officer, settings):
    def render(job: Any, out: Any) -> None:
        # The worker was presumed dead and the job failed while it still rendered.
        report_jobs_sweep(now=timezone.now() + timedelta(seconds=settings.REPORT_TIME_LIMIT + 1))
        out.write(b"late\n")

    kind = ReportKind(
        code=SLOW_KIND, label="Late", formats=("csv",), clean=lambda u, r: {}, render=render
    )
    with report_kind(kind):
        job = request_slow(officer)
        result = report_job_render(job_id=job.pk)
    assert result is not None and result.status == ReportStatus.FAILED
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED and not job.file and not job.file_sha256
    assert not list((Path(settings.MEDIA_ROOT) / "reports").rglob("*.csv"))


def test_a_render_stopped_at_its_soft_limit_says_so(officer):
    def render(job: Any, out: Any) -> None:
        raise SoftTimeLimitExceeded()

    kind = ReportKind(
        code=SLOW_KIND, label="Long", formats=("csv",), clean=lambda u, r: {}, render=render
    )
    with report_kind(kind):
        job = report_job_render(job_id=request_slow(officer).pk)
    assert job is not None and job.status == ReportStatus.FAILED
    assert "took longer than 10 minutes" in job.error


# --- Requesting again --------------------------------------------------------------------------
def _failed(user: Any, **fields: Any) -> ReportJob:
    return ReportJob.objects.create(
        kind="ai_system_inventory",
        format="xlsx",
        language="ja",
        parameters={"lifecycle_stage": ["operation"]},
        requested_by=user,
        status=ReportStatus.FAILED,
        error="The worker stopped.",
        **fields,
    )


def test_the_job_page_offers_a_failed_job_again(officer, client_for):
    job = _failed(officer)
    client = client_for(officer)
    page = client.get(reverse("report", args=[job.pk])).content.decode()
    assert reverse("report_retry", args=[job.pk]) in page
    assert "The worker stopped." in page
    response = client.post(reverse("report_retry", args=[job.pk]))
    new = ReportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("report", args=[new.pk])
    assert (new.kind, new.format, new.language, new.parameters, new.status) == (
        job.kind,
        job.format,
        job.language,
        job.parameters,
        ReportStatus.QUEUED,
    )
    assert new.requested_by == officer
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED  # the failed one stays, with its message


def test_the_api_requests_a_failed_job_again(officer, api_client_for):
    job = _failed(officer)
    response = api_client_for(officer).post(reverse("api:report-retry", args=[job.pk]))
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert ReportJob.objects.get(pk=response.json()["id"]).parameters == job.parameters


def test_a_job_that_did_not_fail_is_not_requested_again(officer, api_client_for, client_for):
    job = _failed(officer)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.QUEUED, error="")
    response = api_client_for(officer).post(reverse("api:report-retry", args=[job.pk]))
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    page = client_for(officer).post(
        reverse("report_retry", args=[job.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Only a failed or expired report can be requested again." in page.content.decode()
    assert ReportJob.objects.count() == 1


def test_requesting_again_needs_what_requesting_needs(officer, operator, viewer, api_client_for):
    job = _failed(officer, shared=False)
    # Another person's own job is not theirs to see, nor to repeat.
    assert (
        api_client_for(operator).post(reverse("api:report-retry", args=[job.pk])).status_code == 404
    )
    assert (
        api_client_for(viewer).post(reverse("api:report-retry", args=[job.pk])).status_code == 403
    )
    assert ReportJob.objects.count() == 1


# --- PostgreSQL down ---------------------------------------------------------------------------
def _writes_fail(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


def test_a_page_write_during_a_database_restart_answers_503(officer):
    client = Client()
    client.force_login(officer)
    with connection.execute_wrapper(_writes_fail):
        response = client.post(
            reverse("reports"),
            {"kind": "ai_system_inventory", "format": "csv", "language": "en"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.RETRY_AFTER_SECONDS)
    assert "check whether it was saved" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_an_api_write_during_a_database_restart_answers_503(officer, api_client_for):
    api = api_client_for(officer)
    with connection.execute_wrapper(_writes_fail):
        response = api.post(
            reverse("api:ai-system-list"), {"name": "During", "purpose": "Restart"}, format="json"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.RETRY_AFTER_SECONDS)
    assert response.json()["error"]["code"] == "unavailable"
    assert not AISystem.objects.filter(name="During").exists()
    # Once it is back, the same write lands.
    again = api.post(
        reverse("api:ai-system-list"), {"name": "During", "purpose": "Restart"}, format="json"
    )
    assert again.status_code == 201
    assert AISystem.objects.filter(name="During").count() == 1


@contextmanager
def database_stopped() -> Iterator[None]:
    """New connections go to a port where nothing listens, as while PostgreSQL restarts."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(_closed_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_pages_and_the_api_answer_503(make_user):
    officer = make_user("governance_officer", username="jobs_officer")
    # The outage is met before any view: loading the session and the user.
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    with database_stopped():
        page = client.get(reverse("reports"), HTTP_ACCEPT_LANGUAGE="en")
        api = client.post(
            reverse("api:report-list"),
            {"kind": "ai_system_inventory", "format": "csv"},
            content_type="application/json",
        )
    assert page.status_code == 503 and page["Retry-After"]
    assert "The database is not answering" in page.content.decode()
    assert api.status_code == 503 and api["Retry-After"]
    assert api.json()["error"]["code"] == "unavailable"
    assert client.get(reverse("reports")).status_code == 200  # and back again
    assert not ReportJob.objects.exists()


# --- Queues, limits and the worker processes ---------------------------------------------------
def test_exports_go_to_their_own_queue_apart_from_mail_and_reminders():
    from aims import tasks

    router = app.amqp.router

    def queue(task: Any) -> str:
        return router.route({}, task.name)["queue"].name

    assert queue(tasks.render_report) == settings.CELERY_EXPORTS_QUEUE
    for task in (tasks.send_notification_email, tasks.send_review_digest, tasks.sweep_jobs):
        assert queue(task) == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CELERY_EXPORTS_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE


def test_the_visibility_timeout_is_above_every_task_limit():
    """A message unacknowledged for longer than the visibility timeout is delivered again: a
    task still running (or waiting for its retry) then runs twice."""
    app.loader.import_default_modules()
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 6
    for task in ours:
        limit = task.time_limit or app.conf.task_time_limit
        assert limit and limit < timeout, task.name
        if getattr(task, "retry_backoff", False):
            assert getattr(task, "retry_backoff_max", 600) < timeout, task.name  # 600: default
    assert timeout > settings.REPORT_TIME_LIMIT


def test_a_sweep_is_scheduled_more_often_than_jobs_are_resent():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-jobs"]
    assert entry["task"] == "aims.tasks.sweep_jobs"
    assert entry["schedule"] == settings.JOB_SWEEP_INTERVAL < settings.JOB_REQUEUE_AFTER


def test_compose_runs_a_worker_per_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    def option(argv: list[str], name: str) -> str:
        return argv[argv.index(name) + 1]

    env = services["worker"]["environment"]
    assert services["worker-exports"]["environment"] == env
    default, exports = services["worker"]["command"], services["worker-exports"]["command"]
    assert option(default, "--queues") == env["CELERY_QUEUE"]
    assert option(exports, "--queues") == env["CELERY_EXPORTS_QUEUE"]
    assert env["CELERY_QUEUE"] != env["CELERY_EXPORTS_QUEUE"]
    assert int(option(exports, "--concurrency")) < int(option(default, "--concurrency"))
    assert int(option(exports, "--max-memory-per-child")) > int(
        option(default, "--max-memory-per-child")
    )
    # Stopping lets a running export finish (its hard limit) before the container is killed.
    grace = services["worker-exports"]["stop_grace_period"]
    assert grace.endswith("m") and int(grace[:-1]) * 60 > settings.REPORT_TIME_LIMIT
