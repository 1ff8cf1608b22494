"""The external auditor's scope (DESIGN §5): a scope provider of ``aims.scope.restrict``.

While an ``AuditorAccess`` window is open, its external auditor reads the scope of that audit
only: the AI systems sampled (and through them their risks, impact assessments, controls and
evidence), the audit's own records (``audits``: the audit, its checklist, findings, report),
and, one by one, the organisation-wide records of its scope (``records``): the SoA version in
effect at the end of the audit period and its rows, the clause assessments of the clauses in
scope, the controls implementing a requirement in scope and the evidence linked to those
requirements (through those controls, the SoA rows or the clause assessments). Outside the
window nothing: every page and endpoint answers 404 as for anyone without the right.

Documents: the AI policy and the documents linked to the clause assessments in scope, and of
them only the approved versions (and the superseded ones that were in force), never a draft.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Model, OuterRef, Q
from django.utils import timezone

from aims.choices import Role
from aims.roles import user_roles
from aims.scope import VIEW


def _open_audits(user: Any) -> list[Any]:
    """The audits ``user`` (an external auditor) holds an open access window on now, with
    their sampled systems and requirements (two queries, none for other roles)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if Role.EXTERNAL_AUDITOR not in user_roles(user):
        return []
    now = timezone.now()
    from audit.models import Audit

    return list(
        Audit.objects.filter(
            accesses__user=user, accesses__access_from__lte=now, accesses__access_until__gt=now
        )
        .distinct()
        .prefetch_related("ai_systems", "requirements")
    )


class ExternalAuditorScope:
    """An external auditor's audit scope during their access window (read only)."""

    def systems(self, user: Any, action: str) -> list[int]:
        if action != VIEW:
            return []
        return sorted({s.pk for audit in _open_audits(user) for s in audit.ai_systems.all()})

    def organisation(self, user: Any, action: str) -> bool:
        return False

    def audits(self, user: Any, action: str) -> list[int]:
        if action != VIEW:
            return []
        return sorted(audit.pk for audit in _open_audits(user))

    def records(self, model: type[Model], user: Any, action: str) -> Q | None:
        if action != VIEW:
            return None
        audits = _open_audits(user)
        if not audits:
            return None
        from aims.choices import ApprovalStatus, DocumentKind
        from aims.models import ClauseAssessment, Document, DocumentVersion
        from controls.models import (
            ApplicabilityStatement,
            Control,
            ControlRequirement,
            Evidence,
            EvidenceVersion,
            StatementOfApplicability,
        )
        from controls.selectors.soa import soa_in_effect

        requirements = sorted({r.pk for a in audits for r in a.requirements.all()})
        if model is StatementOfApplicability or model is ApplicabilityStatement:
            versions = {v.pk for a in audits if (v := soa_in_effect(a.period_end)) is not None}
            if not versions:
                return None
            field = "pk__in" if model is StatementOfApplicability else "soa_id__in"
            return Q(**{field: sorted(versions)})
        if model is ClauseAssessment:
            return Q(requirement_id__in=requirements)
        if model is Document or model is DocumentVersion:
            documents = Document.objects.filter(
                Q(kind=DocumentKind.AI_POLICY)
                | Q(clause_assessments__requirement_id__in=requirements)
            ).values("pk")
            if model is Document:
                return Q(pk__in=documents)
            frozen = (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED)
            return Q(document_id__in=documents, status__in=frozen)
        controls = ControlRequirement.objects.filter(requirement_id__in=requirements)
        if model is Control:
            return Q(Exists(controls.filter(control_id=OuterRef("pk"))))
        evidence = Evidence.objects.filter(
            Q(controls__in=controls.values("control_id"))
            | Q(applicability_statements__requirement_id__in=requirements)
            | Q(clause_assessments__requirement_id__in=requirements)
        ).values("pk")
        if model is Evidence:
            return Q(pk__in=evidence)
        if model is EvidenceVersion:
            return Q(evidence_id__in=evidence)
        return None
