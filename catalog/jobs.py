"""Background jobs: the record the admin shows (catalog.Job) and the life the worker gives it.

A page creates a job (排队中) and Huey's worker (catalog/tasks.py) runs it: it claims the row (运行中), does
the work of its kind (catalog/job_work.py) and records the outcome (已完成, or 失败 with a message in Chinese).
Each kind's work is one transaction or a file renamed into place at the end, so a job interrupted by a
worker restart has changed nothing: it is marked failed and may be retried.

Live progress is kept in the queue's own store (Huey's key-value store: the SQLite file, or Redis), not in
the database. The work writes in one long transaction whose rows nobody sees before it commits, and which on
SQLite holds the only write lock; the queue's store is reached by every process that uses the queue, and is
written at once. While a job runs, a thread beats in it every HEARTBEAT seconds: a running job not heard of
for settings.JOB_STALE_SECONDS lost its worker.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey.contrib.djhuey import HUEY

from approvals.access import check_can_change
from approvals.models import Jurisdiction
from catalog.models import Job

logger = logging.getLogger(__name__)

HEARTBEAT = 20  # seconds
# This process, as a job's `worker` names it: host, process id, and a mark that changes when the process
# restarts in place (Huey's consumer restarts by exec, under the same process id).
WORKER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
INTERRUPTED = gettext_lazy("任务中断（工作进程重启），可重试。")
UNEXPECTED = gettext_lazy("任务出错，数据库没有任何改变。错误已记入服务器日志；请重试，仍出错请联系系统管理员。")


class JobRefused(Exception):
    """The work refused its input (a bad file, a rule of the services): the job fails with this message."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a finished job shows: a sentence, a link to what it made, and the details its page lists."""

    summary: str
    url: str = ""
    details: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Progress:
    done: int
    total: int
    phase: str
    at: float  # when the worker last wrote or beat (time.time())

    @property
    def percent(self) -> int | None:
        return min(100, self.done * 100 // self.total) if self.total else None


class Reporter:
    """The progress of one running job, written to the queue's store; callable as report(done=, total=, phase=)."""

    def __init__(self, job_id: int):
        self.key = _key(job_id)
        self.done, self.total, self.phase = 0, 0, ""
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._beating, name=f"job-{job_id}-heartbeat", daemon=True)

    def __call__(self, *, done: int | None = None, total: int | None = None, phase: str | None = None) -> None:
        self.total = self.total if total is None else total
        self.done = self.done if done is None else done
        self.phase = self.phase if phase is None else phase[:200]
        self._write()

    def _write(self) -> None:
        HUEY.put(self.key, dataclasses.asdict(Progress(self.done, self.total, self.phase, time.time())))

    def _beating(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            self._write()

    def __enter__(self) -> Reporter:
        self._write()
        self._beat.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._beat.join()
        HUEY.delete(self.key)


def live_progress(job_id: int) -> Progress | None:
    """The progress the worker last wrote for a running job (None once it ended, or before it started)."""
    found = HUEY.get(_key(job_id), peek=True)
    return Progress(**found) if found else None


def _key(job_id: int) -> str:
    return f"catalog-job-progress:{job_id}"


def job_enqueue(*, kind: str, jurisdiction: Jurisdiction, user: AbstractBaseUser | None, params: dict) -> Job:
    """Record a job and hand it to the worker once the record is committed."""
    check_can_change(user, jurisdiction.pk)
    job = Job.objects.create(kind=kind, jurisdiction=jurisdiction, created_by=user, params=params)
    transaction.on_commit(lambda: _send(job.pk))
    return job


def may_retry(user: AbstractBaseUser, job: Job) -> bool:
    """A failed job is retried by whoever started it (it runs as them again), or a superuser."""
    return job.status == Job.Status.FAILED and (user.is_superuser or job.created_by_id == user.pk)


def job_retry(*, job: Job, user: AbstractBaseUser) -> Job:
    """Queue a failed job again, with the values it was started with."""
    if not may_retry(user, job):
        raise PermissionDenied(_("只有失败的任务可以重试，且只能由发起人重试。"))
    check_can_change(user, job.jurisdiction_id)
    again = Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
        status=Job.Status.QUEUED,
        started_at=None,
        finished_at=None,
        done=0,
        total=0,
        phase="",
        result="",
        result_url="",
        details={},
        error="",
        worker="",
    )
    if again:
        transaction.on_commit(lambda: _send(job.pk))
    job.refresh_from_db()
    return job


def _send(job_id: int) -> None:
    from catalog.tasks import run_job  # the task module imports this one

    run_job(job_id)


def job_run(job_id: int, work: Callable[[Job, Reporter], Outcome]) -> None:
    """Run a queued job: claim it, do `work`, record the outcome. A job not queued (any more) is left alone."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), worker=WORKER, attempts=F("attempts") + 1
    )
    if not claimed:
        logger.info("job %s is not queued: not run again", job_id)
        return
    job = Job.objects.select_related("jurisdiction", "created_by").get(pk=job_id)
    with Reporter(job.pk) as report:
        try:
            outcome = work(job, report)
        except JobRefused as refused:
            # Refused input is the clerk's to correct: no traceback in the log.
            _end(job, report, Job.Status.FAILED, error=refused.message, details=refused.details)
        except ValidationError as error:
            _end(job, report, Job.Status.FAILED, error="；".join(error.messages))
        except PermissionDenied as error:
            _end(job, report, Job.Status.FAILED, error=str(error))
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _end(job, report, Job.Status.FAILED, error=str(UNEXPECTED))
        else:
            done = max(report.done, report.total)
            report(done=done, total=done)
            _end(job, report, Job.Status.DONE, outcome=outcome)


def _end(job: Job, report: Reporter, status: str, *, outcome: Outcome | None = None, error="", details=None) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=timezone.now(),
        done=report.done,
        total=report.total,
        phase=report.phase,
        result=outcome.summary if outcome else "",
        result_url=outcome.url if outcome else "",
        details=outcome.details if outcome else details or {},
        error=error,
        worker="",
    )


def jobs_fail_interrupted(*, starting: bool = False) -> int:
    """Mark failed the running jobs whose worker is gone; returns how many.

    A job is gone when its worker has not beaten for JOB_STALE_SECONDS, or, when a worker is `starting`,
    when it was run by an earlier life of a worker of this machine (a process that is no more, or this one
    before it restarted in place).
    """
    cutoff = time.time() - settings.JOB_STALE_SECONDS
    failed = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING).only("pk", "started_at", "worker"):
        live = live_progress(job.pk)
        last = live.at if live else job.started_at.timestamp() if job.started_at else 0
        if last >= cutoff and not (starting and _earlier_life(job.worker)):
            continue
        kept = {"done": live.done, "total": live.total, "phase": live.phase} if live else {}
        failed += Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=str(INTERRUPTED), worker="", **kept
        )
        HUEY.delete(_key(job.pk))
    return failed


def _earlier_life(worker: str) -> bool:
    host, _sep, rest = worker.partition(":")
    pid, _sep, mark = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or worker == WORKER:
        return False
    if int(pid) == os.getpid():
        return True  # this process, before it restarted in place
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False
