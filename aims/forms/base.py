"""What every form of every app shares."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def form_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def limit_system_choices(form: Any, user: Any, field: str = "ai_systems") -> None:
    """The AI systems a record's form offers: those ``user`` may change that are not
    retired, and those the record names already (a retired one stays named). The services
    decide again (``aims.services.reach.systems_to_link``); this keeps the choice honest."""
    from django.db.models import Q

    from aims.models import AISystem
    from aims.scope import CHANGE, restrict

    linked = [s.pk for s in form.initial.get(field, [])]
    systems = restrict(AISystem.objects.all(), user, CHANGE).filter(
        Q(retired_at__isnull=True) | Q(pk__in=linked)
    )
    form.fields[field].queryset = systems.order_by("name")
