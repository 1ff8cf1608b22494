"""Every read of the competence register (7.2). The shapes (``competence_roles``,
``competence_records``) are restricted by the base views and viewsets; the ``*_list`` reads are
already restricted to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from aims.counts import count_of
from aims.models import AISystem, CompetenceRecord, CompetenceRole, CompetenceState
from aims.scope import VIEW, restrict


def competence_roles() -> QuerySet[CompetenceRole]:
    """Roles with their owner, AI systems and how many people are in each state."""
    return (
        CompetenceRole.objects.select_related("owner")
        .prefetch_related(
            Prefetch("ai_systems", queryset=AISystem.objects.only("id", "name", "version"))
        )
        .annotate(
            people=count_of(CompetenceRecord.objects.all(), "role"),
            competent=count_of(
                CompetenceRecord.objects.filter(state=CompetenceState.COMPETENT), "role"
            ),
            gaps=count_of(
                CompetenceRecord.objects.filter(
                    state__in=[CompetenceState.GAP, CompetenceState.IN_TRAINING]
                ),
                "role",
            ),
        )
        .order_by("name", "id")
    )


def competence_records() -> QuerySet[CompetenceRecord]:
    """Records with the person, role, assessor and owner their lists show."""
    return CompetenceRecord.objects.select_related(
        "person", "role", "assessed_by", "owner"
    ).order_by("role_id", "person_id", "id")


def competence_role_list(user: Any) -> QuerySet[CompetenceRole]:
    return restrict(competence_roles(), user, VIEW)


def competence_record_list(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """The records ``user`` may see, narrowed by ``state``, ``role`` and ``person`` ids."""
    rows = restrict(competence_records(), user, VIEW)
    filters = filters or {}
    if filters.get("state") in CompetenceState.values:
        rows = rows.filter(state=filters["state"])
    for name in ("role", "person"):
        value = str(filters.get(name) or "")
        if value.isdigit():
            rows = rows.filter(**{f"{name}_id": int(value)})
    return rows
