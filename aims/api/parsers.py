"""The API's JSON parser: DRF's, with the limits an untrusted body needs.

DRF reads a JSON body whole, whatever its size, and a body nested 100,000 levels deep makes
the decoder raise ``RecursionError`` (a 500). This parser reads at most
``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes and accepts at most ``MAX_DEPTH`` levels of nesting; any
other body is a 400 with the usual error body.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

#: Levels of nesting a request body may have; the API's bodies need three.
MAX_DEPTH = 32


def _depth(data: Any) -> int:
    """Levels of nesting of decoded JSON, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level)
            stack.extend((item, level + 1) for item in value)
    return deepest


class JSONParser(parsers.JSONParser):
    """A drop-in replacement of ``rest_framework.parsers.JSONParser``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(_("The request body is larger than %(max)d bytes.") % {"max": limit})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _("The JSON body is nested deeper than %(max)d levels.") % {"max": MAX_DEPTH}
