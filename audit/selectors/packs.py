"""Reads of evidence packs (restricted by the base views and viewsets through
``aims.scope.restrict``: ``audit.models.pack.EvidencePacks``)."""

from __future__ import annotations

from django.db.models import QuerySet

from audit.models import EvidencePack


def evidence_packs() -> QuerySet[EvidencePack]:
    """Packs with their job, requester and audit, and their AI systems (one more query)."""
    return (
        EvidencePack.objects.select_related("job", "job__requested_by", "audit")
        .prefetch_related("ai_systems")
        .order_by("-id")
    )
