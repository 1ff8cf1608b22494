"""Every list endpoint's pages (DESIGN §6): by cursor (``?cursor=``), ``?page_size=`` up to 500,
the count exact when cheap and otherwise the planner's estimate, flagged. ``?page=N`` still
reaches the first 10,000 rows. The rules are ``aims.pagination``'s, shared with the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from aims.pagination import (
    MAX_PAGE_SIZE,
    PAGE_NUMBER_ROWS,
    PAGE_SIZE,
    KeysetPage,
    encode_cursor,
    paginate_keyset,
)


class KeysetPagination(BasePagination):
    """``{count, count_is_estimate, next, previous, first, last, results}``."""

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_query_param = "page"
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw is not None else self.page_size
        except ValueError:
            return self.page_size
        return min(max(size, 1), self.max_page_size) if size > 0 else self.page_size

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        try:
            self.page = paginate_keyset(
                queryset,
                cursor=request.query_params.get(self.cursor_query_param),
                page=None
                if request.query_params.get(self.cursor_query_param)
                else request.query_params.get(self.page_query_param),
                per_page=self.get_page_size(request),
            )
        except DjangoValidationError as error:
            if error.code == "empty_page":
                raise exceptions.NotFound(_("Invalid page.")) from error
            parameter = (
                self.cursor_query_param if error.code == "invalid_cursor" else self.page_query_param
            )
            raise exceptions.ValidationError({parameter: error.messages}) from error
        return self.page.object_list

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def _first(self) -> str | None:
        if self.page.is_first:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return remove_query_param(url, self.cursor_query_param)

    def links(self, page: KeysetPage) -> dict[str, str | None]:
        return {
            "next": self._link(page.next_cursor),
            "previous": self._link(page.previous_cursor),
            "first": self._first(),
            "last": self._link(page.last_cursor),
        }

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.total.value,
                "count_is_estimate": self.page.total.is_estimate,
                **self.links(self.page),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "count_is_estimate", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Rows in the list: exact up to 10,000, else the planner's "
                    "estimate (count_is_estimate).",
                    "example": 123,
                },
                "count_is_estimate": {"type": "boolean"},
                "next": {**link, "example": "https://aims.example/api/v1/risks/?cursor=eyJyIjowfQ"},
                "previous": link,
                "first": link,
                "last": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page's position: the cursor of a next, previous or last link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"A page number, within the first {PAGE_NUMBER_ROWS:,} rows "
                "(for more, follow the cursors).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]


__all__ = ["KeysetPagination", "encode_cursor"]
