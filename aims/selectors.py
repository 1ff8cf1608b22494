"""Every read of the core app.

A selector without a ``user`` shapes a model's rows (joins and prefetches its pages read) and
is not restricted: the base viewsets and page views restrict it once (``aims.scope``), and
any other reader calls ``restrict`` itself. A selector that takes ``user`` returns only what
that user may see.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import BigIntegerField, Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_groups_with_perms, get_users_with_perms

from aims.choices import ConformanceStatus, RoleGrantStatus
from aims.models import (
    AISystem,
    ApiToken,
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
    RoleGrant,
)
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, VIEW, permitted, restrict
from aims.services.accounts import token_digest

User = get_user_model()


def change_records() -> QuerySet[ChangeRecord]:
    """The change log with what its lists show (rows: ``restrict``)."""
    return ChangeRecord.objects.select_related("actor", "content_type")


def change_record_history(*, user: Any, obj: models.Model, limit: int = 50) -> list[ChangeRecord]:
    """The latest changes of one object, newest first: all of them for someone who may see
    the object (its history is part of the record), else the ones the change log shows them."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    records = change_records()
    if getattr(type(obj), "SCOPE", None) is None or not permitted(user, VIEW, obj):
        records = restrict(records, user)
    rows = records.filter(content_type=content_type, object_id=str(obj.pk))
    return list(rows[:limit])


def api_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user")


def api_token_for_string(raw: str) -> ApiToken | None:
    """The token row a bearer string names, if its secret matches (active or not)."""
    parts = raw.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or not parts[1]:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, token_digest(raw)):
        return None
    return token


def notifications() -> QuerySet[Notification]:
    return Notification.objects.all()


def notification_unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def user_list(*, user: Any) -> QuerySet[Any]:
    """Accounts ``user`` may administer (everyone for those who manage users)."""
    if not has_capability(user, Capability.MANAGE_USERS):
        return User.objects.none()
    return User.objects.prefetch_related("groups").order_by("username")


def role_grants_pending(*, user: Any) -> QuerySet[RoleGrant]:
    """Role grants awaiting a second officer, for those who manage users (oldest first)."""
    rows = RoleGrant.objects.filter(status=RoleGrantStatus.PENDING)
    return (
        restrict(rows, user).select_related("user", "requested_by").order_by("requested_at", "id")
    )


def current_organization() -> Organization | None:
    return Organization.objects.order_by("pk").first()


# --- Reference library (readable by every signed-in user) -------------------------------------
def frameworks() -> QuerySet[Framework]:
    """Frameworks with their counts of requirements (in force, and assessable)."""
    return Framework.objects.annotate(
        requirement_count=Count("requirements", filter=Q(requirements__withdrawn=False)),
        assessable_count=Count(
            "requirements",
            filter=Q(requirements__withdrawn=False, requirements__assessable=True),
        ),
    ).order_by("category", "ref_id")


def requirements() -> QuerySet[Requirement]:
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


def mappings() -> QuerySet[Mapping]:
    return Mapping.objects.select_related(
        "mapping_set", "source__framework", "target__framework"
    ).order_by("mapping_set__urn", "source__order", "target__order")


def requirement_mappings(
    *, user: Any, requirement: Requirement
) -> tuple[list[Mapping], list[Mapping]]:
    """Mappings from and to one requirement (both directions of every crosswalk)."""
    rows = restrict(mappings(), user)
    return list(rows.filter(source=requirement)), list(rows.filter(target=requirement))


# --- AI system inventory ------------------------------------------------------------------------
class GrantedSystems:
    """The inventory's scope provider: the AI systems granted (django-guardian object
    permissions) to an operational member or to one of their groups; ``view_aisystem`` to see
    them, ``change_aisystem`` to change them. Registered by the core (``aims.contributions``).

    The ids come back as a list: as literal ids they let PostgreSQL estimate the filter well,
    where the nested permission subquery made it walk the whole register (an operator holds
    tens of grants, not thousands)."""

    PERMISSIONS = {VIEW: "aims.view_aisystem", CHANGE: "aims.change_aisystem"}

    def systems(self, user: Any, action: str) -> list[int]:
        if not has_capability(user, Capability.CHANGE_RECORDS):
            return []
        # The user's grants and their groups' (what guardian's ``get_objects_for_user`` reads
        # without global permissions or the superuser's pass), their object ids cast to the
        # systems' key: PostgreSQL then looks each system up by its primary key, where
        # guardian's query casts every system's id to text and reads the whole inventory.
        app_label, codename = self.PERMISSIONS[action].split(".")
        granted = Q(
            permission__codename=codename,
            permission__content_type__app_label=app_label,
            permission__content_type__model=AISystem._meta.model_name,
            content_type=F("permission__content_type"),
        )
        as_key = Cast("object_pk", BigIntegerField())
        mine = UserObjectPermission.objects.filter(granted, user=user).values_list(as_key)
        groups = GroupObjectPermission.objects.filter(granted, group__user=user).values_list(as_key)
        return list(
            AISystem.objects.filter(pk__in=mine.union(groups))
            .order_by()
            .values_list("pk", flat=True)
        )

    def organisation(self, user: Any, action: str) -> bool:
        return False


def ai_systems() -> QuerySet[AISystem]:
    """AI systems with what the inventory shows (rows: ``restrict``)."""
    return AISystem.objects.select_related("business_unit", "owner").prefetch_related(
        "affected_parties"
    )


def ai_system_grants(*, system: AISystem) -> tuple[list[Any], list[Any]]:
    """Users and groups granted ``system`` (directly, not through roles)."""
    users: Any = get_users_with_perms(
        system, only_with_perms_in=["view_aisystem"], with_group_users=False, with_superusers=False
    )
    groups: Any = get_groups_with_perms(system)
    return list(users.order_by("username")), list(groups.order_by("name"))


# --- Clause conformance ---------------------------------------------------------------------------
def clause_assessments() -> QuerySet[ClauseAssessment]:
    return (
        ClauseAssessment.objects.select_related(
            "owner", "requirement", "requirement__parent", "requirement__framework"
        )
        .prefetch_related("documents")
        .order_by("requirement__order")
    )


def conformance_summary(*, user: Any) -> list[dict[str, Any]]:
    """Per top-level clause (4–10): counts by status and the share done (conformant or not
    applicable), in one query."""
    rows = (
        restrict(clause_assessments(), user)
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
    today = timezone.localdate()
    soon = today + timedelta(days=30)
    return restrict(AISystem.objects.all(), user).aggregate(
        total=Count("pk", filter=Q(retired_at__isnull=True)),
        high_risk=Count("pk", filter=Q(retired_at__isnull=True, eu_ai_act_tier="high")),
        review_due=Count("pk", filter=Q(retired_at__isnull=True, next_review_on__lte=soon)),
        review_overdue=Count("pk", filter=Q(retired_at__isnull=True, next_review_on__lt=today)),
        retired=Count("pk", filter=Q(retired_at__isnull=False)),
    )


# --- Documents ------------------------------------------------------------------------------------
def documents() -> QuerySet[Document]:
    """Documents with their versions (newest first) prefetched, for lists and details."""
    versions = Prefetch(
        "versions",
        queryset=DocumentVersion.objects.select_related("author", "approved_by").order_by(
            "-number"
        ),
    )
    return Document.objects.select_related("owner").prefetch_related(versions)


# --- Report jobs ----------------------------------------------------------------------------
def report_jobs() -> QuerySet[ReportJob]:
    return ReportJob.objects.select_related("requested_by")
