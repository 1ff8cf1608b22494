"""Logging filters: keep routine refusals out of the warnings.

Django logs every 4xx answer on ``django.request`` at WARNING, and a ``PermissionDenied`` with
its traceback. A refusal by the access policy is routine (a role without the right, an expired
session answered 401) and ``aims.security`` already logs it, once, at INFO with the user and
reason; so ``django.request`` logs these answers at INFO too, without a traceback. Any other
status, and every server error, keeps its level and traceback.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied

ROUTINE_STATUSES = frozenset({401, 403})


class RoutineRefusals(logging.Filter):
    """Lowers ``django.request`` records of 401 and 403 answers to INFO and drops the traceback
    of a plain ``PermissionDenied``; the record still passes if INFO is logged at all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) not in ROUTINE_STATUSES:
            return True
        if record.exc_info and not isinstance(record.exc_info[1], PermissionDenied):
            return True  # something else went wrong on the way to a 403: keep it visible
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        record.exc_info, record.exc_text = None, None
        # Lowered after the logger's own level check: ask again, of it and of the root logger
        # whose level is the deployment's LOG_LEVEL.
        return all(
            logging.getLogger(name).isEnabledFor(logging.INFO) for name in (record.name, None)
        )
