"""Events take effect on their date even when the daily job is down: the first request of each day applies them."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from approvals.effective import apply_due

logger = logging.getLogger(__name__)

# The day this process last applied the due events; module state, so one check per process per day.
_applied_on: datetime.date | None = None


def mark_applied(day: datetime.date | None) -> None:
    """Record that the events due by `day` were applied in this process (None: ask again on the next request)."""
    global _applied_on
    _applied_on = day


class ApplyDueEventsMiddleware:
    """Before the first request of each day in this process, apply the events dated up to that day.

    On every other request it does nothing; on the first, one indexed query when nothing is due. The
    pages then never show yesterday's register on an event's day, whether or not the daily job ran.
    A database error is logged and the request goes on: the next request tries again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        if _applied_on != today:
            try:
                applied = apply_due(today)
            except DatabaseError:
                logger.warning("applying the events due by %s failed; the next request retries", today, exc_info=True)
            else:
                mark_applied(today)
                if applied:
                    logger.info("applied %d events due by %s", applied, today)
        return self.get_response(request)
