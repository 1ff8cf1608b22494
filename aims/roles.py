"""The role matrix of DESIGN §5, as data.

Capabilities are the rows of the matrix; each names the roles that have it. Everything that
enforces permissions (view and viewset base classes, selectors) asks ``has_capability``; the
permission-matrix test compares this table with the promise in DESIGN §5.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.choices import Role


class Capability(models.TextChoices):
    SEE_RECORDS = "see_records", _("See records")
    SEE_ALL_RECORDS = "see_all_records", _("See all records")
    CHANGE_RECORDS = "change_records", _("Create and change AIMS records")
    CHANGE_ALL_RECORDS = "change_all_records", _("Create and change all AIMS records")
    APPROVE = "approve", _("Approve documents, SoA and impact assessments")
    ACCEPT_RISK_ABOVE_CRITERIA = "accept_risk_above_criteria", _("Accept risks above criteria")
    VIEW_AUDITS = "view_audits", _("View audits, findings and nonconformities")
    MANAGE_AUDITS = "manage_audits", _("Run audits, findings and nonconformities")
    RESPOND_TO_NONCONFORMITIES = "respond_to_nonconformities", _("Respond to assigned NCs")
    SIGN_OFF_MANAGEMENT_REVIEWS = "sign_off_management_reviews", _("Sign off management reviews")
    EXPORT = "export", _("Export reports and evidence packs")
    MANAGE_USERS = "manage_users", _("Manage users, roles, tokens and settings")
    OWN_API_TOKENS = "own_api_tokens", _("Hold personal API tokens")


R = Role
MATRIX: dict[str, frozenset[str]] = {
    Capability.SEE_RECORDS: frozenset(
        {
            R.GOVERNANCE_OFFICER,
            R.TOP_MANAGEMENT,
            R.OPERATIONAL_MEMBER,
            R.INTERNAL_AUDITOR,
            R.EXTERNAL_AUDITOR,
            R.VIEWER,
        }
    ),
    # Roles whose "see records" is not narrowed to granted systems or an audit's scope.
    Capability.SEE_ALL_RECORDS: frozenset(
        {R.GOVERNANCE_OFFICER, R.TOP_MANAGEMENT, R.INTERNAL_AUDITOR, R.VIEWER}
    ),
    Capability.CHANGE_RECORDS: frozenset({R.GOVERNANCE_OFFICER, R.OPERATIONAL_MEMBER}),
    # "Create / change AIMS records: all" — organisation-level records, any AI system.
    Capability.CHANGE_ALL_RECORDS: frozenset({R.GOVERNANCE_OFFICER}),
    Capability.APPROVE: frozenset({R.GOVERNANCE_OFFICER, R.TOP_MANAGEMENT}),
    Capability.ACCEPT_RISK_ABOVE_CRITERIA: frozenset({R.TOP_MANAGEMENT}),
    Capability.VIEW_AUDITS: frozenset(
        {R.GOVERNANCE_OFFICER, R.TOP_MANAGEMENT, R.INTERNAL_AUDITOR, R.EXTERNAL_AUDITOR, R.VIEWER}
    ),
    Capability.MANAGE_AUDITS: frozenset({R.INTERNAL_AUDITOR}),
    Capability.RESPOND_TO_NONCONFORMITIES: frozenset({R.OPERATIONAL_MEMBER}),
    # DESIGN §1: top management signs off management reviews.
    Capability.SIGN_OFF_MANAGEMENT_REVIEWS: frozenset({R.TOP_MANAGEMENT}),
    Capability.EXPORT: frozenset(
        {
            R.GOVERNANCE_OFFICER,
            R.TOP_MANAGEMENT,
            R.OPERATIONAL_MEMBER,
            R.INTERNAL_AUDITOR,
            R.EXTERNAL_AUDITOR,
        }
    ),
    Capability.MANAGE_USERS: frozenset({R.GOVERNANCE_OFFICER}),
    Capability.OWN_API_TOKENS: frozenset(
        {R.GOVERNANCE_OFFICER, R.OPERATIONAL_MEMBER, R.INTERNAL_AUDITOR}
    ),
}

_ROLE_CODES = frozenset(Role.values)
_CACHE_ATTR = "_aims_roles"


def user_roles(user: AbstractBaseUser | AnonymousUser | None) -> frozenset[str]:
    """The roles of ``user`` (group names that are role codes), cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
        cached = frozenset(name for name in names if name in _ROLE_CODES)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: AbstractBaseUser) -> None:
    """Drop the cached roles after a change of group membership."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_capability(user: AbstractBaseUser | AnonymousUser | None, capability: str) -> bool:
    return bool(user_roles(user) & MATRIX[capability])


def roles_with(capability: str) -> frozenset[str]:
    return MATRIX[capability]
