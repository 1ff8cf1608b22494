"""Writing and verifying the hash-chained change log (DESIGN §7).

``change_record`` is called by every service that changes a governed record, inside the
same transaction as the change. A PostgreSQL advisory lock held until commit serialises
writers, so each record's ``previous_hash`` is the hash of the record committed just before it
and ids follow the chain. Each record also carries the HMAC of its hash, keyed with a secret
the database does not hold; ``aims.changelog_anchors`` exports the head outside the database.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aims.context import current_context
from aims.models.changelog import GENESIS_HASH, ChangeRecord, keyed_hash

# pg_advisory_xact_lock key: "AIMS" in ASCII. One lock for the one chain.
_CHAIN_LOCK_KEY = 0x41494D53
_AUTO: Any = object()


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON so what is hashed is exactly what JSONB will give back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The state of ``obj`` as JSON-safe data: concrete fields (foreign keys as ids) and
    many-to-many fields as sorted id lists, minus the model's ``CHANGE_LOG_EXCLUDE``."""
    exclude = set(getattr(obj, "CHANGE_LOG_EXCLUDE", ()))
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = field.value_from_object(obj)
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            if m2m.name in exclude:
                continue
            data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True), key=str)
    return _json_safe(data)


def change_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = _AUTO,
    model: type[models.Model] | None = None,
    object_id: Any = None,
) -> ChangeRecord:
    """Append a record of ``action`` on ``obj`` by ``actor`` to the change log.

    ``after`` defaults to a fresh snapshot of ``obj`` (None for deletions, pass it explicitly).
    For a deleted object, pass ``object_id`` (its pk is gone) and optionally ``model``.
    """
    if after is _AUTO:
        after = None if action == "delete" else snapshot(obj)
    actor_user = actor if actor is not None and actor.is_authenticated else None
    context = current_context()
    content_type = ContentType.objects.get_for_model(model or obj, for_concrete_model=False)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        previous = (
            ChangeRecord.objects.order_by("-id").values_list("record_hash", flat=True).first()
        )
        record = ChangeRecord(
            timestamp=timezone.now(),
            actor=actor_user,  # type: ignore[misc]  # any user model
            actor_username=actor_user.get_username() if actor_user is not None else "",
            action=action,
            content_type=content_type,
            object_id=str(object_id if object_id is not None else obj.pk),
            object_repr=str(obj)[:300],
            before=_json_safe(before) if before is not None else None,
            after=_json_safe(after) if after is not None else None,
            source=context.source,
            correlation_id=context.correlation_id,
            previous_hash=previous or GENESIS_HASH,
        )
        record.record_hash = record.compute_hash()
        record.record_hmac = keyed_hash(record.record_hash)
        record.save()
    return record


@contextmanager
def logged(
    obj: models.Model,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str = "update",
    always: bool = False,
) -> Iterator[None]:
    """Log the change the block makes to ``obj``: its state before the block, its state after
    (the block saves it, and sets its many-to-many links), and one change record between them
    when they differ (or ``always``, for a workflow step). The tail every update service
    shares::

        with logged(risk, actor=actor):
            risk.title = title
            risk.save()
    """
    before = snapshot(obj)
    yield
    after = snapshot(obj)
    if always or after != before:
        change_record(actor=actor, action=action, obj=obj, before=before, after=after)


def logged_update(
    obj: models.Model,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str = "update",
    **fields: Any,
) -> None:
    """Set ``fields`` on ``obj``, save it and log the step (always one record)."""
    with logged(obj, actor=actor, action=action, always=True):
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save()


# Why a record breaks the log, in the words verify_change_log prints (translated when shown).
REASONS: dict[str, Any] = {
    "previous": _(
        "its previous hash does not match the record before it "
        "(a record was removed, inserted or changed before it)"
    ),
    "content": _("its content does not match its hash (it was altered)"),
    "hmac": _(
        "its HMAC does not match its hash (it was forged or re-hashed without the key, or the "
        "key is not the one it was written with)"
    ),
    "hmac_missing": _(
        "it carries no HMAC although records before it do "
        "(it was written or rewritten without the key)"
    ),
    "anchor_missing": _(
        "it was exported as the head of the log at %(time)s and is no longer in the log "
        "(records were deleted)"
    ),
    "anchor_mismatch": _("it differs from the anchor exported at %(time)s (it was replaced)"),
    "anchor_unreadable": _("it is not an anchor (the anchor file was altered)"),
    "anchor_forged": _("the anchor does not carry a valid HMAC (the anchor file was altered)"),
}


