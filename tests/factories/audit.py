"""Internal audits, made through ``audit.services.audits``: programmes, audits (in a state:
planned, in_progress, reported), findings, report revisions and external auditors' access."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from aims.choices import Role
from audit.models import Audit, AuditorAccess, AuditProgramme, AuditReport, Finding
from audit.services import audits as services
from tests.factories.accounts import UserFactory
from tests.factories.base import ServiceFactory
from tests.factories.library import RequirementFactory

PROGRAMME_STATES = ("draft", "in_review", "approved")
AUDIT_STATES = ("planned", "in_progress", "reported")


def make_internal_auditor(username: str | None = None) -> Any:
    if username is None:
        return UserFactory(roles=[Role.INTERNAL_AUDITOR])
    return UserFactory(username=username, roles=[Role.INTERNAL_AUDITOR])


def make_officer(username: str = "audit_officer") -> Any:
    return UserFactory(username=username, roles=[Role.GOVERNANCE_OFFICER])


class AuditProgrammeFactory(ServiceFactory):
    """A programme version 1 in ``state`` (drafted by ``actor``; approved by an officer)."""

    class Meta:
        model = AuditProgramme

    code = factory.Sequence(lambda n: f"FY{2026 + n}")
    title = "Internal audit programme"
    period_start = datetime.date(2026, 4, 1)
    period_end = datetime.date(2027, 3, 31)
    state = "draft"
    approver = None

    @classmethod
    def create_through_service(
        cls, *, actor: Any, state: str, approver: Any, **fields: Any
    ) -> AuditProgramme:
        if state not in PROGRAMME_STATES:
            raise ValueError(f"state is one of {PROGRAMME_STATES}, not {state!r}")
        programme = services.audit_programme_create(actor=actor, **fields)
        if state in ("in_review", "approved"):
            programme = services.audit_programme_submit(actor=actor, programme=programme)
        if state == "approved":
            programme = services.audit_programme_approve(
                actor=approver or make_officer(), programme=programme
            )
        return programme


class AuditFactory(ServiceFactory):
    """An audit of ``programme`` led by ``lead`` (an internal auditor made for it unless
    given), sampling ``ai_systems`` with ``requirements`` in scope (one test requirement
    unless given), in ``state``: planned, in_progress (fieldwork started: checklist made) or
    reported (a report issued by a second auditor)."""

    class Meta:
        model = Audit

    programme = factory.SubFactory(AuditProgrammeFactory)
    title = factory.Sequence(lambda n: f"Audit {n:03d}")
    lead = None
    team: Any = ()
    ai_systems: Any = ()
    requirements = factory.LazyFunction(lambda: [RequirementFactory()])
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2026, 12, 31)
    fieldwork_start = None
    state = "planned"

    @classmethod
    def create_through_service(cls, *, actor: Any, lead: Any, state: str, **fields: Any) -> Audit:
        if state not in AUDIT_STATES:
            raise ValueError(f"state is one of {AUDIT_STATES}, not {state!r}")
        lead = lead or make_internal_auditor()
        audit = services.audit_create(
            actor=actor or lead,
            owner=lead,
            team=list(fields.pop("team")),
            ai_systems=list(fields.pop("ai_systems")),
            requirements=list(fields.pop("requirements")),
            **fields,
        )
        if state in ("in_progress", "reported"):
            for declaration in audit.impartiality.filter(confirmed_by__isnull=True):
                services.impartiality_confirm(
                    actor=lead, declaration=declaration, reason="Reviewed by the lead."
                )
            audit = services.audit_start(actor=lead, audit=audit)
        if state == "reported":
            report = services.audit_report_issue(actor=lead, audit=audit, conclusions="Done.")
            services.audit_report_approve(actor=make_internal_auditor(), report=report)
            audit.refresh_from_db()
        return audit


class FindingFactory(ServiceFactory):
    """A finding of ``audit`` (in fieldwork) against its first requirement in scope."""

    class Meta:
        model = Finding

    audit = factory.LazyFunction(lambda: AuditFactory(state="in_progress"))
    kind = "observation"
    title = factory.Sequence(lambda n: f"Finding {n:03d}")
    description = "What was seen."

    @classmethod
    def create_through_service(cls, *, actor: Any, audit: Audit, **fields: Any) -> Finding:
        requirement = fields.pop("requirement", None) or audit.requirements.order_by("pk").first()
        return services.finding_create(
            actor=actor or audit.owner, audit=audit, requirement=requirement, **fields
        )


class AuditReportFactory(ServiceFactory):
    """A report revision of ``audit`` (in fieldwork) in ``state``: in_review (submitted by the
    lead) or approved (issued by a second internal auditor)."""

    class Meta:
        model = AuditReport

    audit = factory.LazyFunction(lambda: AuditFactory(state="in_progress"))
    state = "in_review"

    @classmethod
    def create_through_service(cls, *, actor: Any, audit: Audit, state: str) -> AuditReport:
        report = services.audit_report_issue(actor=actor or audit.owner, audit=audit)
        if state == "approved":
            report = services.audit_report_approve(actor=make_internal_auditor(), report=report)
        return report


class AuditorAccessFactory(ServiceFactory):
    """``user`` (an external auditor) named on ``audit`` with a window open now (``days``
    each side), by the audit's lead."""

    class Meta:
        model = AuditorAccess

    audit = factory.SubFactory(AuditFactory)
    user = factory.LazyFunction(lambda: UserFactory(roles=[Role.EXTERNAL_AUDITOR]))
    days = 7

    @classmethod
    def create_through_service(
        cls, *, actor: Any, audit: Audit, user: Any, days: int
    ) -> AuditorAccess:
        now = timezone.now()
        return services.auditor_access_grant(
            actor=actor or audit.owner,
            audit=audit,
            user=user,
            access_from=now - datetime.timedelta(days=days),
            access_until=now + datetime.timedelta(days=days),
        )
