"""When PostgreSQL or Redis does not answer: a 503 with ``Retry-After`` and a clear message,
for pages and the API alike, never a bare 500.

A database that restarts, or a broker that is down, is temporary: the client is told to come
back later, and told honestly what may have happened to what it sent.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger(__name__)


class JobQueueUnavailable(Exception):
    """A background job could not be sent to the workers (Redis is down). The job was not
    kept: nothing was requested."""


#: What sending a task raises when Redis cannot be reached.
BROKER_ERRORS = (BrokerOperationalError, OSError)

#: A connection to PostgreSQL lost or refused (a restart, a failover), or the broker gone.
UNAVAILABLE = (
    DatabaseOperationalError,
    InterfaceError,
    BrokerOperationalError,
    JobQueueUnavailable,
)


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE)


def unavailable_message(exc: BaseException) -> str:
    if isinstance(exc, JobQueueUnavailable | BrokerOperationalError):
        return _(
            "Background jobs cannot be queued at the moment, so nothing was requested. "
            "Please try again in a minute."
        )
    return _(
        "The database is not answering at the moment. If you were saving something, check "
        "whether it was saved, then try again in a minute."
    )


def retry_after() -> str:
    return str(settings.RETRY_AFTER_SECONDS)


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for ``request``: the API's error body under ``/api/``, else a page that needs
    neither the database nor the session (either may be what is down)."""
    from aims.api.exceptions import error_body

    message = unavailable_message(exc)
    response: HttpResponse
    if request.path.startswith("/api/"):
        body: dict[str, Any] = error_body(503, "unavailable", message)
        response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        context = {"message": message, "request_id": getattr(request, "request_id", "")}
        html = loader.render_to_string("503.html", context)
        response = HttpResponse(html, status=503)
    response["Retry-After"] = retry_after()
    return response


def send_task_on_commit(task: Any, *args: Any) -> None:
    """Send ``task`` once the caller's transaction commits, for work that follows a write
    (an e-mail about it). If Redis is down, the write has landed all the same: the failure is
    logged for the administrators, and the request is not answered as if it had failed."""

    def send() -> None:
        try:
            task.delay(*args)
        except BROKER_ERRORS as error:
            logger.error("%s%r could not be queued: %s", task.name, args, error)

    transaction.on_commit(send)
