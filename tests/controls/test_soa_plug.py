"""What the SoA adds to the core: its navigation entry, the evidence of clause 6.1.3 (its
figure counts exactly the rows its link lists), the approver's inbox and the review
reminders' rows."""

from __future__ import annotations

from django.urls import reverse

from aims.choices import ConformanceStatus
from aims.inbox import sources
from aims.registry import registry
from controls.models import StatementOfApplicability
from controls.services import soa as services
from tests.factories.documents import make_approver
from tests.factories.soa import SoaFactory, annex, decide_all


def source():
    return next(s for s in registry.evidence_sources if s.code == "soa")


def test_navigation_entry():
    entry = next(e for e in registry.navigation() if e.code == "soa")
    assert entry.url_name == "soa" and reverse(entry.url_name) == "/soa/"


def test_clause_evidence_before_and_after_approval(db, officer, executive, client_for):
    assert source().evidence(officer).suggested_status == ConformanceStatus.NOT_STARTED
    version = SoaFactory(library=True, actor=officer)
    decide_all(version, actor=officer)
    for ref in ("A.2.2", "A.2.3"):
        services.soa_row_update(
            actor=officer,
            row=version.rows.get(requirement=annex(ref)),
            applicable=True,
            justification_type="risk_treatment",
            justification="Treats a risk.",
        )
    evidence = source().evidence(executive)
    assert evidence.suggested_status == ConformanceStatus.PARTIAL
    [figure] = evidence.figures
    assert figure.count == 2  # two rows, each with two failing checks
    page = client_for(executive).get(figure.url)
    assert len(page.context["rows"]) == 2
    for ref in ("A.2.2", "A.2.3"):
        for code in ("no_implementing_control", "risk_justification_without_risk"):
            services.soa_check_waive(
                actor=officer, soa=version, requirement=annex(ref), check_code=code, reason="x"
            )
    services.soa_submit(actor=officer, soa=version)
    approver = make_approver()
    waiting = next(s for s in sources() if s.code == "approval:controls.statementofapplicability")
    assert list(waiting.rows(approver)) == [version]
    assert not waiting.rows(officer).exists()  # the author does not approve
    services.soa_approve(actor=approver, soa=version)
    evidence = source().evidence(executive)
    assert evidence.suggested_status == ConformanceStatus.CONFORMANT
    assert evidence.figures[0].count == 0
    assert list(StatementOfApplicability.reminder_queryset()) == [version]
