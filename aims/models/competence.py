"""Competence (7.2): the roles whose work affects AI performance, the competence each needs,
and the people in them with the state of their competence. Training records and certificates
are evidence (``controls``' evidence versions link to these records), not files kept here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models.base import BoundedTextField, ReviewableModel
from aims.scope import SystemsOrOrganisation


class CompetenceState(models.TextChoices):
    COMPETENT = "competent", _("Competent")
    IN_TRAINING = "in_training", _("In training")
    GAP = "gap", _("Competence gap")


class CompetenceRole(ReviewableModel):
    """A role whose work affects the AI systems' performance (a data steward, a model
    reviewer, the AIMS manager), with the competence it requires. It concerns the AI systems
    it names, or the whole organisation when it names none."""

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As the organisation calls the role, in either language."),
    )
    description = BoundedTextField(_("description"), blank=True)
    required_competence = BoundedTextField(
        _("required competence"),
        help_text=_("The education, training or experience the role requires."),
    )
    ai_systems = models.ManyToManyField(
        "aims.AISystem",
        verbose_name=_("AI systems"),
        related_name="competence_roles",
        blank=True,
        help_text=_("The AI systems the role works on. None: the whole organisation."),
    )

    SCOPE = SystemsOrOrganisation("ai_systems")

    class Meta:
        verbose_name = _("competence role")
        verbose_name_plural = _("competence roles")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="%(app_label)s_%(class)s_unique_name")
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="aims_comprole_name"),
            models.Index(fields=["next_review_on", "id"], name="aims_comprole_review"),
            models.Index(fields=["updated_at", "id"], name="aims_comprole_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("competence_role", args=[self.pk])


class CompetenceRecord(ReviewableModel):
    """One person's competence for one role: competent, in training, or a gap to close, when
    and by whom it was assessed, and when it is next reviewed. The training records and
    certificates that show it are evidence linked to the record."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="competence_records",
    )
    role = models.ForeignKey(
        CompetenceRole,
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # the (role, person, id) index leads with it
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=CompetenceState.choices,
        default=CompetenceState.IN_TRAINING,
        db_index=True,
    )
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    notes = BoundedTextField(_("notes"), blank=True)

    SCOPE = SystemsOrOrganisation("role__ai_systems")

    class Meta:
        verbose_name = _("competence record")
        verbose_name_plural = _("competence records")
        # By role, then person (their keys): one index walk, where names would join and sort.
        ordering = ["role_id", "person_id", "id"]
        indexes = [
            models.Index(fields=["role", "person", "id"], name="aims_comprecord_role_person"),
            models.Index(fields=["assessed_on", "id"], name="aims_comprecord_assessed"),
            models.Index(fields=["next_review_on", "id"], name="aims_comprecord_review"),
            models.Index(fields=["updated_at", "id"], name="aims_comprecord_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role"], name="%(app_label)s_%(class)s_unique_person_role"
            ),
            models.CheckConstraint(
                condition=Q(state__in=CompetenceState.values),
                name="%(app_label)s_%(class)s_state",
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True) | Q(next_review_on__gte=F("assessed_on")),
                name="%(app_label)s_%(class)s_review_after_assessment",
            ),
        ]

    def __str__(self) -> str:
        from aims.people import person_name

        return f"{person_name(self.person)} · {self.role.name}"

    def get_absolute_url(self) -> str:
        return reverse("competence_record", args=[self.pk])

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[CompetenceRecord]:
        """``__str__`` reads the person and the role."""
        return cls._default_manager.select_related("person", "role")
