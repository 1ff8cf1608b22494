"""PDF reports fetch resources from the static folder only, whatever a URL encodes, and every
text a user wrote is escaped: a risk titled ``<img src="file:///etc/passwd">`` fetches
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from aims.models import AISystem, BusinessUnit, Organization
from aims.reports import pdf
from aims.services.records import record_create
from aims.services.reports import report_job_create, report_job_render
from risk.models import Risk, RiskAcceptance, TreatmentAction
from risk.services.acceptance import risk_accept
from risk.services.register import risk_create
from risk.services.treatment import treatment_action_create

STATIC = pdf.STATIC
ESCAPES = "%2e%2e/" * (len(STATIC.parts) + 2)


def fetch(url: str) -> bytes:
    response = pdf._static_only_fetcher().fetch(url)
    try:
        return response.read()
    finally:
        response.close()


def test_a_static_file_is_fetched():
    assert fetch(f"{STATIC.as_uri()}/css/report.css") == (STATIC / "css/report.css").read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        f"{STATIC.as_uri()}/{ESCAPES}etc/passwd",
        f"{STATIC.as_uri()}/%2E%2E/%2E%2E/{ESCAPES}etc/passwd",
        f"{STATIC.as_uri()}/css/..%2f..%2f{ESCAPES.replace('/', '%2f')}etc/passwd",
        f"{STATIC.as_uri()}/../aims/settings.py",
        "file:///etc/passwd",
        f"file://localhost{STATIC.parent}/aims/settings.py",
        f"file://elsewhere{STATIC}/css/report.css",
        "http://127.0.0.1:8000/static/css/report.css",
        "data:text/plain,hello",
    ],
)
def test_anything_outside_the_static_folder_is_refused(url):
    with pytest.raises(ValueError, match="static folder only"):
        fetch(url)


def test_a_percent_encoded_name_inside_the_static_folder_is_decoded():
    assert fetch(f"{STATIC.as_uri()}/css/report%2ecss") == (STATIC / "css/report.css").read_bytes()


PAYLOAD = '<img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/hostname">'


def poison(obj: models.Model, skip: tuple[str, ...] = ()) -> None:
    """Every free-text field of ``obj`` (text a user typed) holds markup that would fetch a
    file if a template ever rendered it unescaped."""
    for field in obj._meta.concrete_fields:
        long_enough = field.max_length is None or field.max_length >= len(PAYLOAD) + 12
        if (
            isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and long_enough
            and field.name not in skip
        ):
            setattr(obj, field.name, f"{PAYLOAD} {obj.pk}")
    obj.save()


@pytest.fixture
def poisoned(officer, executive, system, m5):
    record_create(actor=None, model=Organization, name="Org", name_ja="組織")
    unit = record_create(actor=None, model=BusinessUnit, name="Unit", code="U")
    system.business_unit = unit
    system.save()
    risk = risk_create(
        actor=officer,
        title="t",
        ai_systems=[system],
        inherent_likelihood=4,
        inherent_impact=4,
        residual_likelihood=2,
        residual_impact=2,
        owner=officer,
    )
    treatment_action_create(actor=officer, risk=risk, title="a")
    other = risk_create(
        actor=officer,
        title="u",
        ai_systems=[system],
        inherent_likelihood=2,
        inherent_impact=2,
        residual_likelihood=1,
        residual_impact=1,
    )
    risk_accept(
        actor=executive,
        risk=other,
        rationale="r",
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    for model in (Organization, BusinessUnit, AISystem, Risk, TreatmentAction, RiskAcceptance):
        for obj in model.objects.all():
            poison(obj)
    for user in get_user_model().objects.all():
        poison(user, skip=("password", "username"))


def test_no_text_in_the_register_pdf_fetches_anything(officer, poisoned, monkeypatch):
    fetched: list[str] = []
    make_fetcher = pdf._static_only_fetcher

    def recording_fetcher():
        fetcher = make_fetcher()
        fetch = fetcher.fetch

        def record(url, headers=None):
            fetched.append(url)
            return fetch(url, headers)

        fetcher.fetch = record
        return fetcher

    monkeypatch.setattr(pdf, "_static_only_fetcher", recording_fetcher)
    rendered: list[str] = []
    render_to_string = pdf.render_to_string
    monkeypatch.setattr(
        pdf,
        "render_to_string",
        lambda *a, **k: rendered.append(render_to_string(*a, **k)) or rendered[-1],
    )
    job = report_job_create(
        actor=officer, kind="risk_register", format="pdf", language="en", parameters={}
    )
    job = report_job_render(job_id=job.pk)
    assert job.status == "done", job.error
    assert fetched, "the report fetches its stylesheet and font"
    assert all(url.startswith(STATIC.as_uri()) for url in fetched), fetched
    html = rendered[0]
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert PAYLOAD not in html and "<img" not in html
