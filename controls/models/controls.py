"""The organisation's controls: implemented measures, the requirements they satisfy, and the
tests of their effectiveness."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models.base import BoundedTextField, GovernedModel, ReviewableModel
from aims.scope import SystemsOrOrganisation
from controls.choices import ControlStatus, ControlType, TestMethod, TestResult


class Control(ReviewableModel):
    """A measure the organisation has put in place (or plans to): a policy, a process, a
    technical or an organisational control. It covers the AI systems it names (none: the
    whole organisation), satisfies requirements of any framework of the library (Annex A
    controls, the AI Guidelines' items, NIST AI RMF subcategories), and is tested for
    effectiveness every ``test_interval_days``. Retired, never deleted."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("The organisation's identifier of the control, e.g. CTL-001."),
    )
    name = models.CharField(_("name"), max_length=300)
    description = BoundedTextField(_("description"), blank=True)
    control_type = models.CharField(
        _("type"), max_length=20, choices=ControlType.choices, default=ControlType.PROCESS
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ControlStatus.choices,
        default=ControlStatus.PLANNED,
        db_index=True,
    )
    ai_systems = models.ManyToManyField(
        "aims.AISystem",
        verbose_name=_("AI systems"),
        related_name="controls",
        blank=True,
        help_text=_("The AI systems the control covers. None: the whole organisation."),
    )
    requirements = models.ManyToManyField(
        "aims.Requirement",
        through="ControlRequirement",
        verbose_name=_("requirements satisfied"),
        related_name="implementing_controls",
        blank=True,
    )
    #: The longest test interval (ten years): dates computed from it stay within the calendar.
    MAX_TEST_INTERVAL_DAYS = 3650
    test_interval_days = models.PositiveIntegerField(
        _("test interval (days)"),
        null=True,
        blank=True,
        help_text=_(
            "How often the control's effectiveness is tested. Empty: not tested periodically."
        ),
    )
    # Maintained by the control-test services, so lists show them without a query per row.
    last_tested_on = models.DateField(_("last tested"), null=True, blank=True, editable=False)
    last_test_result = models.CharField(
        _("last test result"), max_length=20, choices=TestResult.choices, blank=True, editable=False
    )

    SCOPE = SystemsOrOrganisation("ai_systems")

    class Meta:
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        ordering = ["code"]
        # Every order of the list (the key last) and of its page (the code last), either way.
        indexes = [
            models.Index(fields=["name", "id"], name="controls_control_name"),
            models.Index(fields=["name", "code"], name="controls_control_name_code"),
            models.Index(fields=["updated_at", "id"], name="controls_control_updated"),
            models.Index(fields=["-updated_at", "code"], name="controls_control_updated_code"),
            models.Index(fields=["last_tested_on", "id"], name="controls_control_tested"),
            models.Index(fields=["last_tested_on", "code"], name="controls_control_tested_code"),
            models.Index(fields=["next_review_on", "id"], name="controls_control_review"),
            models.Index(fields=["next_review_on", "code"], name="controls_control_review_code"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ControlStatus.values), name="%(app_label)s_%(class)s_status"
            ),
            models.CheckConstraint(
                condition=Q(control_type__in=ControlType.values),
                name="%(app_label)s_%(class)s_type",
            ),
            models.CheckConstraint(
                condition=Q(last_test_result="") | Q(last_test_result__in=TestResult.values),
                name="%(app_label)s_%(class)s_last_test_result",
            ),
        ]

    #: What a choice of a control reads (``aims.widgets.LabelledChoiceIterator``, ``__str__``).
    LABEL_FIELDS = ("code", "name")

    @staticmethod
    def label_of(code: str, name: str) -> str:
        return f"{code} {name}"

    def __str__(self) -> str:
        return self.label_of(self.code, self.name)

    def get_absolute_url(self) -> str:
        return reverse("control", args=[self.pk])

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[Control]:
        """Retired controls are no longer reviewed."""
        return cls._default_manager.exclude(status=ControlStatus.RETIRED)


class ControlRequirement(models.Model):
    """A requirement of the library a control satisfies, with a note on how."""

    control = models.ForeignKey(
        Control,
        verbose_name=_("control"),
        on_delete=models.CASCADE,
        related_name="requirement_links",
    )
    requirement = models.ForeignKey(
        "aims.Requirement",
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="control_links",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    SCOPE = SystemsOrOrganisation("control__ai_systems")

    class Meta:
        verbose_name = _("requirement satisfied")
        verbose_name_plural = _("requirements satisfied")
        ordering = ["control_id", "requirement__framework_id", "requirement__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["control", "requirement"], name="%(app_label)s_%(class)s_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.control.code} → {self.requirement}"


class ControlTest(GovernedModel):
    """A test of a control's effectiveness: when, by whom, how, with what result and
    findings; the evidence it produced links to it (``Evidence.control_tests``)."""

    control = models.ForeignKey(
        Control, verbose_name=_("control"), on_delete=models.CASCADE, related_name="tests"
    )
    tested_on = models.DateField(_("tested on"))
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tester"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    method = models.CharField(
        _("method"), max_length=20, choices=TestMethod.choices, default=TestMethod.INSPECTION
    )
    result = models.CharField(_("result"), max_length=20, choices=TestResult.choices)
    findings = BoundedTextField(_("findings"), blank=True)

    SCOPE = SystemsOrOrganisation("control__ai_systems")

    class Meta:
        verbose_name = _("control test")
        verbose_name_plural = _("control tests")
        ordering = ["control_id", "-tested_on", "-id"]
        indexes = [
            models.Index(fields=["tested_on", "id"], name="controls_test_tested"),
            models.Index(fields=["created_at", "id"], name="controls_test_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=TestResult.values), name="%(app_label)s_%(class)s_result"
            ),
            models.CheckConstraint(
                condition=Q(method__in=TestMethod.values), name="%(app_label)s_%(class)s_method"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.control.code} {self.tested_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.control.get_absolute_url()
