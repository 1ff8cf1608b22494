"""Risk matrices and risk criteria (6.1.1, 6.1.2): the scales, the level of every cell, and
which levels the organisation accepts without escalation."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.choices import Role
from aims.models.base import BoundedTextField, GovernedModel
from aims.scope import OrganisationWide


def local(en: str, ja: str) -> str:
    """The text in the current language, falling back to the other one."""
    if (get_language() or "ja")[:2] == "ja":
        return ja or en
    return en or ja


def local_field(item: dict[str, Any], field: str) -> str:
    return local(str(item.get(f"{field}_en") or ""), str(item.get(f"{field}_ja") or ""))


class RiskMatrix(GovernedModel):
    """A likelihood × impact matrix as data: the two scales (labels and descriptions in both
    languages), the ordered risk levels, and the level of every cell (``grid[l-1][i-1]``).

    A matrix that risks use is never changed under them: editing it makes a new version (same
    ``code``, ``version`` + 1), and the risks keep the version they were assessed with. Levels
    are derived from the matrix in one place, ``risk.levels``.
    """

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    description_en = BoundedTextField(_("description (English)"), blank=True)
    description_ja = BoundedTextField(_("description (Japanese)"), blank=True)
    likelihood_levels = models.JSONField(
        _("likelihood scale"),
        help_text=_("From lowest to highest: label_en, label_ja, description_en, description_ja."),
    )
    impact_levels = models.JSONField(
        _("impact scale"),
        help_text=_("From lowest to highest: label_en, label_ja, description_en, description_ja."),
    )
    levels = models.JSONField(
        _("risk levels"), help_text=_("From lowest to highest: code, label_en, label_ja, colour.")
    )
    grid = models.JSONField(
        _("level grid"), help_text=_("One row per likelihood, one level code per impact.")
    )
    is_current = models.BooleanField(
        _("current version"), default=True, help_text=_("The version offered for new risks.")
    )
    is_default = models.BooleanField(
        _("default matrix for risks"),
        default=False,
        help_text=_("Preselected for new risks; the register's heat maps show this matrix."),
    )
    is_impact_default = models.BooleanField(
        _("default matrix for impact assessments"),
        default=False,
        help_text=_("Preselected for new impact assessments."),
    )

    # The organisation's own risk criteria (6.1.2), not library data: an external auditor
    # reads them only when a scope provider opens the organisation's records (their audit).
    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="%(app_label)s_%(class)s_code_version"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(is_current=True),
                name="%(app_label)s_%(class)s_one_current_version",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="%(app_label)s_%(class)s_one_default",
            ),
            models.CheckConstraint(
                condition=~Q(is_default=True) | Q(is_current=True),
                name="%(app_label)s_%(class)s_default_is_current",
            ),
            # One default per purpose: risks (``is_default``) and impact assessments.
            models.UniqueConstraint(
                fields=["is_impact_default"],
                condition=Q(is_impact_default=True),
                name="%(app_label)s_%(class)s_one_impact_default",
            ),
            models.CheckConstraint(
                condition=~Q(is_impact_default=True) | Q(is_current=True),
                name="%(app_label)s_%(class)s_impact_default_is_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def name(self) -> str:
        return local(self.name_en, self.name_ja)

    @property
    def description(self) -> str:
        return local(self.description_en, self.description_ja)

    @property
    def size(self) -> tuple[int, int]:
        return len(self.likelihood_levels), len(self.impact_levels)

    def level_label(self, code: str) -> str:
        for level in self.levels:
            if level["code"] == code:
                return local_field(level, "label")
        return code

    def step_label(self, axis: str, position: int) -> str:
        steps = self.likelihood_levels if axis == "likelihood" else self.impact_levels
        if 1 <= position <= len(steps):
            return local_field(steps[position - 1], "label")
        return str(position)


class RiskCriteria(GovernedModel):
    """The risk acceptance criteria of one matrix version: which levels are acceptable within
    the criteria (accepted by a governance officer or top management) and which role alone
    accepts a residual risk above them (top management by default, DESIGN §5)."""

    matrix = models.OneToOneField(
        RiskMatrix,
        verbose_name=_("risk matrix"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    acceptable_levels = models.JSONField(
        _("levels within the criteria"),
        default=list,
        blank=True,
        help_text=_("Codes of the levels that may be accepted without escalation."),
    )
    above_criteria_role = models.CharField(
        _("accepted above the criteria by"),
        max_length=30,
        choices=[(Role.TOP_MANAGEMENT, Role.TOP_MANAGEMENT.label)],
        default=Role.TOP_MANAGEMENT,
    )
    statement_en = BoundedTextField(_("risk appetite statement (English)"), blank=True)
    statement_ja = BoundedTextField(_("risk appetite statement (Japanese)"), blank=True)

    # The organisation's own risk criteria (6.1.2), not library data: an external auditor
    # reads them only when a scope provider opens the organisation's records (their audit).
    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("risk criteria")
        verbose_name_plural = _("risk criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(above_criteria_role=Role.TOP_MANAGEMENT),
                name="%(app_label)s_%(class)s_above_criteria_role",
            )
        ]

    def __str__(self) -> str:
        return str(self.matrix)

    @property
    def statement(self) -> str:
        return local(self.statement_en, self.statement_ja)

    def within(self, level: str) -> bool:
        return level in (self.acceptable_levels or [])
