"""Writes of evidence: a piece of evidence, its versions (a stored file or a URL, never
overwritten), their review, the links to the records it supports, and the idempotent
creation an integration retries safely (``Idempotency-Key``)."""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.changelog import change_record, logged
from aims.choices import Action, ApprovalStatus
from aims.models import ClauseAssessment
from aims.roles import Capability, has_capability
from aims.scope import CHANGE, VIEW, permitted, permitted_ids
from aims.services.accounts import Actor
from aims.services.reach import systems_to_link
from controls import linking
from controls.choices import EvidenceReview
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlTest,
    Evidence,
    EvidenceLink,
    EvidenceVersion,
    IdempotentRequest,
)

EVIDENCE_FIELDS = (
    "title",
    "description",
    "owner",
    "ai_systems",
    "controls",
    "control_tests",
    "clause_assessments",
    "review_interval_days",
    "next_review_on",
)
#: Records linked directly (many-to-many fields of ``Evidence``), checked for sight.
DIRECT_LINKS: dict[str, type[Model]] = {
    "controls": Control,
    "control_tests": ControlTest,
    "clause_assessments": ClauseAssessment,
}
VERSION_FIELDS = ("file", "url", "effective_from", "effective_until", "valid_until", "note")

#: The content type stored for each accepted extension.
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
#: What the first bytes of a file of each kind must be (text kinds: valid UTF-8, no NUL).
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
TEXT_KINDS = (".txt", ".md", ".csv", ".json")
CHUNK = 1 << 20


class IdempotencyConflict(ValidationError):
    """The same ``Idempotency-Key`` came with another request body."""


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- files -----------------------------------------------------------------------------------
def _looks_like(extension: str, head: bytes, upload: UploadedFile) -> bool:
    if extension in SIGNATURES:
        return head.startswith(SIGNATURES[extension])
    if extension in TEXT_KINDS:
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in upload.chunks():
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        finally:
            upload.seek(0)
        return True
    return False


