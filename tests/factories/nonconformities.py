"""Nonconformities and their corrective actions (10.2), made through their services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from audit.choices import FindingKind, NonconformitySource, Severity
from audit.models import CorrectiveAction, Nonconformity
from audit.services.nonconformities import corrective_action_create, nonconformity_create
from tests.factories.base import ServiceFactory
from tests.factories.inventory import AISystemFactory


class NonconformityFactory(ServiceFactory):
    """A nonconformity raised by ``nonconformity_create`` (directly, minor) for the AI systems
    ``ai_systems`` (a new one unless given)."""

    class Meta:
        model = Nonconformity

    source = NonconformitySource.DIRECT
    title = factory.Sequence(lambda n: f"Nonconformity {n:03d}")
    description = "Records of the model evaluation were missing."
    severity = Severity.MINOR
    ai_systems = factory.LazyFunction(lambda: [AISystemFactory()])

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> Nonconformity:
        return nonconformity_create(actor=actor, **fields)


class CorrectiveActionFactory(ServiceFactory):
    """A corrective action of ``nonconformity`` (a new one unless given), made by
    ``corrective_action_create``."""

    class Meta:
        model = CorrectiveAction

    nonconformity = factory.SubFactory(NonconformityFactory)
    title = factory.Sequence(lambda n: f"Corrective action {n:03d}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> CorrectiveAction:
        return corrective_action_create(actor=actor, **fields)


def stand_in_finding(*, external_auditor: Any = None, kind: str = FindingKind.MINOR_NONCONFORMITY):
    """STAND-IN until h-audits' factories (``tests/factories/audit.py``) are merged: a finding
    of an audit of a programme, saved with the models directly, and, for
    ``external_auditor``, their access to the audit with a window open now. Replace with
    h-audits' ``FindingFactory`` at merge."""
    from audit.models import Audit, AuditorAccess, AuditProgramme, Finding
    from tests.factories.library import RequirementFactory

    today = timezone.localdate()
    programme = AuditProgramme.objects.create(
        code=f"FY-T{AuditProgramme.objects.count():04d}",
        title="Programme",
        period_start=today - timedelta(days=100),
        period_end=today + timedelta(days=265),
    )
    audit = Audit.objects.create(
        programme=programme,
        title="Internal audit",
        period_start=today - timedelta(days=90),
        period_end=today,
    )
    if external_auditor is not None:
        now = timezone.now()
        AuditorAccess.objects.create(
            audit=audit,
            user=external_auditor,
            access_from=now - timedelta(days=1),
            access_until=now + timedelta(days=1),
        )
    return Finding.objects.create(
        audit=audit,
        requirement=RequirementFactory(),
        kind=kind,
        title="Evaluation records missing",
        description="The evaluation records of the sampled system were missing.",
    )


def matrix_nonconformity(user: Any, own: bool) -> Nonconformity:
    """The permission matrix's sample (``tests/aims/test_permission_matrix.py``): a
    nonconformity from a finding of an audit, linked to an AI system; within the persona's
    reach (``own``) the system is granted to them and, for an external auditor, the audit
    names them with a window open now."""
    from aims.choices import Role
    from aims.roles import user_roles

    external = own and user is not None and Role.EXTERNAL_AUDITOR in user_roles(user)
    finding = stand_in_finding(external_auditor=user if external else None)
    system = AISystemFactory(granted_to=[user] if own and user is not None else [])
    return nonconformity_create(
        actor=None,
        source=NonconformitySource.AUDIT_FINDING,
        finding=finding,
        title=finding.title,
        description=finding.description,
        severity=Severity.MINOR,
        ai_systems=[system],
    )