@dataclass(frozen=True)
class ChainBreak:
    """One reason the log cannot be trusted: at a record (``record_id``), or at a line of the
    anchor file (``line``, when the line names no record that could be read)."""

    record_id: int | None
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    line: int | None = None

    @property
    def reason(self) -> str:
        """The reason in the active language."""
        return str(REASONS[self.code]) % self.params

    def describe(self, anchor_file: Any = None) -> str:
        """Where and why, in the active language: "record #12: …" or "anchor file …, line 3: …"."""
        if self.line is not None:
            return gettext("anchor file %(path)s, line %(line)d: %(reason)s") % {
                "path": anchor_file,
                "line": self.line,
                "reason": self.reason,
            }
        return gettext("record #%(id)s: %(reason)s") % {
            "id": self.record_id,
            "reason": self.reason,
        }


@dataclass
class ChainCheck:
    """Walks the records in id order: the hash chain, each record's content against its hash
    and its HMAC against the key. Records without an HMAC are accepted only before the first
    record that has one (written before HMACs were introduced): they are counted as unsigned.

    Keeps the first ``limit`` breaks and counts the rest, so a wrong key over millions of
    records does not fill the memory."""

    limit: int = 50
    checked: int = 0
    breaks: list[ChainBreak] = dataclasses.field(default_factory=list)
    break_count: int = 0
    unsigned_count: int = 0
    unsigned_first: int | None = None
    unsigned_last: int | None = None
    unsigned_last_time: Any = None
    _expected_previous: str = GENESIS_HASH
    _signed_seen: bool = False
    _labels: dict[int, str] = dataclasses.field(default_factory=dict)

    def feed(self, record: ChangeRecord) -> ChainBreak | None:
        self.checked += 1
        found = self._check(record)
        self._expected_previous = record.record_hash
        if found is not None:
            self.break_count += 1
            if len(self.breaks) < self.limit:
                self.breaks.append(found)
        return found

    def _label(self, content_type_id: int) -> str:
        label = self._labels.get(content_type_id)
        if label is None:
            ct = ContentType.objects.get_for_id(content_type_id)
            label = self._labels[content_type_id] = f"{ct.app_label}.{ct.model}"
        return label

    def _check(self, record: ChangeRecord) -> ChainBreak | None:
        if record.previous_hash != self._expected_previous:
            return ChainBreak(record.pk, "previous")
        if record.compute_hash(model_label=self._label(record.content_type_id)) != (
            record.record_hash
        ):
            return ChainBreak(record.pk, "content")
        if not record.record_hmac:
            if self._signed_seen:
                return ChainBreak(record.pk, "hmac_missing")
            self.unsigned_count += 1
            self.unsigned_last = record.pk
            self.unsigned_last_time = record.timestamp
            if self.unsigned_first is None:
                self.unsigned_first = record.pk
            return None
        self._signed_seen = True
        if not record.has_valid_hmac():
            return ChainBreak(record.pk, "hmac")
        return None

    def run(self, records: Iterable[ChangeRecord] | None = None) -> ChainCheck:
        """Check ``records`` (default: the whole log, in id order, read in chunks)."""
        if records is None:
            records = ChangeRecord.objects.order_by("id").iterator(chunk_size=2000)
        for record in records:
            self.feed(record)
        return self


def iter_chain(records: Iterable[ChangeRecord]) -> Iterator[ChainBreak]:
    """Yield every break in the chain formed by ``records`` (ordered by id)."""
    check = ChainCheck()
    for record in records:
        found = check.feed(record)
        if found is not None:
            yield found


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Check the whole log in the database (hashes and HMACs); return the number of records
    read up to the first break, and that break. The exported anchors are checked by
    ``aims.changelog_anchors.verify_log``."""
    check = ChainCheck(limit=1)
    for record in ChangeRecord.objects.order_by("id").iterator(chunk_size=2000):
        if check.feed(record) is not None:
            break
    return check.checked, (check.breaks[0] if check.breaks else None)
