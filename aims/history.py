"""The change log as people read it: record types, field labels, choice labels and the names
of linked records and users in the reader's language, instead of the codes and ids the log
stores (DESIGN §7). Display only: the stored records, hash-chained, stay as written.

``readable(records, user=…)`` turns a page of change records into ``Entry`` rows. The ids of
linked records are resolved for the whole page at once, one or two queries per model they
point at, so a page costs the same whatever its length. A linked record that no longer exists
reads "#12 (deleted)"; one the reader may not see reads "a record you cannot see" and never
gives its name away (``aims.scope.restrict``, the one visibility rule).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from aims.choices import Role
from aims.models import ChangeRecord, Requirement
from aims.people import person_name
from aims.scope import VIEW, restrict

EMPTY = "—"

#: Keys some services write into a snapshot beside the model's fields: their labels, and how
#: their values read ("username": a user by username; "roles": role codes).
EXTRA_KEYS: dict[str, tuple[Any, str]] = {
    "user": (gettext_lazy("User"), "username"),
    "group": (pgettext_lazy("user group", "Group"), "plain"),
    "roles": (gettext_lazy("Roles"), "roles"),
    "items": (gettext_lazy("Number of items"), "plain"),
    "sha256": (gettext_lazy("SHA-256 of the file"), "plain"),
    "official_text_imported": (gettext_lazy("Official texts imported"), "plain"),
}


@dataclass
class FieldChange:
    """One field of a change: its label and its value before and after, as text."""

    code: str
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One change record as the reader sees it."""

    record: ChangeRecord
    record_type: str
    actor: Any
    changes: list[FieldChange] = field(default_factory=list)
    #: The record's name in the reader's language when it still exists and they see it, else
    #: the name stored when the change was written (``record.object_repr``).
    record_name: str = ""


def record_type_label(record: ChangeRecord) -> str:
    """The record type in the reader's language ("Risk"), else its code ("risk.risk") for a
    model that no longer exists."""
    content_type = record.content_type
    model = content_type.model_class()
    if model is None:
        return f"{content_type.app_label}.{content_type.model}"
    return capfirst(str(model._meta.verbose_name))


