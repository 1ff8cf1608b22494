"""The register's kept counts: how many risks stand in each cell of each matrix, per status
and treatment option, kept exact by the database itself so that the register's heat maps and
the dashboard's posture read a few thousand rows instead of aggregating the whole register on
every view (DESIGN §10: counts and aggregates never scan a whole table per request)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.roles import Capability
from aims.scope import Reference

#: The columns of ``risk_risk`` the counts are kept by (the same names on both tables, so the
#: register's filters of these columns apply to the counts unchanged).
KEY_FIELDS = (
    "matrix_id",
    "status",
    "treatment_option",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
)


class RiskCellCount(models.Model):
    """The number of risks of one matrix version with one status and treatment option at one
    inherent and one residual position (the levels follow from the matrix and the positions).

    Kept by triggers on the risk table (migration ``0009``): every insert, update, delete
    and truncate of risks, whatever wrote it (services, bulk inserts, the shell), adds its
    differences in the same transaction, and a cell whose count reaches zero is removed.
    ``manage.py risk_counts`` checks the rows against a fresh aggregate and rebuilds them
    (a count out of step, such as a negative one, shows there). Nothing else writes them."""

    matrix = models.ForeignKey(
        "risk.RiskMatrix",
        verbose_name=_("risk matrix"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20)
    treatment_option = models.CharField(_("treatment option"), max_length=30)
    inherent_likelihood = models.PositiveSmallIntegerField(_("inherent likelihood"))
    inherent_impact = models.PositiveSmallIntegerField(_("inherent impact"))
    inherent_level = models.CharField(_("inherent level"), max_length=30)
    residual_likelihood = models.PositiveSmallIntegerField(_("residual likelihood"))
    residual_impact = models.PositiveSmallIntegerField(_("residual impact"))
    residual_level = models.CharField(_("residual level"), max_length=30)
    count = models.BigIntegerField(_("number of risks"))

    # The counts add up every risk: only for those who see the whole register.
    SCOPE = Reference(Capability.SEE_ALL_RECORDS)

    class Meta:
        verbose_name = _("risk count per cell")
        verbose_name_plural = _("risk counts per cell")
        constraints = [
            # The triggers' upserts resolve conflicts on exactly this key.
            models.UniqueConstraint(
                fields=[name.removesuffix("_id") for name in KEY_FIELDS],
                name="%(app_label)s_%(class)s_one_row_per_cell",
            ),
        ]
        indexes = [
            # The cells a write emptied, found without reading the others.
            models.Index(fields=["id"], condition=Q(count=0), name="risk_cellcount_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.matrix_id} {self.status} {self.treatment_option}: {self.count}"


class RiskReviewCount(models.Model):
    """The number of risks with one status due for review on one day (risks without a
    review date are not counted): the dashboard's overdue reviews add up the days before
    today, a few hundred rows, instead of counting the overdue risks themselves.

    Kept by the same triggers as ``RiskCellCount``, in the same transaction."""

    status = models.CharField(_("status"), max_length=20)
    next_review_on = models.DateField(_("next review"))
    count = models.BigIntegerField(_("number of risks"))

    # The counts add up every risk: only for those who see the whole register.
    SCOPE = Reference(Capability.SEE_ALL_RECORDS)

    class Meta:
        verbose_name = _("risk count per review day")
        verbose_name_plural = _("risk counts per review day")
        constraints = [
            models.UniqueConstraint(
                fields=["next_review_on", "status"],
                name="%(app_label)s_%(class)s_one_row_per_day",
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(count=0), name="risk_reviewcount_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.next_review_on} {self.status}: {self.count}"
