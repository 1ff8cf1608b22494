"""A Python client generated from the OpenAPI description serves an integration as it is
generated: openapi-python-client writes it without a warning, it imports without a patch, and
against a live server with API tokens it creates a document, uploads its file, reads it,
submits it and (as a second governance officer) approves it, reads an error answer in the
API's error shape, and registers a risk that the second officer accepts."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from aims.choices import Role
from aims.services.accounts import token_create
from aims.services.inventory import ai_system_create
from risk.defaults import create_shipped_matrices
from risk.models import RiskCriteria, RiskMatrix
from tests.factories import UserFactory
from tests.openapi import fetch_schema

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "aims_api_client"
PDF = b"%PDF-1.4 AI policy"


def generate_client(schema: dict[str, Any], into: Path) -> Any:
    """The client package generated from ``schema`` into ``into``, imported."""
    (into / "openapi.json").write_text(json.dumps(schema), encoding="utf-8")
    # No formatter; a ZIP download (the evidence pack) is bytes, as the generator reads
    # application/octet-stream.
    config = (
        "post_hooks: []\ncontent_type_overrides:\n  application/zip: application/octet-stream\n"
    )
    (into / "generator.yaml").write_text(config, encoding="utf-8")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(into / "openapi.json"),
            "--config",
            str(into / "generator.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output and "Error" not in output, output
    sys.path.insert(0, str(into))
    return importlib.import_module(PACKAGE)


@pytest.fixture
def generated(tmp_path):
    """Every module of the generated package, imported (each endpoint and model)."""
    officer = UserFactory(username="schema_reader", roles=[Role.GOVERNANCE_OFFICER])
    browser = Client()
    browser.force_login(officer)
    package = generate_client(fetch_schema(browser), tmp_path)
    names = {}
    for path in sorted((tmp_path / PACKAGE).rglob("*.py")):
        module = ".".join(path.relative_to(tmp_path).with_suffix("").parts)
        names[module.removesuffix(".__init__")] = importlib.import_module(
            module.removesuffix(".__init__")
        )
    yield package, names
    sys.path.remove(str(tmp_path))
    for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[module]


def token_for(username: str, role: str) -> str:
    user = UserFactory(username=username, roles=[role])
    return token_create(user=user, actor=user, name="integration", scope="write")[1]


def test_a_generated_client_imports_and_drives_the_api(generated, live_server):
    package, modules = generated
    assert len(modules) > 150  # every endpoint and model module imported
    with (
        package.AuthenticatedClient(
            base_url=live_server.url, token=token_for("officer", Role.GOVERNANCE_OFFICER)
        ) as officer,
        package.AuthenticatedClient(
            base_url=live_server.url, token=token_for("reviewer", Role.GOVERNANCE_OFFICER)
        ) as reviewer,
    ):
        drive(officer, reviewer)


def drive(officer: Any, reviewer: Any) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")

    def call(name: str, client: Any, **kwargs: Any) -> Any:
        module = importlib.import_module(f"{PACKAGE}.api.{name}")
        return module.sync_detailed(client=client, **kwargs)

    created = call(
        "documents.documents_create",
        officer,
        body=models.DocumentRequest(
            title="AI policy",
            kind=models.DocumentKindEnum.AI_POLICY,
            content="We develop and use AI that people can trust.",
        ),
    )
    assert created.status_code == 201, created.content
    document = created.parsed
    assert isinstance(document, models.Document)

    filed = call(
        "documents.documents_file_create",
        officer,
        id=document.id,
        body=models.DocumentFileRequest(
            file=types.File(payload=io.BytesIO(PDF), file_name="policy.pdf"),
            change_summary="Signed copy",
        ),
    )
    assert filed.status_code == 200, filed.content

    read = call("documents.documents_retrieve", officer, id=document.id).parsed
    assert read.title == "AI policy"
    (version,) = read.versions
    assert (version.number, version.status) == (1, models.ApprovalStatusEnum.DRAFT)
    assert (version.file_name, version.has_file, version.author) == ("policy.pdf", True, "officer")
    assert version.approved_by is None  # declared nullable: parsed, not refused

    submitted = call("documents.documents_submit_create", officer, id=document.id).parsed
    assert submitted.versions[0].status == models.ApprovalStatusEnum.IN_REVIEW

    own = call("documents.documents_approve_create", officer, id=document.id)
    assert own.status_code == 400
    assert isinstance(own.parsed, models.ErrorBody)
    assert (own.parsed.error.status, own.parsed.error.code) == (400, "invalid")

    approved = call("documents.documents_approve_create", reviewer, id=document.id).parsed
    assert approved.versions[0].status == models.ApprovalStatusEnum.APPROVED
    assert approved.versions[0].approved_by == "reviewer"

    create_shipped_matrices(RiskMatrix, RiskCriteria)
    system = ai_system_create(actor=None, name="Recruitment screening", purpose="Rank")
    risk = call(
        "risks.risks_create",
        officer,
        body=models.RiskRequest(
            title="Biased shortlists",
            ai_systems=[system.pk],
            inherent_likelihood=2,
            inherent_impact=2,
        ),
    )
    assert risk.status_code == 201, risk.content
    assert risk.parsed.acceptance is None
    accepted = call(
        "risks.risks_accept_create",
        reviewer,
        id=risk.parsed.id,
        body=models.AcceptRequestRequest(
            rationale="Within appetite",
            expires_on=timezone.localdate() + timedelta(days=90),
        ),
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.parsed.acceptance.accepted_by == "reviewer"
    assert accepted.parsed.status == models.RiskStatusEnum.ACCEPTED
