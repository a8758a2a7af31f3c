"""The tasks of Huey's worker (`manage.py run_huey`, which `make run` starts beside the server).

One task runs any background job (catalog/jobs.py); the worker also marks failed, when it starts, the jobs an
earlier life of it left running, and applies the register's events that come into effect, every day just
after midnight (Asia/Shanghai) and once when it starts, so that a day missed while it was down is caught up.
"""

from __future__ import annotations

import datetime
import logging
import threading
from zoneinfo import ZoneInfo

from django.conf import settings
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from approvals.effective import apply_due
from catalog import job_work, jobs

logger = logging.getLogger(__name__)


@db_task()
def run_job(job_id: int) -> None:
    jobs.job_run(job_id, job_work.do)


def just_after_midnight(timestamp: datetime.datetime) -> bool:
    """Whether Huey's scheduler minute (UTC, naive) is 00:05 in the project's time zone."""
    local = timestamp.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(settings.TIME_ZONE))
    return (local.hour, local.minute) == (0, 5)


@db_periodic_task(just_after_midnight)
def apply_due_events() -> int:
    # The first request of the day applies them too (approvals.middleware); this covers a quiet site.
    applied = apply_due()
    logger.info("applied %d events that came into effect", applied)
    return applied


_starting = threading.Lock()


@on_startup()
def worker_started() -> None:
    # Called by each worker thread as it starts: once per process is enough.
    if not _starting.acquire(blocking=False):
        return
    failed = jobs.jobs_fail_interrupted(starting=True)
    if failed:
        logger.warning("%d interrupted jobs marked failed", failed)
    apply_due_events()  # enqueued: run by a worker like any task
