"""Writes of clause conformance."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims import urns
from aims.changelog import change_record, logged
from aims.choices import Action, ConformanceStatus
from aims.models import ClauseAssessment, Requirement
from aims.services.accounts import Actor


def clause_requirements() -> Any:
    """The assessable management-system clauses (not Annex A, which the SoA covers)."""
    return Requirement.objects.filter(
        framework__urn=urns.ISO_42001, assessable=True, withdrawn=False, tags__contains=["clause"]
    )


@transaction.atomic
def clause_assessments_ensure(*, actor: Actor) -> int:
    """Create the missing rows, one per assessable clause; returns how many were created."""
    missing = clause_requirements().filter(clause_assessment__isnull=True).order_by("order")
    created = 0
    for requirement in missing:
        row = ClauseAssessment.objects.create(requirement=requirement)
        change_record(actor=actor, action=Action.CREATE, obj=row)
        created += 1
    return created


@transaction.atomic
def clause_assessment_update(
    *, actor: Actor, assessment: ClauseAssessment, **data: Any
) -> ClauseAssessment:
    allowed = {"status", "notes", "not_applicable_reason", "owner", "documents"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    with logged(assessment, actor=actor):
        documents = data.pop("documents", None)
        for name, value in data.items():
            setattr(assessment, name, value)
        if assessment.status == ConformanceStatus.NOT_APPLICABLE:
            if not assessment.not_applicable_reason.strip():
                raise ValidationError(
                    {"not_applicable_reason": [_("Say why the clause does not apply.")]}
                )
        else:
            assessment.not_applicable_reason = ""
        assessment.full_clean()
        assessment.save()
        if documents is not None:
            assessment.documents.set(documents)
    return assessment
