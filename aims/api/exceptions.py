"""One JSON error shape for the whole API.

``{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}``
``fields`` is present only for validation errors and maps each field to its messages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(
    status_code: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _api_names(view: Any) -> dict[str, str]:
    """Model field → API field, where the view's serializer names a field differently from
    the model attribute it writes (``reflected_risks`` writes ``linked_risks``)."""
    get_class = getattr(view, "get_serializer_class", None)
    if get_class is None:
        return {}
    try:
        fields = get_class()().fields
    except (TypeError, AttributeError, AssertionError):  # needs more context: model names
        return {}
    return {
        field.source: name
        for name, field in fields.items()
        if field.source
        and field.source != name
        and "." not in field.source
        and not field.read_only  # a count read from the same attribute writes nothing
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from aims.unavailable import is_unavailable, retry_after, unavailable_message

    if is_unavailable(exc):  # PostgreSQL or Redis down: come back later, not a bare 500
        body = error_body(
            status.HTTP_503_SERVICE_UNAVAILABLE, "unavailable", unavailable_message(exc)
        )
        return Response(
            body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": retry_after()}
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            names = _api_names(context.get("view"))
            fields = {names.get(key, key): value for key, value in exc.message_dict.items()}
        else:
            fields = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # read by Django before any parser runs
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = exceptions.ParseError(
            _("The request body is larger than %(max)d bytes.") % {"max": limit}
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("The request has too many fields or files."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler answers with the same JSON shape
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = error_body(
            response.status_code, "invalid", _("The request has invalid fields."), fields
        )
    else:
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else _("Request failed.")
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(response.status_code, code, message)
    return response


def not_found_body() -> dict[str, Any]:
    return error_body(status.HTTP_404_NOT_FOUND, "not_found", _("Not found."))
