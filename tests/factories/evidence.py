"""Evidence and its versions, made through ``controls.services.evidence``."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from controls.models import Evidence, EvidenceVersion
from controls.services.evidence import evidence_create, evidence_version_add
from tests.factories.base import ServiceFactory
from tests.factories.inventory import AISystemFactory

PDF_BYTES = b"%PDF-1.4\n% evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf_upload(name: str = "report.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class EvidenceFactory(ServiceFactory):
    """Evidence made by ``evidence_create`` for the AI systems ``ai_systems`` (a new one
    unless given; ``[]`` makes organisation-wide evidence), with a first version: a small
    PDF unless ``url`` is given (``version=None`` for no version). ``valid_until`` and
    ``effective_from`` go to that version."""

    class Meta:
        model = Evidence

    title = factory.Sequence(lambda n: f"Evidence {n:03d}")
    ai_systems = factory.LazyFunction(lambda: [AISystemFactory()])
    url = ""
    valid_until = None
    effective_from = datetime.date(2026, 1, 1)
    with_version = True

    @classmethod
    def create_through_service(
        cls,
        *,
        actor: Any,
        url: str,
        valid_until: Any,
        effective_from: Any,
        with_version: bool,
        **fields: Any,
    ) -> Evidence:
        version = None
        if with_version:
            version = {
                "file": None if url else pdf_upload(),
                "url": url,
                "effective_from": effective_from,
                "valid_until": valid_until,
            }
        return evidence_create(actor=actor, version=version, **fields)


class EvidenceVersionFactory(ServiceFactory):
    """A further version of ``evidence`` (new evidence unless given) by
    ``evidence_version_add``: a small PDF unless ``url`` is given."""

    class Meta:
        model = EvidenceVersion

    evidence = factory.SubFactory(EvidenceFactory)
    url = ""
    effective_from = datetime.date(2026, 1, 1)

    @classmethod
    def create_through_service(cls, *, actor: Any, url: str, **fields: Any) -> EvidenceVersion:
        return evidence_version_add(
            actor=actor, url=url, file=None if url else pdf_upload(), **fields
        )
