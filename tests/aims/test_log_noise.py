"""Log noise: a routine refusal (a role without the right, an anonymous visitor sent to sign
in, an API call without credentials) is one INFO line of ``aims.security`` (and Django's own
answer line lowered to INFO), never a warning or a traceback; a real error still logs at ERROR
with its traceback."""

from __future__ import annotations

import logging
import sys

import pytest
from django.urls import reverse

from aims.log_filters import RoutineRefusals
from aims.views.home import HomeView


def _loud(records):
    return [(r.name, r.levelname, r.getMessage()) for r in records if r.levelno >= logging.WARNING]


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_the_anonymous_redirect_to_sign_in_is_an_info_line(anonymous, client_for, log):
    response = client_for(anonymous).get(reverse("users"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert _loud(log.records) == []
    denials = [r for r in log.records if r.name == "aims.security"]
    assert [r.levelno for r in denials] == [logging.INFO]
    assert "user=- reason=policy manage_users" in denials[0].getMessage()


def test_a_page_refused_to_a_role_is_info_without_a_traceback(viewer, client_for, log):
    response = client_for(viewer).get(reverse("users"))
    assert response.status_code == 403
    assert _loud(log.records) == []
    assert not any(r.exc_info for r in log.records)
    assert any(
        r.name == "aims.security"
        and r.levelno == logging.INFO
        and "user=t_viewer" in r.getMessage()
        for r in log.records
    )
    answered = [r for r in log.records if r.name == "django.request"]
    assert [r.levelno for r in answered] == [logging.INFO]


def test_api_refusals_are_info_lines(viewer, anonymous, api_client_for, log):
    assert api_client_for(viewer).post("/api/v1/risks/", {}, format="json").status_code == 403
    assert api_client_for(anonymous).get("/api/v1/risks/").status_code == 401
    assert _loud(log.records) == []
    assert sum(r.name == "aims.security" for r in log.records) == 2


def test_a_real_error_still_logs_at_error_with_its_traceback(officer, client_for, log, monkeypatch):
    def boom(self, request, *args, **kwargs):
        raise RuntimeError("real trouble")

    monkeypatch.setattr(HomeView, "get", boom)
    client = client_for(officer)
    client.raise_request_exception = False
    assert client.get(reverse("home")).status_code == 500
    errors = [r for r in log.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].name == "django.request"
    assert errors[0].exc_info and isinstance(errors[0].exc_info[1], RuntimeError)


def _record(status, exc=None):
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except Exception:
            exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "x", None, exc_info)
    record.status_code = status
    return record


def test_the_filter_keeps_what_is_not_a_routine_refusal():
    quiet = RoutineRefusals()
    not_found = _record(404)
    assert quiet.filter(not_found) and not_found.levelno == logging.WARNING
    odd = _record(403, ValueError("not a refusal"))
    assert quiet.filter(odd) and odd.levelno == logging.WARNING and odd.exc_info
    plain = _record(403)
    assert quiet.filter(plain) and plain.levelname == "INFO"


def test_the_lowered_line_follows_the_deployments_level():
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.WARNING)
    try:
        assert not RoutineRefusals().filter(_record(401))
    finally:
        root.setLevel(before)
