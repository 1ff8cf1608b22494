"""Documented information (7.5): the AI policy (5.2), procedures and records, with versions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aims.choices import DocumentKind
from aims.models.approval import Approvable, approval_constraints
from aims.models.base import DOCUMENT_TEXT_MAX_LENGTH, BoundedTextField, ReviewableModel
from aims.scope import OrganisationWide


class Document(ReviewableModel):
    """A controlled document. Its content lives in versions; an approved version is frozen."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.PROCEDURE
    )
    description = BoundedTextField(_("description"), blank=True)

    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "title"]
        indexes = [models.Index(fields=["kind", "title", "id"], name="aims_document_kind_title")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="%(app_label)s_%(class)s_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("document", args=[self.pk])


class DocumentVersion(Approvable):
    """One version of a document: text and/or a file, its author and its approval (the core's
    approval workflow, ``aims.models.approval``)."""

    SERIES_FIELD = "document"
    COMPARE_FIELDS = ("change_summary", "content", "file_name", "file_sha256")

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    content = BoundedTextField(_("content"), blank=True, max_length=DOCUMENT_TEXT_MAX_LENGTH)
    change_summary = models.CharField(_("what changed"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    CHANGE_LOG_EXCLUDE = ("file",)
    SCOPE = OrganisationWide()

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document_id", "-number"]
        constraints = approval_constraints("document")

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def get_absolute_url(self) -> str:
        return self.document.get_absolute_url()

    def approval_people(self) -> list[object]:
        """The author, and the document's owner."""
        return [self.author, self.document.owner]

    def approval_check_submit(self) -> None:
        if not self.content.strip() and not self.file:
            raise ValidationError(_("The draft is empty: add content or a file before submitting."))

    def carry_forward(self) -> DocumentVersion:
        """The content and the file (the same stored file; a new upload replaces it)."""
        return DocumentVersion(
            document_id=self.document_id,
            content=self.content,
            file=self.file.name,
            file_name=self.file_name,
            file_size=self.file_size,
            file_sha256=self.file_sha256,
        )
