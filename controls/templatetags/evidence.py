"""Evidence on any page: ``{% evidence_for record %}`` lists the evidence linked to a record
(a risk, an impact assessment, a document, a clause assessment, a control, an SoA row) that
the viewer may see, each with its freshness; ``{% evidence_badge evidence %}`` is the badge
alone (valid, expiring within 30 days, expired, rejected, no version)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("controls/evidence_badge.html")
def evidence_badge(evidence: Any, today: Any = None) -> dict[str, Any]:
    from controls.selectors.evidence import freshness

    return {"evidence": evidence, "state": freshness(evidence, today)}


def evidence_for_context(request: Any, record: Any, heading: bool = True) -> dict[str, Any]:
    from controls.selectors.evidence import evidence_linked_to, freshness

    user = getattr(request, "user", None)
    today = timezone.localdate()
    rows = evidence_linked_to(record, user) if record is not None and record.pk else []
    return {
        "rows": [{"evidence": e, "state": freshness(e, today)} for e in rows],
        "heading": heading,
        "record": record,
    }


@register.inclusion_tag("controls/evidence_for.html", takes_context=True)
def evidence_for(context: template.Context, record: Any, heading: bool = True) -> dict[str, Any]:
    return evidence_for_context(context.get("request"), record, heading)
