"""The long choice lists of the filter bars, on demand (``aims.widgets.LazySelect``)."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from aims.filters import FILTER_SETS
from aims.permissions import AUTHENTICATED, Policy
from aims.views.base import PageView
from aims.widgets import chosen_rows

#: Choices sent for one request: the first ones in the list's order, or the first matches.
SHOWN = 100


class FilterChoicesView(PageView):
    """``?list=<filter set>&field=<filter>`` (``&q=`` text to match, ``&selected=`` the chosen
    id): the ``<option>``s of one filter, among the rows the user may see (the filter set
    restricts its choices to the user's, as on the page), at most ``SHOWN`` and the chosen
    one. Unknown lists and fields are a 404."""

    policy = Policy(read=AUTHENTICATED)
    #: A query this view answers (the permission matrix asks it).
    example_query = {"list": "risk.filters.RiskPageFilter", "field": "ai_system"}

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset_class = FILTER_SETS.get(request.GET.get("list", ""))
        if filterset_class is None:
            raise Http404
        filters = filterset_class(None, request=request)
        model_filter = filters.filters.get(request.GET.get("field", ""))
        queryset = getattr(model_filter, "queryset", None)
        fields = getattr(getattr(queryset, "model", None), "LABEL_FIELDS", None)
        if model_filter is None or queryset is None or fields is None:
            raise Http404
        model = queryset.model
        words = request.GET.get("q", "").split()[:5]
        matching = queryset
        for word in words:
            matching = matching.filter(
                reduce(or_, [Q(**{f"{f}__icontains": word}) for f in fields])
            )
        rows = list(matching.values_list("pk", *fields)[: SHOWN + 1])
        chosen = chosen_rows(queryset, [request.GET.get("selected", "")]).values_list("pk", *fields)
        selected = {pk for pk, *_values in chosen}
        options: list[tuple[Any, str, str]] = [
            ("", "", str(model_filter.extra.get("empty_label") or _("Any")))
        ]
        for pk, *values in [*chosen, *[row for row in rows[:SHOWN] if row[0] not in selected]]:
            options.append((pk, " selected" if pk in selected else "", model.label_of(*values)))
        more = (
            format_html(
                '<option value="" disabled>{}</option>',
                _("More match: type in the search box to narrow the list."),
            )
            if len(rows) > SHOWN
            else ""
        )
        body = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            [(pk, mark, label) for pk, mark, label in options],
        )
        return HttpResponse(body + more, content_type="text/html; charset=utf-8")
