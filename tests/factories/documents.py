"""Documented information (documents and their versions) and clause conformance."""

from __future__ import annotations

from typing import Any

import factory

from aims import urns
from aims.choices import DocumentKind, Role
from aims.models import ClauseAssessment, Document, Framework
from aims.services.conformance import clause_assessment_update
from aims.services.documents import document_approve, document_create, document_submit
from aims.services.library import library_load
from tests.factories.accounts import UserFactory
from tests.factories.base import ServiceFactory
from tests.factories.library import framework_add, framework_file, requirement_item

DOCUMENT_STATES = ("draft", "in_review", "approved")


def make_approver() -> Any:
    """Someone who may approve (top management) and wrote nothing."""
    return UserFactory(roles=[Role.TOP_MANAGEMENT])


class DocumentFactory(ServiceFactory):
    """A document made by ``document_create`` with its first version (``content``, and a
    ``file`` upload if given), whose version is then in ``state``: ``draft`` (the default),
    ``in_review`` (submitted) or ``approved`` (submitted, then approved by ``approver``, top
    management unless given, who must not be the actor)."""

    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Document {n:03d}")
    kind = DocumentKind.PROCEDURE
    content = "What is done, by whom and when."
    state = "draft"
    approver = None

    @classmethod
    def create_through_service(
        cls, *, actor: Any, state: str, approver: Any, **fields: Any
    ) -> Document:
        if state not in DOCUMENT_STATES:
            raise ValueError(f"state is one of {DOCUMENT_STATES}, not {state!r}")
        document = document_create(actor=actor, **fields)
        if state in ("in_review", "approved"):
            document_submit(actor=actor, document=document)
        if state == "approved":
            document_approve(actor=approver or make_approver(), document=document)
        return document


def iso_clause(*, actor: Any = None) -> Any:
    """A new assessable clause (``4.1``, ``4.2``, …) of ISO/IEC 42001, loaded as the library
    loads the standard: the clause rows are what ``clause_assessments_ensure`` assesses. A
    small stand-in of the standard (same URN) is loaded when none is; a test that also loads
    the shipped ``iso-iec-42001.yaml`` must load it first."""
    framework = Framework.objects.filter(urn=urns.ISO_42001).first()
    if framework is None:
        content = framework_file(
            urn=urns.ISO_42001,
            urn_prefix="urn:aims:iso42001",
            ref_id="ISO/IEC 42001:2023",
            requirements=[
                requirement_item("4", assessable=False),
                requirement_item("4.1", parent="4", tags=["clause"]),
            ],
        )
        library_load(files=[("iso-iec-42001.yaml", content)], actor=actor)
        return ClauseAssessment.objects.get(requirement__urn="urn:aims:iso42001:4.1")
    taken = set(framework.requirements.values_list("ref_id", flat=True))
    number = 1
    while f"4.{number}" in taken:
        number += 1
    items = [requirement_item("4", assessable=False)] if "4" not in taken else []
    items.append(requirement_item(f"4.{number}", parent="4", tags=["clause"]))
    framework_add(framework, items, actor=actor)
    return ClauseAssessment.objects.get(
        requirement__framework=framework, requirement__ref_id=f"4.{number}"
    )


class ClauseAssessmentFactory(ServiceFactory):
    """The conformance row of a new ISO/IEC 42001 clause. Rows are never created on their
    own: loading the standard creates one per assessable clause (``clause_assessments_ensure``),
    so the factory loads a clause (see ``iso_clause``). Fields given (``status``, ``notes``,
    ``not_applicable_reason``, ``owner``, ``documents``) are then set by
    ``clause_assessment_update``, as an officer would (an update change record)."""

    class Meta:
        model = ClauseAssessment

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> ClauseAssessment:
        assessment = iso_clause(actor=actor)
        if fields:
            assessment = clause_assessment_update(actor=actor, assessment=assessment, **fields)
        return assessment
