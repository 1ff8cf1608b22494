"""Writing and verifying the hash-chained change log (DESIGN §7).

``change_record`` is called by every service that changes a governed record, inside the
same transaction as the change. A PostgreSQL advisory lock held until commit serialises
writers, so each record's ``previous_hash`` is the hash of the record committed just before it
and ids follow the chain.
"""

from __future__ import annotations

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

from aims.context import current_context
from aims.models.changelog import GENESIS_HASH, ChangeRecord

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


@dataclass(frozen=True)
class ChainBreak:
    record_id: int
    reason: str


def iter_chain(records: Iterable[ChangeRecord]) -> Iterator[ChainBreak]:
    """Yield every break in the chain formed by ``records`` (ordered by id)."""
    labels: dict[int, str] = {}
    expected_previous = GENESIS_HASH
    for record in records:
        label = labels.get(record.content_type_id)
        if label is None:
            ct = ContentType.objects.get_for_id(record.content_type_id)
            label = labels[record.content_type_id] = f"{ct.app_label}.{ct.model}"
        if record.previous_hash != expected_previous:
            yield ChainBreak(
                record.pk,
                "its previous hash does not match the record before it "
                "(a record was removed, inserted or changed before it)",
            )
        elif record.compute_hash(model_label=label) != record.record_hash:
            yield ChainBreak(record.pk, "its content does not match its hash (it was altered)")
        expected_previous = record.record_hash


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Check the whole log; return the number of records checked and the first break."""
    counted = 0

    def counting(records: Iterable[ChangeRecord]) -> Iterator[ChangeRecord]:
        nonlocal counted
        for record in records:
            counted += 1
            yield record

    records = ChangeRecord.objects.order_by("id").iterator(chunk_size=2000)
    first_break = next(iter_chain(counting(records)), None)
    return counted, first_break