def file_checked(upload: UploadedFile) -> tuple[str, str, int, str]:
    """The name, SHA-256 (computed over the upload in chunks), size and content type of an
    upload, once it passed the limits: an accepted extension, at most
    ``EVIDENCE_MAX_BYTES``, and content that is what the extension says (a renamed
    executable is refused). Raises ``ValidationError`` on the ``file`` field."""
    name = PurePath(upload.name or "").name.strip()
    extension = PurePath(name.lower()).suffix
    if not name or extension not in settings.EVIDENCE_EXTENSIONS:
        accepted = ", ".join(settings.EVIDENCE_EXTENSIONS)
        raise ValidationError(
            {
                "file": [
                    _("This type of file is not accepted (accepted: %(types)s).")
                    % {"types": accepted}
                ]
            }
        )
    if upload.size is None or upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is too large (at most %(mb)s MB).")
                    % {"mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024) or 1}
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _looks_like(extension, head, upload):
        raise ValidationError(
            {
                "file": [
                    _("The file's content does not match its type (%(ext)s).") % {"ext": extension}
                ]
            }
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return name[:255], digest.hexdigest(), upload.size, CONTENT_TYPES[extension]


def upload_sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# --- reach -----------------------------------------------------------------------------------
def _check_sight(actor: Actor, data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Every record the evidence is to be linked to directly must be one the actor sees."""
    if actor is None:
        return
    for name, model in DIRECT_LINKS.items():
        items = data.get(name)
        if not items:
            continue
        ids = {item.pk for item in items}
        if ids - permitted_ids(actor, VIEW, model, ids):
            errors[name] = [_("You may only link records you can see.")]


def _apply(actor: Actor, evidence: Evidence, data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(EVIDENCE_FIELDS)
    errors: dict[str, list[str]] = {name: [_("This field cannot be set.")] for name in unknown}
    if errors:
        raise ValidationError(errors)
    if "title" in data:
        data["title"] = str(data["title"] or "").strip()
    _check_sight(actor, data, errors)
    systems = systems_to_link(
        actor=actor,
        record=evidence,
        given=data.get("ai_systems"),
        errors=errors,
        allow_retired=True,
    )
    m2m = {field.name for field in Evidence._meta.many_to_many}
    for name, value in data.items():
        if name not in m2m:
            setattr(evidence, name, value)
    try:
        evidence.full_clean(exclude=[*m2m, "current_version"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    later = {name: value for name, value in data.items() if name in m2m}
    if systems is not None:
        later["ai_systems"] = systems
    return later


# --- evidence --------------------------------------------------------------------------------
@transaction.atomic
def evidence_create(
    *,
    actor: Actor,
    links: Iterable[Model] = (),
    version: dict[str, Any] | None = None,
    **data: Any,
) -> Evidence:
    """New evidence (the actor owns it unless ``owner`` is given), linked to ``links`` (any
    record evidence may link to) and, with ``version`` (the arguments of
    ``evidence_version_add``), its first version."""
    data.setdefault("owner", _user(actor))
    data.setdefault("ai_systems", [])
    evidence = Evidence()
    later = _apply(actor, evidence, data)
    evidence.save()
    for name, value in later.items():
        getattr(evidence, name).set(value)
    change_record(actor=actor, action=Action.CREATE, obj=evidence)
    for record in links:
        evidence_link(actor=actor, evidence=evidence, record=record)
    if version is not None:
        evidence_version_add(actor=actor, evidence=evidence, **version)
        evidence.refresh_from_db()
    return evidence


@transaction.atomic
def evidence_update(*, actor: Actor, evidence: Evidence, **data: Any) -> Evidence:
    """Change what evidence says, who owns it and what it is linked to directly."""
    with logged(evidence, actor=actor):
        later = _apply(actor, evidence, data)
        evidence.save()
        for name, value in later.items():
            getattr(evidence, name).set(value)
    return evidence


def evidence_refresh_current(evidence: Evidence) -> None:
    """Keep ``current_version``, ``valid_until``, ``current_effective_from``,
    ``awaiting_review`` and ``current_uploaded_by`` those of the newest version that was not
    rejected (derived values: not logged, ``CHANGE_LOG_EXCLUDE``)."""
    current = (
        evidence.versions.exclude(review_status=EvidenceReview.REJECTED).order_by("-number").first()
    )
    evidence.current_version = current
    evidence.valid_until = current.valid_until if current is not None else None
    evidence.current_effective_from = current.effective_from if current is not None else None
    evidence.awaiting_review = (
        current is not None and current.review_status == EvidenceReview.SUBMITTED
    )
    evidence.current_uploaded_by_id = current.uploaded_by_id if current is not None else None
    Evidence.objects.filter(pk=evidence.pk).update(
        current_version=current,
        valid_until=evidence.valid_until,
        current_effective_from=evidence.current_effective_from,
        awaiting_review=evidence.awaiting_review,
        current_uploaded_by_id=evidence.current_uploaded_by_id,
    )


# --- versions --------------------------------------------------------------------------------
def _version_errors(
    file: UploadedFile | None,
    url: str,
    effective_from: date | None,
    effective_until: date | None,
    valid_until: date | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if file is not None and url:
        errors["url"] = [_("Give a file or a URL, not both.")]
    elif file is None and not url:
        errors["file"] = [_("Give a file or a URL.")]
    if url and not url.lower().startswith(("https://", "http://")):
        errors["url"] = [_("Only http and https links are accepted.")]
    if effective_from is None:
        errors["effective_from"] = [_("Say from when the evidence describes the matter.")]
    elif effective_until is not None and effective_until < effective_from:
        errors["effective_until"] = [_("The period cannot end before it starts.")]
    if effective_from is not None and valid_until is not None and valid_until < effective_from:
        errors["valid_until"] = [_("Evidence cannot expire before the period it describes.")]
    return errors


@transaction.atomic
def evidence_version_add(
    *,
    actor: Actor,
    evidence: Evidence,
    file: UploadedFile | None = None,
    url: str = "",
    effective_from: date | None = None,
    effective_until: date | None = None,
    valid_until: date | None = None,
    note: str = "",
) -> EvidenceVersion:
    """A new version (numbered 1, 2, 3 …; never replacing one): a file through the storage,
    checked for type and size, with its SHA-256, or an http(s) URL; the period it describes
    and until when it is valid. It is submitted for review and becomes the current version."""
    url = (url or "").strip()
    errors = _version_errors(file, url, effective_from, effective_until, valid_until)
    if errors or effective_from is None:
        raise ValidationError(errors)
    checked = file_checked(file) if file is not None else None
    # Serialise the numbering of one evidence's versions.
    Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
    number = (evidence.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = EvidenceVersion(
        evidence=evidence,
        number=number,
        url=url,
        effective_from=effective_from,
        effective_until=effective_until,
        valid_until=valid_until,
        note=note,
        uploaded_by=_user(actor),
    )
    if checked is not None and file is not None:
        version.file_name, version.file_sha256, version.file_size, version.content_type = checked
    version.full_clean(exclude=["file", "evidence"])
    if file is not None:
        # Stored last, after every check: the storage holds no file of a refused version.
        version.file.save(version.file_name, file, save=False)
    version.save()
    evidence_refresh_current(evidence)
    change_record(actor=actor, action=Action.CREATE, obj=version)
    return version


@transaction.atomic
def evidence_version_review(
    *, actor: Actor, version: EvidenceVersion, accepted: bool, comment: str = ""
) -> EvidenceVersion:
    """Accept or reject a submitted version. The reviewer holds the right to approve or owns
    the evidence, and never uploaded that version; a rejection says why. A rejected version
    stops being current (the newest one not rejected is)."""
    user = _user(actor)
    comment = (comment or "").strip()
    if version.review_status != EvidenceReview.SUBMITTED:
        raise ValidationError(_("This version was reviewed already."))
    if user is None:
        raise ValidationError(_("Only a signed-in person reviews evidence."))
    evidence = version.evidence
    if not (has_capability(user, Capability.APPROVE) or evidence.owner_id == user.pk):
        raise ValidationError(_("Evidence is reviewed by its owner or by someone who may approve."))
    if version.uploaded_by_id == user.pk:
        raise ValidationError(_("Nobody reviews evidence they uploaded themselves."))
    if not accepted and not comment:
        raise ValidationError({"comment": [_("Say why the evidence is rejected.")]})
    with logged(version, actor=actor, action=Action.UPDATE, always=True):
        version.review_status = EvidenceReview.ACCEPTED if accepted else EvidenceReview.REJECTED
        version.reviewed_by = user
        version.reviewed_at = timezone.now()
        version.review_comment = comment
        version.save()
    evidence_refresh_current(evidence)
    return version


def can_review(user: Any, version: EvidenceVersion) -> bool:
    """Whether ``user`` may review ``version`` now (the rule of ``evidence_version_review``)."""
    person = _user(user)
    return (
        person is not None
        and version.review_status == EvidenceReview.SUBMITTED
        and version.uploaded_by_id != person.pk
        and (has_capability(person, Capability.APPROVE) or version.evidence.owner_id == person.pk)
    )


# --- links -----------------------------------------------------------------------------------
def _refuse_unseen(actor: Actor, record: Model) -> None:
    if actor is not None and not permitted(actor, VIEW, record):
        raise ValidationError({"links": [_("You may only link records you can see.")]})


@transaction.atomic
def evidence_link(*, actor: Actor, evidence: Evidence, record: Model) -> None:
    """Link evidence to a record it supports: a control, a control test, a clause
    assessment, a row of a draft SoA, or a record of a kind an app registered
    (``controls.linking``). The actor must see the record (and change the SoA for a row)."""
    linkable = isinstance(record, ApplicabilityStatement | Control | ControlTest | ClauseAssessment)
    if not linkable and linking.target_for(type(record)) is None:
        raise ValidationError({"links": [_("Evidence cannot be linked to this kind of record.")]})
    _refuse_unseen(actor, record)
    if isinstance(record, ApplicabilityStatement):
        if record.soa.status != ApprovalStatus.DRAFT:
            raise ValidationError(
                {"links": [_("Only rows of a draft Statement of Applicability can change.")]}
            )
        if actor is not None and not permitted(actor, CHANGE, record):
            raise ValidationError({"links": [_("You may not change this SoA row.")]})
        with logged(record, actor=actor):
            record.evidence.add(evidence)
        return
    for name, model in DIRECT_LINKS.items():
        if isinstance(record, model):
            with logged(evidence, actor=actor):
                getattr(evidence, name).add(record)
            return
    link, created = EvidenceLink.objects.get_or_create(
        evidence=evidence,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
    )
    if created:
        change_record(actor=actor, action=Action.CREATE, obj=link)


@transaction.atomic
def evidence_unlink(*, actor: Actor, evidence: Evidence, record: Model) -> None:
    """Remove a link made by ``evidence_link`` (the same rules)."""
    if isinstance(record, ApplicabilityStatement):
        if record.soa.status != ApprovalStatus.DRAFT:
            raise ValidationError(
                {"links": [_("Only rows of a draft Statement of Applicability can change.")]}
            )
        if actor is not None and not permitted(actor, CHANGE, record):
            raise ValidationError({"links": [_("You may not change this SoA row.")]})
        with logged(record, actor=actor):
            record.evidence.remove(evidence)
        return
    for name, model in DIRECT_LINKS.items():
        if isinstance(record, model):
            with logged(evidence, actor=actor):
                getattr(evidence, name).remove(record)
            return
    link = EvidenceLink.objects.filter(
        evidence=evidence,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
    ).first()
    if link is not None:
        change_record(actor=actor, action=Action.DELETE, obj=link, after=None, object_id=link.pk)
        link.delete()


# --- idempotency -----------------------------------------------------------------------------
def request_fingerprint(route: str, fields: dict[str, Any], file_sha256: str = "") -> str:
    """The SHA-256 of a canonical form of a request: its route, its fields (sorted, lists in
    order) and the SHA-256 of its file."""
    canonical = json.dumps(
        {"route": route, "fields": fields, "file_sha256": file_sha256},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(found: IdempotentRequest, fingerprint: str) -> EvidenceVersion:
    if found.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _(
                "This Idempotency-Key was used for another request. Send a new key for a new "
                "request; a retry must repeat the original request exactly."
            )
        )
    return found.evidence_version


@transaction.atomic
def evidence_idempotent(
    *, actor: Actor, key: str, fingerprint: str, make: Callable[[], EvidenceVersion]
) -> tuple[EvidenceVersion, bool]:
    """Run ``make`` (creating evidence and/or a version) once per ``(user, key)``: a retry
    with the same fingerprint answers the version made the first time (``False``: nothing
    new); another fingerprint is refused (``IdempotencyConflict``), nothing changed.
    Concurrent requests with one key queue on a lock, so only one of them creates."""
    user = _user(actor)
    if user is None:
        raise ValidationError(_("Only a signed-in user sends an Idempotency-Key."))
    key = key.strip()
    if not key or len(key) > 200:
        raise ValidationError(_("An Idempotency-Key has 1 to 200 characters."))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"evidence:{user.pk}:{key}"]
        )
    found = (
        IdempotentRequest.objects.select_related("evidence_version__evidence")
        .filter(user=user, key=key)
        .first()
    )
    if found is not None:
        return _replay(found, fingerprint), False
    try:
        with transaction.atomic():
            version = make()
            IdempotentRequest.objects.create(
                user=user, key=key, fingerprint=fingerprint, evidence_version=version
            )
    except IntegrityError:  # a concurrent duplicate that did not wait on the lock
        found = IdempotentRequest.objects.select_related("evidence_version").get(user=user, key=key)
        return _replay(found, fingerprint), False
    return version, True
