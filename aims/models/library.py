"""The reference library: frameworks, their requirement trees, and crosswalks between them.

One generic tree serves every framework (ISO/IEC 42001, the AI Guidelines for Business, NIST AI
RMF, AISI's perspectives, the taxonomies). Rows are identified by URN, so a newer library file
updates them in place and records that point at requirements keep pointing at the same rows.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.choices import FrameworkCategory, MappingRelationship
from aims.models.base import BoundedTextField
from aims.scope import Reference

#: A ref id that is a code (lowercase words joined by hyphens or underscores), not a clause
#: or item number.
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


class Bilingual:
    """``name`` / ``summary`` read in the active language, falling back to English."""

    def _pick(self, field: str) -> str:
        value_ja = getattr(self, f"{field}_ja", "")
        if (get_language() or "").startswith("ja") and value_ja:
            return value_ja
        return getattr(self, f"{field}_en", "") or value_ja

    @property
    def name(self) -> str:
        return self._pick("name")


class Framework(Bilingual, models.Model):
    """A framework, guideline, evaluation scheme or taxonomy of the library."""

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    urn_prefix = models.CharField(_("URN prefix of its requirements"), max_length=150)
    ref_id = models.CharField(_("reference"), max_length=200)
    version = models.PositiveIntegerField(_("library version"))
    category = models.CharField(_("category"), max_length=20, choices=FrameworkCategory.choices)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    publisher_ja = models.CharField(_("publisher (Japanese)"), max_length=200, blank=True)
    source = BoundedTextField(_("source"), blank=True)
    source_ja = BoundedTextField(_("source (Japanese)"), blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_ja = models.CharField(_("name (Japanese)"), max_length=300)
    description_en = BoundedTextField(_("description (English)"), blank=True)
    description_ja = BoundedTextField(_("description (Japanese)"), blank=True)
    edition_en = models.CharField(
        _("edition (English)"),
        max_length=300,
        blank=True,
        help_text=_("Which edition of the source the library file carries."),
    )
    edition_ja = models.CharField(_("edition (Japanese)"), max_length=300, blank=True)
    shipped = models.BooleanField(
        _("shipped"), default=True, help_text=_("False for frameworks imported by an officer.")
    )
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    SCOPE = Reference(capability=None)

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["category", "ref_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=FrameworkCategory.values),
                name="%(app_label)s_%(class)s_category",
            ),
        ]

    def __str__(self) -> str:
        return self.ref_id

    @property
    def publisher_text(self) -> str:
        """The publisher in the active language (English when the file gives no Japanese)."""
        return self._pick_plain("publisher")

    @property
    def source_text(self) -> str:
        """Where the file's content comes from, in the active language (as publisher_text)."""
        return self._pick_plain("source")

    def _pick_plain(self, field: str) -> str:
        value_ja = getattr(self, f"{field}_ja")
        if (get_language() or "").startswith("ja") and value_ja:
            return str(value_ja)
        return str(getattr(self, field) or value_ja)

    @property
    def description(self) -> str:
        return self._pick("description")

    @property
    def edition(self) -> str:
        return self._pick("edition")


class Requirement(Bilingual, models.Model):
    """One item of a framework's tree: a clause, control, principle, subcategory or term."""

    CHANGE_LOG_EXCLUDE = ("official_text_en", "official_text_ja")

    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework"),
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    urn = models.CharField(_("URN"), max_length=200, unique=True)
    ref_id = models.CharField(_("reference"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), help_text=_("Position in reading order."))
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    assessable = models.BooleanField(_("assessable"), default=False)
    name_en = models.CharField(_("name (English)"), max_length=500)
    name_ja = models.CharField(_("name (Japanese)"), max_length=500)
    summary_en = BoundedTextField(_("summary (English)"), blank=True)
    summary_ja = BoundedTextField(_("summary (Japanese)"), blank=True)
    typical_evidence_en = BoundedTextField(_("typical evidence (English)"), blank=True)
    typical_evidence_ja = BoundedTextField(_("typical evidence (Japanese)"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    official_text_en = BoundedTextField(
        _("official text (English)"),
        blank=True,
        help_text=_("Imported by a licence holder; never shipped with the platform."),
    )
    official_text_ja = BoundedTextField(_("official text (Japanese)"), blank=True)
    withdrawn = models.BooleanField(
        _("withdrawn"),
        default=False,
        help_text=_("No longer in the framework's current library file; kept for references."),
    )

    SCOPE = Reference(capability=None)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["framework_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "ref_id"], name="%(app_label)s_%(class)s_unique_ref_id"
            ),
        ]
        indexes = [models.Index(fields=["framework", "order"], name="aims_req_framework_order")]

    def __str__(self) -> str:
        # A taxonomy item's ref id is a code ("end-users"), not a number people cite: its name
        # alone is what a reader sees (in choices, lists and reports).
        if _CODE.match(self.ref_id):
            return self.name
        return f"{self.ref_id} {self.name}"

    @property
    def summary(self) -> str:
        return self._pick("summary")

    @property
    def typical_evidence(self) -> str:
        return self._pick("typical_evidence")

    @property
    def official_text(self) -> str:
        return self._pick("official_text")


class MappingSet(Bilingual, models.Model):
    """A crosswalk from one framework to another."""

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    version = models.PositiveIntegerField(_("library version"))
    source_framework = models.ForeignKey(
        Framework, verbose_name=_("source framework"), on_delete=models.PROTECT, related_name="+"
    )
    target_framework = models.ForeignKey(
        Framework, verbose_name=_("target framework"), on_delete=models.PROTECT, related_name="+"
    )
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_ja = models.CharField(_("name (Japanese)"), max_length=300)
    description_en = BoundedTextField(_("description (English)"), blank=True)
    description_ja = BoundedTextField(_("description (Japanese)"), blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    SCOPE = Reference(capability=None)

    class Meta:
        verbose_name = _("mapping set")
        verbose_name_plural = _("mapping sets")
        ordering = ["urn"]

    def __str__(self) -> str:
        return self.urn


class Mapping(models.Model):
    """One relation between a requirement of one framework and one of another."""

    mapping_set = models.ForeignKey(
        MappingSet,
        verbose_name=_("mapping set"),
        on_delete=models.CASCADE,
        related_name="mappings",
    )
    source = models.ForeignKey(
        Requirement,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="mappings_out",
    )
    target = models.ForeignKey(
        Requirement,
        verbose_name=_("target"),
        on_delete=models.PROTECT,
        related_name="mappings_in",
    )
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=MappingRelationship.choices
    )
    rationale_en = BoundedTextField(_("rationale (English)"), blank=True)
    rationale_ja = BoundedTextField(_("rationale (Japanese)"), blank=True)

    SCOPE = Reference(capability=None)

    class Meta:
        verbose_name = _("mapping")
        verbose_name_plural = _("mappings")
        ordering = ["mapping_set_id", "source_id", "target_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mapping_set", "source", "target"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(relationship__in=MappingRelationship.values),
                name="%(app_label)s_%(class)s_relationship",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relationship} {self.target_id}"

    @property
    def rationale(self) -> str:
        if (get_language() or "").startswith("ja") and self.rationale_ja:
            return self.rationale_ja
        return self.rationale_en or self.rationale_ja