def _fields_by_key(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    """The fields of ``model`` under the keys ``snapshot`` writes: concrete fields by their
    attribute name (``owner_id``), many-to-many fields by name (``categories``)."""
    fields: dict[str, Any] = {f.attname: f for f in model._meta.concrete_fields}
    fields.update({f.name: f for f in model._meta.many_to_many})
    return fields


def _label_of(obj: models.Model) -> str:
    if isinstance(obj, get_user_model()):
        return person_name(obj)
    if isinstance(obj, Requirement):
        # Library items as people read them: "A.6.2.4 Verification…"; taxonomy items (their
        # codes are lowercase) by their name alone, in the reader's language.
        return f"{obj.ref_id} {obj.name}" if obj.ref_id[:1].isupper() else obj.name
    return str(obj)


class _Names:
    """The names of the linked records a page of changes points at, looked up once per model."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.names: dict[type[models.Model], dict[str, str]] = {}
        self.objects: dict[type[models.Model], dict[str, models.Model]] = defaultdict(dict)

    def want(self, model: type[models.Model], value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is not None and item != "":
                self.wanted[model].add(item)

    def resolve(self) -> None:
        for model, ids in self.wanted.items():
            self.names[model] = self._lookup(model, ids)

    def _lookup(self, model: type[models.Model], ids: set[Any]) -> dict[str, str]:
        pk_field = model._meta.pk
        valid = []
        for value in ids:
            try:
                valid.append(pk_field.to_python(value))
            except Exception:  # noqa: BLE001 - a value of another type: shown as it is
                continue
        forward = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
        ]
        rows = model._default_manager.filter(pk__in=valid)
        is_user = model is get_user_model()
        if getattr(model, "SCOPE", None) is not None and not is_user:
            seen = set(restrict(rows, self.user, VIEW).values_list("pk", flat=True))
        else:  # people and reference rows without a scope are named to every reader
            seen = None
        names: dict[str, str] = {}
        hidden = _("a record you cannot see")
        for obj in rows.select_related(*forward):
            key = str(obj.pk)
            if seen is None or obj.pk in seen:
                names[key] = _label_of(obj)
                self.objects[model][key] = obj
            else:
                names[key] = hidden
        return names

    def name(self, model: type[models.Model], value: Any) -> str:
        known = self.names.get(model, {})
        return known.get(str(value)) or _("#%(id)s (deleted)") % {"id": value}


def _plain(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _date_text(field: Any, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "DATETIME_FORMAT")
    elif isinstance(field, models.DateField):
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "DATE_FORMAT")
    return None


def _nested_models(model: type[models.Model]) -> dict[str, type[models.Model]]:
    """The records a model's snapshots carry inside them (``CHANGE_LOG_NESTED``: a snapshot
    key and the relation it is a record of, e.g. a risk's acceptance)."""
    nested = getattr(model, "CHANGE_LOG_NESTED", {})
    return {key: model._meta.get_field(name).related_model for key, name in nested.items()}  # type: ignore[misc]


class _Reader:
    """Reads the values of one page of changes."""

    def __init__(self, user: Any) -> None:
        self.names = _Names(user)
        self.usernames: set[str] = set()
        self.people: dict[str, str] = {}

    def collect(self, model: type[models.Model] | None, data: dict[str, Any]) -> None:
        if model is None:
            return
        fields = _fields_by_key(model)
        nested = _nested_models(model)
        for key, value in data.items():
            found = fields.get(key)
            if found is not None and found.is_relation and found.related_model is not None:
                self.names.want(found.related_model, value)
            elif key in nested and isinstance(value, dict):
                self.collect(nested[key], value)
            elif found is None and EXTRA_KEYS.get(key, ("", ""))[1] == "username" and value:
                self.usernames.add(str(value))

    def resolve(self) -> None:
        self.names.resolve()
        if self.usernames:
            users = get_user_model().objects.filter(username__in=self.usernames)
            self.people = {user.get_username(): person_name(user) for user in users}

    def text_of(
        self, model: type[models.Model] | None, key: str, value: Any, data: dict[str, Any]
    ) -> str:
        """The value of ``key`` in ``data``, a snapshot of ``model``, as text."""
        if model is not None:
            found = _fields_by_key(model).get(key)
            level = self.level_text(model, key, value, data)
            if level is not None:
                return level
            if found is not None:
                return self.text(found, value)
            nested = _nested_models(model).get(key)
            if nested is not None and isinstance(value, dict):
                return self.record_text(nested, value)
        kind = EXTRA_KEYS.get(key, ("", "plain"))[1]
        if value in (None, "", []):
            return EMPTY
        if kind == "username":
            return self.people.get(str(value), str(value))
        if kind == "roles" and isinstance(value, list):
            labels = dict(Role.choices)
            return ", ".join(str(labels.get(code, code)) for code in value) or EMPTY
        return _plain(value)

    def level_text(
        self, model: type[models.Model], key: str, value: Any, data: dict[str, Any]
    ) -> str | None:
        """A level code by the label its matrix gives it (``CHANGE_LOG_LEVELS``: the field
        and the field of the same snapshot that links the matrix), when the reader sees it."""
        link = getattr(model, "CHANGE_LOG_LEVELS", {}).get(key)
        if link is None or not value:
            return None
        # "matrix", or a path through the record the snapshot links ("assessment.matrix": the
        # linked record was read with its own links, so the path costs no query).
        first, *rest = link.split(".")
        field: Any = model._meta.get_field(first)
        target: Any = self.names.objects[field.related_model].get(str(data.get(field.attname)))
        for name in rest:
            target = getattr(target, name, None) if target is not None else None
        return target.level_label(value) if target is not None else None

    def record_text(self, model: type[models.Model], data: dict[str, Any]) -> str:
        """A record inside a snapshot, as "Label: value" lines of its filled fields."""
        lines = []
        fields = _fields_by_key(model)
        for key in sorted(data, key=lambda k: _order(fields, k)):
            found = fields.get(key)
            if (
                found is None
                or found.primary_key
                or found.is_relation
                and found.many_to_one
                and (found.related_model is not get_user_model())
            ):
                continue  # the id and the record it belongs to say nothing new
            level = self.level_text(model, key, data[key], data)
            text = level if level is not None else self.text(found, data[key])
            if text != EMPTY:
                lines.append(f"{_label(found, key)}: {text}")
        return "\n".join(lines) or EMPTY

    def text(self, found: Any, value: Any) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        if found.is_relation and found.related_model is not None:
            values = value if isinstance(value, list) else [value]
            return ", ".join(self.names.name(found.related_model, item) for item in values)
        if found.choices:
            labels = dict(found.flatchoices)
            if isinstance(value, list):
                return ", ".join(str(labels.get(item, item)) for item in value)
            return str(labels.get(value, value))
        if isinstance(value, list) and getattr(found, "base_field", None) is not None:
            base = found.base_field
            if base.choices:
                labels = dict(base.flatchoices)
                return ", ".join(str(labels.get(item, item)) for item in value)
        dated = _date_text(found, value)
        if dated is not None:
            return dated
        if isinstance(value, date | datetime):
            return formats.localize(value)
        return _plain(value)


def _label(found: Any, key: str) -> str:
    if found is not None:
        return capfirst(str(found.verbose_name))
    if key in EXTRA_KEYS:
        return capfirst(str(EXTRA_KEYS[key][0]))
    # A field the model no longer has: its name in words rather than a code.
    return capfirst(key.removesuffix("_id").replace("_", " "))


def _extra_label(model: type[models.Model] | None, key: str) -> str:
    if model is not None:
        nested = getattr(model, "CHANGE_LOG_NESTED", {})
        if key in nested:
            return capfirst(str(_nested_models(model)[key]._meta.verbose_name))
    return _label(None, key)


def readable(records: Iterable[ChangeRecord], *, user: Any) -> list[Entry]:
    """``records`` (with their actor and content type joined) as entries the reader can read,
    with the fields each one changed."""
    records = list(records)
    reader = _Reader(user)
    models_of: dict[int, type[models.Model] | None] = {}
    for record in records:
        model = models_of.setdefault(record.content_type_id, record.content_type.model_class())
        reader.collect(model, record.before or {})
        reader.collect(model, record.after or {})
        if model is not None and record.object_id:
            reader.names.want(model, record.object_id)
    reader.resolve()
    entries = []
    for record in records:
        model = models_of[record.content_type_id]
        fields = _fields_by_key(model) if model is not None else {}
        before, after = record.before or {}, record.after or {}
        changes = []
        for key in sorted(set(before) | set(after), key=lambda k: _order(fields, k)):
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            found = fields.get(key)
            old_text = reader.text_of(model, key, old, before)
            new_text = reader.text_of(model, key, new, after)
            if old_text == new_text:
                continue
            label = _label(found, key) if found is not None else _extra_label(model, key)
            changes.append(FieldChange(key, label, old_text, new_text))
        live = model is not None and str(record.object_id) in reader.names.objects[model]
        entries.append(
            Entry(
                record=record,
                record_type=record_type_label(record),
                actor=record.actor,
                changes=changes,
                record_name=(
                    reader.names.names[model][str(record.object_id)]  # type: ignore[index]
                    if live
                    else record.object_repr
                ),
            )
        )
    return entries


def _order(fields: dict[str, Any], key: str) -> tuple[int, str]:
    """Fields in the order the model declares them; unknown keys last."""
    keys = list(fields)
    return (keys.index(key), key) if key in keys else (len(keys), key)
