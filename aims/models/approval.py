"""The one approval workflow's version shape, shared by every approvable record.

A record that is approved before it is in force (a document's versions, an impact assessment;
later the Statement of Applicability, audit reports, management reviews) keeps one row per
version. The rows of one record form a *series*, named by ``SERIES_FIELD`` (the document a
version belongs to; an impact assessment's series key) and numbered 1, 2, 3… Each row moves
draft → in review → approved → superseded, or back to draft with the reviewer's comment; an
approved or superseded row is frozen; the next version carries the content forward. The steps
are the services in ``aims.services.approval``; the database holds the invariants (one row
per number, one approved row per series, an approver on every approved row, never the
author).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aims.choices import ApprovalStatus
from aims.models.base import BoundedTextField
from aims.roles import Capability

FROZEN = (ApprovalStatus.APPROVED, ApprovalStatus.SUPERSEDED)


class Approvable(models.Model):
    """One version of an approvable record. Subclasses name their series
    (``SERIES_FIELD``), add ``approval_constraints(SERIES_FIELD)`` to their ``Meta``, and
    override the hooks below where the record needs more than the shared steps."""

    #: The field whose value all versions of one record share.
    SERIES_FIELD: ClassVar[str]
    #: Who approves (and returns) a version.
    APPROVAL_CAPABILITY: ClassVar[str] = Capability.APPROVE
    #: Fields a comparison of two versions shows, in order (``approval_compare``).
    COMPARE_FIELDS: ClassVar[tuple[str, ...]] = ()

    number = models.PositiveIntegerField(_("version"), default=1, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.DRAFT,
        db_index=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    review_comment = BoundedTextField(_("reviewer's comment"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN

    @classmethod
    def series_column(cls) -> str:
        """The attribute holding the series key (``document_id`` for a foreign key)."""
        field = cls._meta.get_field(cls.SERIES_FIELD)
        return str(getattr(field, "attname", cls.SERIES_FIELD))

    def series_key(self) -> Any:
        return getattr(self, self.series_column())

    def versions(self) -> models.QuerySet[Self]:
        """Every version of this record (one query), oldest first."""
        rows = type(self)._default_manager.filter(**{self.series_column(): self.series_key()})
        return rows.order_by("number")

    # --- Hooks ---------------------------------------------------------------------------------
    def approval_check_submit(self) -> None:
        """Raise ``ValidationError`` when the draft is not ready for review."""

    def approval_check_approve(self) -> None:
        """Raise ``ValidationError`` when the version in review may not be approved yet (e.g.
        the SoA's unwaived consistency checks); runs after the approver was checked."""

    def approval_on_approve(self) -> None:
        """Freeze what lives outside the row once the version is approved (e.g. the SoA's
        rows snapshotted); runs in the approving transaction, after the status changed."""

    def approval_changes_on_approve(self) -> dict[str, Any]:
        """Fields the approval sets besides the workflow's own (e.g. a next review date)."""
        return {}

    def carry_forward(self) -> Self:
        """An unsaved copy of this version's content for the next version (the workflow
        fields are reset by the service)."""
        copy = type(self)._default_manager.get(pk=self.pk)
        copy.pk = None
        copy._state.adding = True
        return copy

    def carry_forward_relations(self, new: Self) -> None:
        """Copy what lives outside the row (many-to-many links, child rows) to ``new``."""

    def approval_people(self) -> list[Any]:
        """Who hears of a decision on this version: its author and the record's owner."""
        return [self.author, getattr(self, "owner", None)]

    @classmethod
    def approval_child_edits(cls, changes: models.QuerySet[Any]) -> Q | None:
        """A filter of versions whose child rows were changed by ``changes`` (change records
        of one person): the set form of ``approval_child_changes``, for lists of what a
        person may approve; None when the record keeps all its content on the row."""
        return None

    def approval_child_changes(self) -> Q | None:
        """The change records (a filter of ``ChangeRecord``) of this version's child rows,
        whose authors changed its content as much as whoever edited the row itself; None when
        the record keeps all its content on the row."""
        return None


def approval_constraints(series: str) -> list[models.BaseConstraint]:
    """The workflow's invariants for a model whose versions form series by ``series``."""
    return [
        models.UniqueConstraint(
            fields=[series, "number"], name="%(app_label)s_%(class)s_unique_version"
        ),
        models.UniqueConstraint(
            fields=[series],
            condition=Q(status=ApprovalStatus.APPROVED),
            name="%(app_label)s_%(class)s_one_approved",
        ),
        models.CheckConstraint(
            condition=Q(status__in=ApprovalStatus.values), name="%(app_label)s_%(class)s_status"
        ),
        models.CheckConstraint(
            condition=~Q(status__in=FROZEN)
            | Q(approved_by__isnull=False, approved_at__isnull=False),
            name="%(app_label)s_%(class)s_approval_recorded",
        ),
        models.CheckConstraint(
            condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("author")),
            name="%(app_label)s_%(class)s_approver_is_not_author",
        ),
    ]
