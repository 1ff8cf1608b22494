"""Every read of the core app, already restricted to what the user may see."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Count, Prefetch, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from guardian.shortcuts import get_groups_with_perms, get_objects_for_user, get_users_with_perms

from aims.choices import ConformanceStatus
from aims.models import (
    AISystem,
    ApiToken,
    BusinessUnit,
    ChangeRecord,
    ClauseAssessment,
    Document,
    DocumentVersion,
    Framework,
    Mapping,
    Notification,
    Organization,
    ReportJob,
    Requirement,
)
from aims.roles import Capability, has_capability
from aims.services import token_digest

User = get_user_model()
M = TypeVar("M", bound=models.Model)


def change_record_list(*, user: Any) -> QuerySet[ChangeRecord]:
    """Change records ``user`` may read.

    Roles that see all records see the whole log. An operational member sees the changes
    they made themselves and every change to the AI systems granted to them. An external
    auditor sees the log of their audit's scope and period once audits exist; until then,
    nothing.
    """
    queryset = ChangeRecord.objects.select_related("actor", "content_type")
    if has_capability(user, Capability.SEE_ALL_RECORDS):
        return queryset
    if has_capability(user, Capability.CHANGE_RECORDS):
        granted = ai_system_list(user=user).values_list(Cast("pk", CharField()), flat=True)
        systems = ContentType.objects.get_for_model(AISystem)
        return queryset.filter(Q(actor=user) | Q(content_type=systems, object_id__in=granted))
    return queryset.none()


def change_record_history(*, user: Any, obj: models.Model, limit: int = 50) -> list[ChangeRecord]:
    """The latest changes of one object, newest first, as far as ``user`` may see them."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return list(
        change_record_list(user=user).filter(content_type=content_type, object_id=str(obj.pk))[
            :limit
        ]
    )


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """Tokens ``user`` may see: all for those who manage users, else their own."""
    queryset = ApiToken.objects.select_related("user")
    if has_capability(user, Capability.MANAGE_USERS):
        return queryset
    if has_capability(user, Capability.OWN_API_TOKENS):
        return queryset.filter(user=user)
    return queryset.none()


def api_token_for_string(raw: str) -> ApiToken | None:
    """The token row a bearer string names, if its secret matches (active or not)."""
    parts = raw.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or not parts[1]:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, token_digest(raw)):
        return None
    return token


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def user_list(*, user: Any) -> QuerySet[Any]:
    """Accounts ``user`` may administer (everyone for those who manage users)."""
    if not has_capability(user, Capability.MANAGE_USERS):
        return User.objects.none()
    return User.objects.prefetch_related("groups").order_by("username")


def current_organization() -> Organization | None:
    return Organization.objects.order_by("pk").first()


# --- Reference library (readable by every signed-in user) -------------------------------------
def framework_list(*, user: Any) -> QuerySet[Framework]:
    return Framework.objects.annotate(
        requirement_count=Count("requirements", filter=Q(requirements__withdrawn=False)),
        assessable_count=Count(
            "requirements",
            filter=Q(requirements__withdrawn=False, requirements__assessable=True),
        ),
    ).order_by("category", "ref_id")


def requirement_list(*, user: Any) -> QuerySet[Requirement]:
    return Requirement.objects.select_related("framework", "parent").order_by(
        "framework__category", "framework__ref_id", "order"
    )


def requirement_search(queryset: QuerySet[Requirement], text: str) -> QuerySet[Requirement]:
    """Match ref id, names, summaries and typical evidence in both languages."""
    text = text.strip()
    if not text:
        return queryset
    condition = Q(ref_id__icontains=text)
    for name in ("name", "summary", "typical_evidence"):
        for lang in ("en", "ja"):
            condition |= Q(**{f"{name}_{lang}__icontains": text})
    return queryset.filter(condition)


def mapping_list(*, user: Any) -> QuerySet[Mapping]:
    return Mapping.objects.select_related(
        "mapping_set", "source__framework", "target__framework"
    ).order_by("mapping_set__urn", "source__order", "target__order")


def requirement_mappings(
    *, user: Any, requirement: Requirement
) -> tuple[list[Mapping], list[Mapping]]:
    """Mappings from and to one requirement (both directions of every crosswalk)."""
    mappings = mapping_list(user=user)
    return (
        list(mappings.filter(source=requirement)),
        list(mappings.filter(target=requirement)),
    )


# --- AI system inventory ------------------------------------------------------------------------
def ai_system_list(*, user: Any) -> QuerySet[AISystem]:
    """AI systems ``user`` may see: all for roles that see all records; for operational
    members, those granted to them or to one of their groups; none for others (an external
    auditor's audit scope joins when audits exist)."""
    queryset = AISystem.objects.select_related("business_unit", "owner").prefetch_related(
        "affected_parties"
    )
    if has_capability(user, Capability.SEE_ALL_RECORDS):
        return queryset
    if has_capability(user, Capability.CHANGE_RECORDS):
        return get_objects_for_user(
            user,
            "aims.view_aisystem",
            klass=queryset,
            accept_global_perms=False,
            with_superuser=False,
        )
    return queryset.none()


