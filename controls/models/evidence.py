"""Evidence (7.5, 8.1, 9.1): a record that something was done, in versions that never
overwrite each other, each describing a period (``effective_from`` … ``effective_until``) and
valid until a date. Evidence links to the records it supports: SoA rows, controls, control
tests and clause assessments directly, and the records of other apps (risks, treatment
actions, impact assessments, documents) through ``EvidenceLink`` (the apps register which
models may be linked: ``controls.linking``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.models.base import BoundedTextField, ReviewableModel, TimeStampedModel
from aims.scope import SystemsOrOrganisation
from controls.choices import EvidenceReview


class Evidence(ReviewableModel):
    """A piece of evidence: what it shows, its owner, the AI systems it concerns (none: the
    organisation as a whole), the records it supports, and its versions (files or links).
    ``current_version`` and ``valid_until`` are those of the newest version that was not
    rejected, kept here by the services so lists, freshness filters and the review reminders
    read them without a query per row; ``current_effective_from`` (when the period it
    describes starts) with them says whether it is valid on a day without reading the version
    (the current version is never a rejected one); ``awaiting_review`` and
    ``current_uploaded_by`` say whether that version waits for a review and who may
    therefore not review it."""

    REMINDER_DATE_FIELDS = ("next_review_on", "valid_until")

    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"), blank=True)
    ai_systems = models.ManyToManyField(
        "aims.AISystem",
        verbose_name=_("AI systems"),
        related_name="evidence",
        blank=True,
        help_text=_("The AI systems the evidence concerns. None: the whole organisation."),
    )
    controls = models.ManyToManyField(
        "controls.Control", verbose_name=_("controls"), related_name="evidence", blank=True
    )
    control_tests = models.ManyToManyField(
        "controls.ControlTest",
        verbose_name=_("control tests"),
        related_name="evidence",
        blank=True,
    )
    clause_assessments = models.ManyToManyField(
        "aims.ClauseAssessment",
        verbose_name=_("clause assessments"),
        related_name="evidence",
        blank=True,
    )
    current_version = models.ForeignKey(
        "controls.EvidenceVersion",
        verbose_name=_("current version"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True, editable=False)
    current_effective_from = models.DateField(
        _("current version effective from"), null=True, blank=True, editable=False
    )
    awaiting_review = models.BooleanField(
        _("awaiting review"),
        default=False,
        editable=False,
        help_text=_("The current version was submitted and nobody has reviewed it yet."),
    )
    current_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("current version uploaded by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    SCOPE = SystemsOrOrganisation("ai_systems")
    CHANGE_LOG_EXCLUDE = (
        "created_at",
        "updated_at",
        "current_version",
        "valid_until",
        "current_effective_from",
        "awaiting_review",
        "current_uploaded_by",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["title", "id"]
        indexes = [
            # The list's default order: a page is read off the index, and a reader who sees
            # a part of the evidence (an operator) stops after a page of matches.
            models.Index(fields=["title", "id"], name="controls_evidence_title"),
            models.Index(fields=["valid_until", "id"], name="controls_evidence_valid"),
            models.Index(fields=["updated_at", "id"], name="controls_evidence_updated"),
            # Every page's inbox badge asks for the versions waiting for the reader's review:
            # this finds them without reading every version ever uploaded.
            models.Index(
                fields=["current_uploaded_by"],
                condition=Q(awaiting_review=True),
                name="controls_evidence_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evidence", args=[self.pk])


class EvidenceVersion(TimeStampedModel):
    """One version of a piece of evidence: a stored file (its SHA-256, size and type) or a
    URL, the period it describes, until when it is valid, who uploaded it, and its review
    (accepted or rejected by someone other than the uploader). Never changed in substance
    after upload; a correction is a new version."""

    evidence = models.ForeignKey(
        Evidence,
        verbose_name=_("evidence"),
        on_delete=models.CASCADE,
        related_name="versions",
        db_index=False,  # led by the period index below (and the unique number)
    )
    number = models.PositiveIntegerField(_("version"), editable=False)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    effective_from = models.DateField(
        _("describes from"), help_text=_("The start of the period the evidence describes.")
    )
    effective_until = models.DateField(
        _("describes until"),
        null=True,
        blank=True,
        help_text=_("The end of the period the evidence describes. Empty: a point in time."),
    )
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("After this date the evidence no longer counts. Empty: no expiry."),
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    review_status = models.CharField(
        _("review"),
        max_length=20,
        choices=EvidenceReview.choices,
        default=EvidenceReview.SUBMITTED,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = BoundedTextField(_("reviewer's comment"), blank=True)

    SCOPE = SystemsOrOrganisation("evidence__ai_systems")
    CHANGE_LOG_EXCLUDE = ("created_at", "updated_at", "file")

    class Meta:
        verbose_name = _("evidence version")
        verbose_name_plural = _("evidence versions")
        ordering = ["evidence_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "number"], name="%(app_label)s_%(class)s_unique_number"
            ),
            # A file or a link, never both, never neither.
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="%(app_label)s_%(class)s_file_or_url",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=F("effective_from")),
                name="%(app_label)s_%(class)s_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(review_status__in=EvidenceReview.values),
                name="%(app_label)s_%(class)s_review_status",
            ),
            models.CheckConstraint(
                condition=Q(review_status=EvidenceReview.SUBMITTED)
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="%(app_label)s_%(class)s_review_recorded",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("uploaded_by")),
                name="%(app_label)s_%(class)s_reviewer_is_not_uploader",
            ),
        ]
        indexes = [
            # Which version of a piece of evidence an audit period cites is answered from
            # the index alone (an audit's workspace asks it of thousands of pieces at once).
            models.Index(
                fields=["evidence", "effective_from"],
                include=["effective_until", "review_status"],
                name="controls_version_period",
            ),
            # The versions' list: each piece's newest first.
            models.Index(fields=["evidence", "-number", "-id"], name="controls_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} v{self.number}"

    def get_absolute_url(self) -> str:
        return self.evidence.get_absolute_url()


class EvidenceLink(models.Model):
    """A link from evidence to a record of another app (a risk, a treatment action, an impact
    assessment, a document): the kinds of record that may be linked are registered by their
    apps (``controls.linking.register_target``), and a link is only made to a record its
    author may see."""

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), on_delete=models.CASCADE, related_name="links"
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    target = GenericForeignKey("content_type", "object_id")

    SCOPE = SystemsOrOrganisation("evidence__ai_systems")

    class Meta:
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        ordering = ["evidence_id", "content_type_id", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "content_type", "object_id"],
                name="%(app_label)s_%(class)s_unique",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.content_type.model} {self.object_id}"


class IdempotentRequest(TimeStampedModel):
    """A request an integration sent with an ``Idempotency-Key`` header: a retry with the
    same key and body answers what the first answered and creates nothing; the same key with
    another body is refused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    evidence_version = models.ForeignKey(
        EvidenceVersion,
        verbose_name=_("evidence version"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    SCOPE = SystemsOrOrganisation("evidence_version__evidence__ai_systems")

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="%(app_label)s_%(class)s_unique")
        ]

    def __str__(self) -> str:
        return self.key
