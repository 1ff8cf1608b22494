"""What the evidence part of the controls app adds to the core (called from
``ControlsConfig.ready``): the navigation entry, the AI system's evidence tab, the inbox of
versions waiting for my review, the review reminders (``valid_until`` as a due date), the
demo loader, and the core's records evidence may link to (documents, clause assessments)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """Navigation, tabs, report kinds, reviewable models, inbox sources, demo loaders, hooks."""
    from aims.choices import InboxKind
    from aims.models import ClauseAssessment, CompetenceRecord, CompetenceRole, Document
    from aims.registry import InboxSource, NavEntry, RecordPanel, SystemTab, registry
    from controls import linking
    from controls.models import Evidence

    registry.add_nav(
        NavEntry(code="evidence", label=_("Evidence"), url_name="evidence_list", order=85)
    )
    registry.add_system_tab(
        SystemTab(
            code="evidence",
            label=_("Evidence"),
            order=50,
            template="controls/evidence_ai_system_tab.html",
            context=system_tab,
        )
    )
    registry.add_reviewable(Evidence)
    registry.add_inbox_source(
        InboxSource(
            "review:controls.evidenceversion", InboxKind.APPROVAL, awaiting_review, review_item, 25
        )
    )
    linking.register_target(Document, "document")
    linking.register_target(ClauseAssessment, "clause_assessment")
    linking.register_target(CompetenceRole, "competence_role")  # 7.2: training records
    linking.register_target(CompetenceRecord, "competence_record")
    registry.add_demo_loader("evidence", load_demo, order=55)
    registry.add_record_panel(RecordPanel("evidence", evidence_panel, order=50))


def system_tab(request: Any, system: Any) -> dict[str, Any]:
    """The evidence of one AI system, as far as the viewer may see it."""
    from django.utils import timezone

    from aims.scope import CHANGE, VIEW, permitted, restrict
    from controls.selectors.evidence import evidence_rows

    rows = restrict(evidence_rows(), request.user, VIEW).filter(ai_systems=system)
    return {
        "evidence_rows": list(rows.order_by("title", "id")),
        "today": timezone.localdate(),
        "can_add_evidence": permitted(request.user, CHANGE, system),
    }


def evidence_panel(request: Any, record: Any) -> str:
    """The evidence linked to a core record (a document, a clause assessment), with its
    freshness; nothing for a record evidence cannot link to."""
    from django.template.loader import render_to_string

    from controls import linking
    from controls.templatetags.evidence import evidence_for_context

    if record is None or linking.target_for(type(record)) is None:
        return ""
    return render_to_string(
        "controls/evidence_for.html", evidence_for_context(request, record), request=request
    )


def awaiting_review(user: Any) -> Any:
    from controls.selectors.evidence import evidence_awaiting_review

    return evidence_awaiting_review(user)


def review_item(version: Any) -> Any:
    from django.utils.translation import gettext

    from aims.choices import InboxKind
    from aims.inbox import InboxItem
    from controls.models import EvidenceVersion

    return InboxItem(
        kind=InboxKind.APPROVAL,
        source="review:controls.evidenceversion",
        record_type=str(EvidenceVersion._meta.verbose_name).capitalize(),
        title=str(version),
        url=version.evidence.get_absolute_url(),
        state=gettext("Evidence awaiting my review"),
        since=version.created_at,
    )


def load_demo(*, users: dict[str, Any]) -> None:
    from django.utils import translation

    from controls.demo import evidence

    with translation.override("ja"):
        evidence.load(users=users)
