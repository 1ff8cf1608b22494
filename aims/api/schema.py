"""What the OpenAPI description adds to drf-spectacular's (hooked in by SPECTACULAR_SETTINGS;
the authentication scheme is loaded by AimsConfig.ready).

* The bearer-token scheme.
* ``declare_errors``, a postprocessing hook: the API's one error body
  (``aims.api.exceptions.error_body``) as the components ``ErrorBody`` / ``Error``, and the
  error answers every operation may give (400, 401, 403, 404, 409, 503) declared once, here,
  for all of them; every request body is declared required (an operation that takes a body
  needs one: a partial update sends the fields it changes, ``{}`` for none).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "aims.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Personal API token: `Authorization: Bearer aims_…`.",
        }


ERROR_ANSWERS: dict[int, str] = {
    400: "Bad request: invalid fields (`fields` maps each to its messages), a malformed body "
    "or query, or a step the record's state does not allow.",
    401: "Not authenticated: no credentials, or an unknown, expired or revoked token.",
    403: "Not permitted: the caller's role or a read-only token does not allow this.",
    404: "Not found: no such record, or one the caller may not see.",
    409: "Conflict: the record was changed or locked by another request; read it and retry.",
    503: "Temporarily unavailable (the database or the job queue); retry after `Retry-After` "
    "seconds.",
}

#: Answers to a body that is not JSON (or not multipart, on an upload).
UNSUPPORTED_MEDIA_TYPE = "Unsupported media type: the body is not in a declared content type."

HTTP_METHODS = ("get", "put", "patch", "post", "delete")

ERROR_COMPONENTS: dict[str, dict[str, Any]] = {
    "ErrorBody": {
        "type": "object",
        "description": "The body of every error answer of the API.",
        "properties": {"error": {"$ref": "#/components/schemas/Error"}},
        "required": ["error"],
    },
    "Error": {
        "type": "object",
        "properties": {
            "status": {"type": "integer", "description": "The HTTP status, repeated."},
            "code": {
                "type": "string",
                "description": "A stable code: invalid, parse_error, not_authenticated, "
                "authentication_failed, permission_denied, not_found, unsupported_media_type, "
                "…",
            },
            "message": {"type": "string", "description": "In the caller's language."},
            "fields": {
                "type": "object",
                "additionalProperties": {},
                "description": "Validation errors only: each field (or `non_field_errors`) "
                "with its messages (a list of strings, or the same shape nested for the items "
                "of a list or object field).",
            },
            "rows": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ErrorRow"},
                "description": "Rejected imports only: every bad row and column.",
            },
        },
        "required": ["status", "code", "message"],
    },
    "ErrorRow": {
        "type": "object",
        "properties": {
            "row": {"type": "integer"},
            "column": {"type": "string"},
            "message": {"type": "string"},
        },
        "required": ["row", "column", "message"],
    },
}


def _error_answer(description: str, status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if status == 503:
        answer["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer"},
            }
        }
    return answer


def declare_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """Postprocessing hook: the error components, the error answers of every operation, and
    request bodies required."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_COMPONENTS)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_ANSWERS.items():
                responses.setdefault(str(status), _error_answer(description, status))
            body = operation.get("requestBody")
            if body is not None:
                body["required"] = True
                responses.setdefault("415", _error_answer(UNSUPPORTED_MEDIA_TYPE, 415))
    return result
