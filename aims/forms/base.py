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
