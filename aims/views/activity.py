"""Pages of what happened: the user's notifications and the change log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from aims import selectors
from aims.forms.activity import ChangeLogFilterForm
from aims.models import ChangeRecord, Notification
from aims.permissions import AUTHENTICATED, Policy
from aims.roles import Capability
from aims.services.accounts import notifications_mark_read
from aims.views.base import ListPageView


class NotificationListView(ListPageView):
    policy = Policy(read=AUTHENTICATED, write=AUTHENTICATED)
    model = Notification
    template_name = "aims/notifications.html"

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
        notifications_mark_read(user=request.user, ids=ids or None)
        return redirect("notifications")


class ChangeLogView(ListPageView):
    """The change log, filtered by record, actor, action, source and period."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = ChangeRecord
    selector = staticmethod(selectors.change_records)
    template_name = "aims/changes.html"

    def list_rows(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        form = self.form = ChangeLogFilterForm(self.request.GET or None)
        if not (form.is_bound and form.is_valid()):
            return rows
        data = form.cleaned_data
        if data["model"]:
            app_label, _sep, model = data["model"].lower().partition(".")
            rows = rows.filter(content_type__app_label=app_label, content_type__model=model)
        for name in ("object_id", "actor_username", "action", "source"):
            if data[name]:
                rows = rows.filter(**{name: data[name]})
        if data["since"]:
            rows = rows.filter(timestamp__date__gte=data["since"])
        if data["until"]:
            rows = rows.filter(timestamp__date__lte=data["until"])
        return rows

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        querystring = self.request.GET.copy()
        querystring.pop("page", None)
        return {**context, "form": self.form, "querystring": querystring.urlencode()}
