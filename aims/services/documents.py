"""Writes of documented information: versions and their approval workflow."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.changelog import change_record, snapshot
from aims.choices import Action, DocumentStatus
from aims.models import Document, DocumentVersion
from aims.roles import Capability, has_capability
from aims.services.accounts import Actor

DOCUMENT_FIELDS = (
    "title",
    "kind",
    "description",
    "owner",
    "review_interval_days",
    "next_review_on",
)


def _attach(version: DocumentVersion, upload: UploadedFile | None) -> None:
    if upload is None:
        return
    name = upload.name or ""
    if not name.lower().endswith(settings.DOCUMENT_EXTENSIONS):
        raise ValidationError({"file": [_("This type of file is not accepted.")]})
    if upload.size is None or upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": [_("The file is too large.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    version.file.save(name, upload, save=False)
    version.file_name, version.file_size = name[:255], upload.size
    version.file_sha256 = digest.hexdigest()


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def latest_version(document: Document) -> DocumentVersion | None:
    return document.versions.order_by("-number").first()


@transaction.atomic
def document_create(
    *, actor: Actor, content: str = "", file: UploadedFile | None = None, **data: Any
) -> Document:
    """A new document with its first draft version."""
    unknown = set(data) - set(DOCUMENT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    document = Document(**data)
    if document.owner_id is None and _user(actor) is not None:
        document.owner = actor  # type: ignore[assignment]
    document.full_clean()
    document.save()
    version = DocumentVersion(document=document, number=1, content=content, author=_user(actor))
    _attach(version, file)
    version.save()
    change_record(actor=actor, action=Action.CREATE, obj=document)
    change_record(actor=actor, action=Action.CREATE, obj=version)
    return document


@transaction.atomic
def document_edit(
    *,
    actor: Actor,
    document: Document,
    content: str | None = None,
    file: UploadedFile | None = None,
    change_summary: str = "",
    **data: Any,
) -> DocumentVersion:
    """Change a document. The draft is edited in place; an approved (frozen) version is never
    touched: a new draft carries its content forward. A version in review cannot change."""
    unknown = set(data) - set(DOCUMENT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    latest = latest_version(document)
    if latest is not None and latest.status == DocumentStatus.IN_REVIEW:
        raise ValidationError(_("The current version is in review: approve or return it first."))
    if data:
        document_before = snapshot(document)
        for name, value in data.items():
            setattr(document, name, value)
        document.full_clean()
        document.save()
        change_record(actor=actor, action=Action.UPDATE, obj=document, before=document_before)
    if content is None and file is None and not change_summary:
        return latest  # type: ignore[return-value]
    if latest is None or latest.status != DocumentStatus.DRAFT:
        previous = latest
        latest = DocumentVersion(
            document=document,
            number=(previous.number + 1) if previous else 1,
            content=previous.content if previous else "",
            author=_user(actor),
        )
        if previous is not None and previous.file:
            latest.file, latest.file_name = previous.file.name, previous.file_name
            latest.file_size, latest.file_sha256 = previous.file_size, previous.file_sha256
        before: dict[str, Any] | None = None
    else:
        before = snapshot(latest)
    if content is not None:
        latest.content = content
    latest.change_summary = change_summary or latest.change_summary
    _attach(latest, file)
    latest.save()
    change_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=latest,
        before=before,
    )
    return latest


def _in_state(document: Document, status: str, message: str) -> DocumentVersion:
    latest = latest_version(document)
    if latest is None or latest.status != status:
        raise ValidationError(message)
    return latest


@transaction.atomic
def document_submit(*, actor: Actor, document: Document) -> DocumentVersion:
    version = _in_state(document, DocumentStatus.DRAFT, _("There is no draft to submit."))
    if not version.content.strip() and not version.file:
        raise ValidationError(_("The draft is empty: add content or a file before submitting."))
    before = snapshot(version)
    version.status, version.submitted_at = DocumentStatus.IN_REVIEW, timezone.now()
    version.review_comment = ""
    version.save()
    change_record(actor=actor, action=Action.SUBMIT, obj=version, before=before)
    return version


@transaction.atomic
def document_approve(*, actor: Actor, document: Document) -> DocumentVersion:
    """Approve the version in review; the previous approved version becomes superseded."""
    version = _in_state(document, DocumentStatus.IN_REVIEW, _("There is no version in review."))
    if not has_capability(actor, Capability.APPROVE):
        raise ValidationError(_("Your role cannot approve documents."))
    approver = _user(actor)
    if version.author_id is not None and approver is not None and version.author_id == approver.pk:
        raise ValidationError(_("Nobody approves their own work: another approver is needed."))
    for old in document.versions.filter(status=DocumentStatus.APPROVED):
        old_before = snapshot(old)
        old.status = DocumentStatus.SUPERSEDED
        old.save(update_fields=["status"])
        change_record(actor=actor, action=Action.UPDATE, obj=old, before=old_before)
    before = snapshot(version)
    version.status = DocumentStatus.APPROVED
    version.approved_by, version.approved_at = _user(actor), timezone.now()
    version.save()
    change_record(actor=actor, action=Action.APPROVE, obj=version, before=before)
    return version


@transaction.atomic
def document_return(*, actor: Actor, document: Document, comment: str) -> DocumentVersion:
    """Send the version in review back to its author as a draft, with the reason."""
    version = _in_state(document, DocumentStatus.IN_REVIEW, _("There is no version in review."))
    if not has_capability(actor, Capability.APPROVE):
        raise ValidationError(_("Your role cannot review documents."))
    if not comment.strip():
        raise ValidationError({"comment": [_("Say what needs to change.")]})
    before = snapshot(version)
    version.status, version.review_comment = DocumentStatus.DRAFT, comment.strip()
    version.save()
    change_record(actor=actor, action=Action.RETURN, obj=version, before=before)
    return version
