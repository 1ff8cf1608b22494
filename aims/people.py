"""People as the platform shows and picks them: by name, and only those who may own a record.

``person_name`` is how every page, report and history entry names a user (their full name,
else their username); the ``person`` template filter wraps it with the username on hover.
``owner_candidates`` is the one list of users an owner, a person responsible or an assignee
is chosen from, by every form and serializer that picks one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet

from aims.roles import Capability, roles_with

#: Whoever owns a record keeps it current (reviews fall due to them, its history names them),
#: so they must be able to change records: a viewer, an auditor or top management may not.
OWNER_CAPABILITY = Capability.CHANGE_RECORDS

#: The form and serializer fields that pick a person who then owns or carries out a record.
OWNER_FIELDS = ("owner", "responsible")


def person_name(user: Any) -> str:
    """``user`` as people read them: their full name, else their username ("" for nobody)."""
    if user is None:
        return ""
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def owner_candidates(*, keep: Any = None) -> QuerySet[Any]:
    """The active users whose role may own a record (``OWNER_CAPABILITY``), by name; ``keep``
    (a user or an id: the record's current owner) stays a choice even when their role no
    longer allows it, so editing something else of the record does not force a new owner."""
    User = get_user_model()
    may_own = Exists(
        User.groups.through.objects.filter(
            user_id=OuterRef("pk"),
            group__in=Group.objects.filter(name__in=roles_with(OWNER_CAPABILITY)),
        )
    )
    condition = Q(is_active=True) & Q(may_own)
    keep_pk = getattr(keep, "pk", keep)
    if keep_pk not in (None, ""):
        condition |= Q(pk=keep_pk)
    return User.objects.filter(condition).order_by("last_name", "first_name", "username")


def limit_owner_fields(form: Any, *names: str) -> None:
    """Narrow the person fields of ``form`` (``names``, default ``OWNER_FIELDS`` that the form
    has) to ``owner_candidates``, keeping each field's current value, and label the choices
    by name."""
    instance = getattr(form, "instance", None)
    for name in names or OWNER_FIELDS:
        field = form.fields.get(name)
        if field is None:
            continue
        current = form.initial.get(name)
        if current is None and instance is not None and instance.pk is not None:
            current = getattr(instance, f"{name}_id", None)
        field.queryset = owner_candidates(keep=current)
        field.label_from_instance = person_name


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of a user, labelled by name (filters of lists by owner)."""

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)