def ai_system_choices(*, user: Any) -> QuerySet[AISystem]:
    """The systems ``user`` sees, light enough to fill a filter's select (thousands of them)."""
    return (
        ai_system_list(user=user)
        .prefetch_related(None)
        .select_related(None)
        .only("id", "name", "version")
        .order_by("name", "version")
    )


def ai_system_editable(*, user: Any) -> QuerySet[AISystem]:
    """AI systems ``user`` may change: all for officers, granted ones for operators."""
    queryset = AISystem.objects.select_related("business_unit", "owner")
    if not has_capability(user, Capability.CHANGE_RECORDS):
        return queryset.none()
    if has_capability(user, Capability.SEE_ALL_RECORDS):
        return queryset
    return get_objects_for_user(
        user,
        "aims.change_aisystem",
        klass=queryset,
        accept_global_perms=False,
        with_superuser=False,
    )


def ai_system_grants(*, system: AISystem) -> tuple[list[Any], list[Any]]:
    """Users and groups granted ``system`` (directly, not through roles)."""
    users: Any = get_users_with_perms(
        system, only_with_perms_in=["view_aisystem"], with_group_users=False, with_superusers=False
    )
    groups: Any = get_groups_with_perms(system)
    return list(users.order_by("username")), list(groups.order_by("name"))


def organisation_records(*, user: Any, model: type[M]) -> QuerySet[M]:
    """Organisation-level records (business units, context, interested parties): visible to
    roles that see all records and to operational members; an external auditor's audit scope
    joins when audits exist."""
    queryset = model._default_manager.select_related("owner")
    if has_capability(user, Capability.SEE_ALL_RECORDS) or has_capability(
        user, Capability.CHANGE_RECORDS
    ):
        return queryset
    return queryset.none()


def business_unit_list(*, user: Any) -> QuerySet[BusinessUnit]:
    return organisation_records(user=user, model=BusinessUnit)


# --- Clause conformance ---------------------------------------------------------------------------
def clause_assessment_list(*, user: Any) -> QuerySet[ClauseAssessment]:
    return (
        organisation_records(user=user, model=ClauseAssessment)
        .select_related("requirement", "requirement__parent", "requirement__framework")
        .order_by("requirement__order")
    )


def conformance_summary(*, user: Any) -> list[dict[str, Any]]:
    """Per top-level clause (4–10): counts by status and the share done (conformant or not
    applicable), in one query."""
    rows = (
        clause_assessment_list(user=user)
        .annotate(
            group=Coalesce("requirement__parent__parent__ref_id", "requirement__parent__ref_id")
        )
        .values("group", "status")
        .annotate(count=Count("id"))
    )
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        empty = {"group": row["group"], "total": 0, **dict.fromkeys(ConformanceStatus.values, 0)}
        group = groups.setdefault(row["group"], empty)
        group[row["status"]] += row["count"]
        group["total"] += row["count"]
    for group in groups.values():
        done = group["conformant"] + group["not_applicable"]
        group["percent_done"] = round(100 * done / group["total"]) if group["total"] else 0
    return sorted(groups.values(), key=lambda g: int(g["group"]) if g["group"].isdigit() else 99)


def ai_system_counts(*, user: Any) -> dict[str, int]:
    """Inventory figures for the dashboard, in one query."""
    soon = timezone.localdate() + timedelta(days=30)
    return AISystem.objects.filter(pk__in=ai_system_list(user=user).values("pk")).aggregate(
        total=Count("pk", filter=Q(retired_at__isnull=True)),
        high_risk=Count("pk", filter=Q(retired_at__isnull=True, eu_ai_act_tier="high")),
        review_due=Count("pk", filter=Q(retired_at__isnull=True, next_review_on__lte=soon)),
        retired=Count("pk", filter=Q(retired_at__isnull=False)),
    )


# --- Documents ------------------------------------------------------------------------------------
def document_list(*, user: Any) -> QuerySet[Document]:
    """Documents with their versions (newest first) prefetched, for lists and details."""
    versions = Prefetch(
        "versions",
        queryset=DocumentVersion.objects.select_related("author", "approved_by").order_by(
            "-number"
        ),
    )
    return organisation_records(user=user, model=Document).prefetch_related(versions)


# --- Report jobs ----------------------------------------------------------------------------
def report_job_list(*, user: Any) -> QuerySet[ReportJob]:
    """Report jobs ``user`` may see and download: their own; and, for those who see all records
    and may export, the jobs others rendered with the same full view (``shared``)."""
    queryset = ReportJob.objects.select_related("requested_by")
    if not has_capability(user, Capability.EXPORT):
        return queryset.none()
    if has_capability(user, Capability.SEE_ALL_RECORDS):
        return queryset.filter(Q(requested_by=user) | Q(shared=True))
    return queryset.filter(requested_by=user)
