"""Schemathesis over the whole OpenAPI description: every operation, with requests generated
from the schema (a bounded number per operation), sent in-process to the Django WSGI app as
the governance officer with a write token, over rows of every resource (``varied_records``).
No answer is a server error, and every answer conforms to the schema: a declared status and
content type, declared headers, and a body that validates.

``SCHEMATHESIS_MAX_EXAMPLES`` (default 25) sets the examples per operation; the run prints
how many operations and cases ran, and how long it took.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.config import HealthCheck

from aims.services.accounts import token_create
from tests.openapi import fetch_schema, varied_records

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
TOKENS = "/api/v1/tokens/"
RUN: dict[str, Any] = {"cases": 0, "operations": set(), "statuses": {}}


@pytest.fixture
def api_schema(officer, executive, api_client_for):
    varied_records(officer, executive)
    token, raw = token_create(user=officer, actor=officer, name="schemathesis", scope="write")
    auth = {"Authorization": f"Bearer {raw}"}
    # Path ids: mostly rows that exist (else every detail operation would only meet 404s),
    # sometimes the generated one. The token the run authenticates with is never revoked.
    client = api_client_for(officer)
    rows: dict[str, list[int]] = {}
    for path, item in fetch_schema(client)["paths"].items():
        ok = item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        if "application/json" not in ok:  # no list (a file: the change log export)
            continue
        if (
            "{" not in path
            and "get" in item
            and path
            not in (
                "/api/v1/me/",
                "/api/v1/inbox/",
                "/api/v1/readiness/",
            )
        ):
            listed = client.get(path, {"page_size": 500}).json()["results"]
            rows[path] = [row["id"] for row in listed if (path, row["id"]) != (TOKENS, token.pk)]

    config = schemathesis.Config()
    project = config.projects.default
    project.update(headers=auth, suppress_health_check=[HealthCheck.all])
    project.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE], max_examples=MAX_EXAMPLES, database="none"
    )
    project.phases.update(phases=["examples", "fuzzing"])
    project.checks.update(included_check_names=CHECKS)
    # Django's WSGI app, serving inside the test's transaction: as in Django's test client,
    # requests leave the connection open (close_old_connections would end the transaction).
    # From here on no request goes through the test client, which would reconnect them.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/?format=json", WSGIHandler(), config=config, headers=auth
        )

        @schema.hook
        def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
            ids = rows.get(context.operation.path.split("{", 1)[0], [])
            if not path_parameters or "id" not in path_parameters or not ids:
                return st.just(path_parameters)
            choices = st.sampled_from(ids) | st.just(path_parameters["id"])
            return choices.map(lambda pk: {**path_parameters, "id": pk})

        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """Schemathesis labels each operation's subtest through ``node._nodeid``, which pytest
    9.2 no longer has (its ``nodeid`` is read-only): give it the attribute to read and set."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(scope="module", autouse=True)
def _report(pytestconfig):
    """Says how many operations and cases ran, in how long (also without ``-s``)."""
    started = time.monotonic()
    yield
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(RUN["statuses"].items()))
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\nSchemathesis: {len(RUN['operations'])} operations, {RUN['cases']} cases in "
            f"{time.monotonic() - started:.0f} s (statuses {statuses})"
        )


@schema.parametrize()
@settings(deadline=None, database=None, print_blob=False)
def test_the_api_conforms_to_its_schema(case):
    """Every case of every operation: no server error, and an answer the schema declares."""
    # A server error can leave the test's transaction aborted: each case is a savepoint,
    # undone when it fails, so that the cases after it still run.
    savepoint = transaction.savepoint()
    try:
        response = case.call_and_validate()
    except BaseException:
        transaction.savepoint_rollback(savepoint)
        raise
    transaction.savepoint_commit(savepoint)
    RUN["cases"] += 1
    RUN["operations"].add((case.method, case.path))
    RUN["statuses"][response.status_code] = RUN["statuses"].get(response.status_code, 0) + 1
