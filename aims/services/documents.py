"""Writes of documented information: versions and their approval workflow."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged
from aims.choices import Action, ApprovalStatus
from aims.models import Document, DocumentVersion
from aims.services.accounts import Actor
from aims.services.approval import (
    approval_approve,
    approval_editable,
    approval_new_version,
    approval_return,
    approval_submit,
)

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
    if latest is not None and latest.status == ApprovalStatus.IN_REVIEW:
        approval_editable(latest)
    if data:
        with logged(document, actor=actor, always=True):
            for name, value in data.items():
                setattr(document, name, value)
            document.full_clean()
            document.save()
    if content is None and file is None and not change_summary:
        return latest  # type: ignore[return-value]

    def write(version: DocumentVersion) -> None:
        if content is not None:
            version.content = content
        version.change_summary = change_summary or version.change_summary
        _attach(version, file)

    if latest is None or latest.status != ApprovalStatus.DRAFT:
        assert latest is not None  # a document is created with its first version
        return approval_new_version(actor=actor, version=latest, prepare=write)
    with logged(latest, actor=actor, always=True):
        write(latest)
        latest.save()
    return latest


def _latest_in(document: Document, status: str, message: str) -> DocumentVersion:
    latest = latest_version(document)
    if latest is None or latest.status != status:
        raise ValidationError(message)
    return latest


def document_submit(*, actor: Actor, document: Document) -> DocumentVersion:
    version = _latest_in(document, ApprovalStatus.DRAFT, _("There is no draft to submit."))
    return approval_submit(actor=actor, version=version)


def document_approve(*, actor: Actor, document: Document) -> DocumentVersion:
    """Approve the version in review; the previous approved version becomes superseded."""
    message = _("There is no version in review.")
    version = _latest_in(document, ApprovalStatus.IN_REVIEW, message)
    return approval_approve(actor=actor, version=version)


def document_return(*, actor: Actor, document: Document, comment: str) -> DocumentVersion:
    """Send the version in review back to its author as a draft, with the reason."""
    message = _("There is no version in review.")
    version = _latest_in(document, ApprovalStatus.IN_REVIEW, message)
    return approval_return(actor=actor, version=version, comment=comment)
