"""Error pages: HTML for pages, the API's JSON shape under ``/api/``."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from aims.api.exceptions import error_body, not_found_body
from aims.unavailable import is_unavailable, unavailable_response

_JSON = {"ensure_ascii": False}


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if _wants_json(request):
        body = error_body(403, "permission_denied", _("You do not have permission to do this."))
        return JsonResponse(body, status=403, json_dumps_params=_JSON)
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if _wants_json(request):
        return JsonResponse(not_found_body(), status=404, json_dumps_params=_JSON)
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponseBase:
    # Django calls this while handling the exception: an outage met outside a view (the
    # session or the user loaded by a middleware) answers 503 like one met inside it.
    exception = sys.exc_info()[1]
    if is_unavailable(exception):
        assert exception is not None
        return unavailable_response(request, exception)
    if _wants_json(request):
        body = error_body(500, "server_error", _("Something went wrong on our side."))
        return JsonResponse(body, status=500, json_dumps_params=_JSON)
    context = {"request_id": getattr(request, "request_id", "")}
    return render(request, "500.html", context, status=500)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if _wants_json(request):
        body = error_body(400, "bad_request", _("Bad request."))
        return JsonResponse(body, status=400, json_dumps_params=_JSON)
    return render(request, "400.html", status=400)
