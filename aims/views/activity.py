"""Pages of what happened: the user's notifications and the change log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from aims import changelog_export, selectors
from aims.forms.activity import ChangeLogFilterForm
from aims.history import readable
from aims.models import ChangeRecord, Notification
from aims.permissions import AUTHENTICATED, Policy
from aims.roles import Capability, has_capability
from aims.services.accounts import notifications_mark_read
from aims.views.base import ListPageView, PageView


class NotificationListView(ListPageView):
    policy = Policy(read=AUTHENTICATED, write=AUTHENTICATED)
    model = Notification
    template_name = "aims/notifications.html"

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
        notifications_mark_read(user=request.user, ids=ids or None)
        return redirect("notifications")


def filter_change_records(rows: QuerySet[Any], form: ChangeLogFilterForm) -> QuerySet[Any]:
    """``rows`` narrowed by the change log's filter form (all of them when it is not valid)."""
    if not (form.is_bound and form.is_valid()):
        return rows
    data = form.cleaned_data
    if data["model"]:
        app_label, _sep, model = data["model"].partition(".")
        rows = rows.filter(content_type__app_label=app_label, content_type__model=model)
    for name in ("object_id", "actor_username", "action", "source"):
        if data[name]:
            rows = rows.filter(**{name: data[name]})
    # A period of local days as a range of instants: read off the index on the timestamp
    # (``timestamp__date`` would convert every row's).
    if data["since"]:
        rows = rows.filter(timestamp__gte=_day_start(data["since"]))
    if data["until"]:
        rows = rows.filter(timestamp__lt=_day_start(data["until"] + timedelta(days=1)))
    return rows


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ChangeLogView(ListPageView):
    """The change log, filtered by record, actor, action, source and period, as people read
    it (record types, field labels, names: ``aims.history``)."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = ChangeRecord
    selector = staticmethod(selectors.change_records)
    template_name = "aims/changes.html"

    def list_rows(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        self.form = ChangeLogFilterForm(self.request.GET or None)
        return filter_change_records(rows, self.form)

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        querystring = self.request.GET.copy()
        querystring.pop("page", None)
        querystring.pop("cursor", None)
        return {
            **context,
            "form": self.form,
            "querystring": querystring.urlencode(),
            "entries": readable(context["page"].object_list, user=self.request.user),
            "can_export": has_capability(self.request.user, Capability.EXPORT),
            "export_formats": changelog_export.FORMATS,
        }


class ChangeLogExportView(PageView):
    """The change log of the selected period (and filters) as CSV or JSON Lines, with the
    hash chain, streamed (``aims.changelog_export``). For those who may export, over the
    part of the log they may read."""

    policy = Policy(read=Capability.EXPORT)
    model = ChangeRecord
    selector = staticmethod(selectors.change_records)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        fmt = request.GET.get("file_format", "csv")
        if fmt not in changelog_export.FORMATS:
            return HttpResponseBadRequest(_("Choose CSV or JSON Lines."))
        form = ChangeLogFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return HttpResponseBadRequest(_("The filters are not valid."))
        rows = filter_change_records(self.rows(), form)
        data = form.cleaned_data if form.is_bound else {}
        header = {
            "export": "aims-change-log",
            "exported_at": timezone.now().isoformat(),
            "filters": {key: str(value) for key, value in data.items() if value},
            "hash": "sha256 of canonical JSON of the record's fields (sorted keys, no spaces)",
        }
        response = StreamingHttpResponse(
            changelog_export.export_lines(rows, fmt, header=header),
            content_type=changelog_export.CONTENT_TYPES[fmt],
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="change-log-{stamp}.{fmt}"'
        return response
