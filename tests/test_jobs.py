"""Background jobs: a large workbook previewed and imported by jobs that record their progress and result,
failures shown in Chinese with nothing written, interrupted jobs failed and retried, download files after
publishing, and the jobs each member of staff sees.

Jobs run in Huey's immediate mode (tests/conftest.py), when the request that records one commits.
"""

from __future__ import annotations

import datetime
import html
import logging
import os
import pickle
import re
import socket
import subprocess
import sys

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import SqliteStorage

from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument, Transfer
from catalog import downloads, import_upload, jobs, tasks
from catalog.models import Edition, Job
from tests.conftest import acknowledging, make_user
from tests.test_access import register_hash
from tests.workbooks import with_many_new_items

pytestmark = pytest.mark.django_db

URL = "/admin/catalog/edition/import-official/"
# A workbook goes to the background jobs when its sheets hold more than IMPORT_JOB_MIN_ROWS rows (2,000 by default).
# These tests lower the threshold to JOB_MIN_ROWS: the 2022 workbook (320 rows in its sheets) stays under it, the
# 2022 rows with NEW_ITEMS new ones (420) are over it, and the jobs read and write 410 rows instead of 2,810.
JOB_MIN_ROWS = 400
NEW_ITEMS = 100
ROWS = 310 + NEW_ITEMS  # the 2022 catalogue's rows and the new ones
NO_DOCUMENT = "本次调整包含退回原部门的事项，需要依据文件（导入页面选择或登记；命令行用 --document）。"


def register_digest() -> str:
    """Every row of the register and the editions (history included), without the job records themselves."""
    return register_hash(leaving_out=(Job,))


@pytest.fixture(autouse=True)
def _uploads_dir(settings, tmp_path):
    settings.IMPORT_UPLOADS_DIR = tmp_path / "uploads"
    settings.IMPORT_JOB_MIN_ROWS = JOB_MIN_ROWS


def _large(path):
    """The workbook, which its sheets' dimensions (all the admin reads to choose) put over the threshold."""
    assert import_upload.estimated_rows(path) > JOB_MIN_ROWS
    return path


@pytest.fixture
def big(tmp_path):
    return _large(with_many_new_items(tmp_path, NEW_ITEMS))


@pytest.fixture
def queue_file(tmp_path):
    """The queue's store in a SQLite file, as the worker and the web server share it, instead of memory."""
    path = tmp_path / "queue.sqlite3"
    kept, HUEY.storage = HUEY.storage, SqliteStorage(HUEY.name, filename=str(path))
    yield path
    HUEY.storage = kept


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Send a request; the jobs it records run when it commits, as with a worker."""

    def send(method, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return method(*args, **kwargs)

    return send


def _job_of(response) -> Job:
    match = re.fullmatch(r"/admin/catalog/job/(\d+)/change/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=match.group(1))


def _confirmation(response) -> dict:
    form = re.search(r'<form method="post" class="import-confirm">(.*?)</form>', response.content.decode(), re.S)
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1))
    return {name: html.unescape(value) for name, value in fields if name != "csrfmiddlewaretoken"} | {"_confirm": "1"}


def _read_elsewhere(path, key: str) -> tuple:
    """The job's progress as another process reads it from the queue's file (plain sqlite3, no Django)."""
    code = (
        "import pickle, sqlite3, sys; db = sqlite3.connect(sys.argv[1]);"
        "row = db.execute('select value from kv where key = ?', (sys.argv[2],)).fetchone();"
        "p = pickle.loads(row[0]); print(p['done'], p['total'], p['phase'], sep='|')"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path), key], capture_output=True, text=True, check=True)
    done, total, phase = out.stdout.strip().split("|")
    return int(done), int(total), phase


def test_a_large_workbook_is_previewed_and_imported_by_jobs_that_record_their_progress(
    client, clerk, big, queue_file, run_jobs, monkeypatch
):
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    items_before = ApprovalItem.objects.count()
    other = SqliteStorage(HUEY.name, filename=str(queue_file))  # a second connection, as another process has
    seen, elsewhere = [], []
    write = jobs.Reporter._write

    def watched(reporter):
        write(reporter)
        key = reporter.key
        progress = pickle.loads(other.peek_data(key))
        seen.append((progress["done"], progress["total"], progress["phase"]))
        if progress["phase"] == "写入草稿版本……":
            # The import's transaction is open: its items are not written for anyone else yet.
            assert connection.in_atomic_block
            elsewhere.append(_read_elsewhere(queue_file, key))

    monkeypatch.setattr(jobs.Reporter, "_write", watched)
    client.force_login(clerk)
    with open(big, "rb") as upload:
        data = {"file": upload, "slug": "big", "effective_on": "2024-03-01", "document": notice.pk}
        started = run_jobs(client.post, URL, data)
    preview = _job_of(started)
    assert (preview.kind, preview.status, preview.done, preview.total) == ("import_preview", "done", 2, 2)
    summary = f"共 {ROWS} 行：新增 {NEW_ITEMS} 项，退回 0 项，重新划转 0 项，变更 0 项，未变 303 项。"
    assert preview.result == summary
    assert preview.result_url == f"{URL}?job={preview.pk}"
    assert list(dict.fromkeys(seen)) == [
        (0, 0, ""),
        (0, 2, ""),
        (0, 2, "正在读取 big.xlsx……"),
        (1, 2, f"已读取 {ROWS} 行，正在与登记册比对……"),
        (2, 2, "预览已生成。"),
    ]
    assert ApprovalItem.objects.count() == items_before  # a preview writes nothing

    page = client.get(preview.result_url)
    assert page.context["preview"]["summary"] == summary
    lists = dict(page.context["preview"]["lists"])
    assert len(lists["新增事项"]) == NEW_ITEMS and lists["新增事项"][0] == [
        "",
        "批量新增事项00000（市发改委）",
        "",
        "新增",
    ]
    seen.clear()
    imported = _job_of(run_jobs(client.post, URL, _confirmation(page)))
    edition = Edition.objects.get(slug="big")
    assert (imported.kind, imported.status, imported.error) == ("import", "done", "")
    assert imported.result == f"已导入草稿“big”。{summary}核对无误后由审核人发布。"
    assert imported.result_url == reverse("admin:catalog_edition_change", args=[edition.pk])
    assert (imported.done, imported.total, imported.phase) == (7, 7, "已生成草稿版本“big”。")
    assert list(dict.fromkeys(seen)) == [
        (0, 0, ""),
        (0, 7, ""),
        (0, 7, "正在读取 big.xlsx……"),
        (1, 7, f"已读取 {ROWS} 行，正在与登记册比对……"),
        (2, 7, f"新建 {NEW_ITEMS} 个事项……"),
        (3, 7, "登记划转记录……"),
        (4, 7, "更新变更的事项……"),
        (5, 7, "写入草稿版本……"),
        (6, 7, "已生成草稿版本“big”。"),
        (7, 7, "已生成草稿版本“big”。"),
    ]
    assert elsewhere == [(5, 7, "写入草稿版本……")]
    assert (edition.status, edition.entries.count(), edition.created_by) == ("draft", ROWS, clerk)
    assert ApprovalItem.objects.count() == items_before + NEW_ITEMS
    assert HUEY.get(f"catalog-job-progress:{imported.pk}", peek=True) is None  # the live record ends with the job

    detail = client.get(reverse("admin:catalog_job_change", args=[imported.pk])).content.decode()
    assert '<progress value="7" max="7"></progress> 100%（7/7）' in detail
    assert f'<a class="button" href="{imported.result_url}">查看导入的草稿</a>' in detail
    assert 'http-equiv="refresh"' not in detail


def test_a_failing_import_job_shows_its_failure_and_leaves_the_database_as_it_was(
    client, clerk, big, run_jobs, monkeypatch, caplog
):
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    client.force_login(clerk)
    with open(big, "rb") as upload:
        data = {"file": upload, "slug": "big", "effective_on": "2024-03-01", "document": notice.pk}
        page = client.get(_job_of(run_jobs(client.post, URL, data)).result_url)
    before = register_digest()

    def broken(**kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr("catalog.imports.official.edition_create_draft", broken)
    with caplog.at_level(logging.ERROR, logger="catalog.jobs"):
        job = _job_of(run_jobs(client.post, URL, _confirmation(page)))
    assert (job.status, job.error) == ("failed", str(jobs.UNEXPECTED))
    assert (job.done, job.total, job.phase) == (5, 7, "写入草稿版本……")  # where it stopped
    assert register_digest() == before  # the items it had created are rolled back with the rest
    assert not Edition.objects.filter(slug="big").exists()
    [record] = caplog.records
    assert record.getMessage() == f"job {job.pk} (import) failed" and record.exc_info[0] is OSError
    detail = client.get(reverse("admin:catalog_job_change", args=[job.pk])).content.decode()
    assert f'<p class="job-error errornote">失败：{jobs.UNEXPECTED}</p>' in detail
    assert "Traceback" not in detail and "OSError" not in detail and "磁盘已满" not in detail
    assert 'name="_retry"' in detail


def test_a_refused_import_job_lists_the_problems_and_logs_no_traceback(client, clerk, tmp_path, run_jobs, caplog):
    path = _large(with_many_new_items(tmp_path, NEW_ITEMS, returned=True))
    client.force_login(clerk)
    with open(path, "rb") as upload:
        data = {"file": upload, "slug": "big", "effective_on": "2024-03-01"}
        preview = _job_of(run_jobs(client.post, URL, data))
    assert preview.result.endswith("另有 1 个问题须先解决。")
    page = client.get(preview.result_url)
    assert [p.message for p in page.context["preview"]["problems"]] == [NO_DOCUMENT]
    token = page.context["form"]["token"].value()
    before = register_digest()
    with caplog.at_level(logging.INFO):
        job = _job_of(
            run_jobs(client.post, URL, {"token": token, "slug": "big", "effective_on": "2024-03-01", "_confirm": "1"})
        )
    assert (job.status, job.error) == ("failed", "文件未导入，数据库没有任何改变。发现 1 个问题。")
    assert job.details == {"problems": [["", None, None, NO_DOCUMENT]], "refused": True}
    assert register_digest() == before
    assert not [record for record in caplog.records if record.exc_info]
    detail = client.get(reverse("admin:catalog_job_change", args=[job.pk])).content.decode()
    assert f"<td>—</td><td>—</td><td>—</td><td>{NO_DOCUMENT}</td>" in detail


def _running(user, *, worker: str, minutes_ago: int, kind=Job.Kind.DOWNLOADS, **params) -> Job:
    return Job.objects.create(
        kind=kind,
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        created_by=user,
        status=Job.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        worker=worker,
        attempts=1,
        params=params,
    )


def test_an_interrupted_job_is_failed_when_the_jobs_are_listed_and_its_retry_finishes_it(
    client, publisher, run_jobs, settings
):
    edition = Edition.objects.get(slug="2022")
    stale = _running(publisher, worker="elsewhere:4242:cafe", minutes_ago=6, edition=edition.pk)
    fresh = _running(publisher, worker="elsewhere:4243:cafe", minutes_ago=1, edition=edition.pk)
    client.force_login(publisher)
    listing = client.get(reverse("admin:catalog_job_changelist"))
    assert [job.pk for job in listing.context["cl"].result_list] == [fresh.pk, stale.pk]
    stale.refresh_from_db()
    assert (stale.status, stale.error, stale.worker) == ("failed", "任务中断（工作进程重启），可重试。", "")
    assert Job.objects.get(pk=fresh.pk).status == "running"  # its worker may still be at it
    assert downloads.prepared(edition, "csv") is None

    url = reverse("admin:catalog_job_change", args=[stale.pk])
    assert 'name="_retry"' in client.get(url).content.decode()
    response = run_jobs(client.post, url, {"_retry": "1"})
    assert response["Location"] == url
    stale.refresh_from_db()
    assert (stale.status, stale.error, stale.attempts) == ("done", "", 2)
    assert stale.result == "已生成“2022”的下载文件：xlsx、docx、csv、json（各 310 行）。"
    assert (stale.done, stale.total) == (4 * 310, 4 * 310)
    assert all(downloads.prepared(edition, fmt) for fmt in downloads.FORMATS)


def test_a_starting_worker_fails_the_jobs_an_earlier_life_of_it_left_running(publisher):
    host, pid = socket.gethostname(), os.getpid()
    restarted = _running(publisher, worker=f"{host}:{pid}:0ld0", minutes_ago=1)  # this process before an exec
    gone = _running(publisher, worker=f"{host}:{2**22 + 1}:0ld0", minutes_ago=1)  # no such process
    mine = _running(publisher, worker=jobs.WORKER, minutes_ago=1)
    other_host = _running(publisher, worker=f"not-{host}:{pid}:0ld0", minutes_ago=1)
    assert jobs.jobs_fail_interrupted() == 0  # heartbeats are fresh
    assert jobs.jobs_fail_interrupted(starting=True) == 2
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert [statuses[job.pk] for job in (restarted, gone, mine, other_host)] == [
        "failed",
        "failed",
        "running",
        "running",
    ]


def test_only_a_failed_job_is_retried_and_only_by_whoever_started_it(client, publisher, run_jobs):
    other = make_user("other_publisher", groups=["审核人"])
    job = _running(publisher, worker="elsewhere:1:x", minutes_ago=10, edition=1)
    client.force_login(publisher)
    url = reverse("admin:catalog_job_change", args=[job.pk])
    assert client.post(url, {"_retry": "1"}).status_code == 403  # still running
    jobs.jobs_fail_interrupted()
    client.force_login(other)
    page = client.get(url)
    assert page.status_code == 200 and 'name="_retry"' not in page.content.decode()
    assert client.post(url, {"_retry": "1"}).status_code == 403
    assert Job.objects.get(pk=job.pk).status == "failed"


def test_publishing_a_large_edition_prepares_its_files_in_a_job(client, clerk, publisher, run_jobs, settings):
    from catalog.publishing import edition_compile

    draft = edition_compile(
        slug="2024",
        title="2024年版",
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        on=datetime.date(2024, 6, 30),
        user=clerk,
    )
    settings.EXPORT_ONLINE_MAX_ROWS = 200
    client.force_login(publisher)
    selected = {"action": "publish", ACTION_CHECKBOX_NAME: [str(draft.pk)], "confirm": "yes", **acknowledging(draft)}
    run_jobs(client.post, reverse("admin:catalog_edition_changelist"), selected)
    job = Job.objects.get(kind=Job.Kind.DOWNLOADS)
    assert (job.status, job.created_by, job.jurisdiction.code, job.params) == (
        "done",
        publisher,
        "shuozhou",
        {"edition": draft.pk},
    )
    assert (job.done, job.total, job.result_url) == (4 * 220, 4 * 220, "/editions/2024/")
    assert job.result == "已生成“2024”的下载文件：xlsx、docx、csv、json（各 220 行）。"
    assert client.get("/editions/2024/download.csv").status_code == 200


def test_staff_see_the_jobs_of_the_registers_they_may_read(client, county_clerk, clerk):
    city = _running(clerk, worker="elsewhere:1:x", minutes_ago=0)
    county = Job.objects.create(kind=Job.Kind.COUNTY, jurisdiction=Jurisdiction.objects.get(code="shuocheng"))
    client.force_login(county_clerk)
    listing = client.get(reverse("admin:catalog_job_changelist"))
    assert [job.pk for job in listing.context["cl"].result_list] == [county.pk]
    assert client.get(reverse("admin:catalog_job_change", args=[city.pk])).status_code == 404
    client.force_login(clerk)
    listing = client.get(reverse("admin:catalog_job_changelist"))
    assert [job.pk for job in listing.context["cl"].result_list] == [county.pk, city.pk]


def test_a_queued_job_page_refreshes_itself_and_says_what_it_waits_for(client, clerk):
    job = Job.objects.create(kind=Job.Kind.DOWNLOADS, jurisdiction=Jurisdiction.objects.get(code="shuozhou"))
    client.force_login(clerk)
    page = client.get(reverse("admin:catalog_job_change", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "等待后台工作进程（manage.py run_huey）接手……" in page


def test_the_events_that_come_into_effect_are_applied_just_after_midnight_in_shanghai():
    assert tasks.just_after_midnight(datetime.datetime(2025, 3, 1, 16, 5))  # 00:05 on 2 March in Shanghai
    assert not tasks.just_after_midnight(datetime.datetime(2025, 3, 1, 0, 5))
    assert tasks.apply_due_events.call_local() == 0  # the 2022 catalogue has no pending event
    assert Transfer.objects.count() > 0


def test_the_queue_is_a_file_by_default_and_redis_when_named(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from tests.conftest import settings_under

    default = settings_under(HUEY_FILE=str(tmp_path / "queue.sqlite3"))["HUEY"]
    assert (default["huey_class"], default["filename"], default["immediate"], default["results"]) == (
        "huey.SqliteHuey",
        str(tmp_path / "queue.sqlite3"),
        False,
        False,
    )
    redis = settings_under(HUEY_REDIS_URL="redis://127.0.0.1:6379/2", CACHE_URL="redis://127.0.0.1:6379/1")["HUEY"]
    assert (redis["huey_class"], redis["url"]) == ("huey.RedisHuey", "redis://127.0.0.1:6379/2")
    with pytest.raises(ImproperlyConfigured, match="another Redis database than CACHE_URL"):
        settings_under(HUEY_REDIS_URL="redis://127.0.0.1:6379/1", CACHE_URL="redis://127.0.0.1:6379/1")


def test_progress_kept_in_redis_is_read_by_another_connection(publisher):
    """Needs a Redis server (CI has one at 127.0.0.1:6379): the queue's store of a production deployment."""
    import redis
    from huey.constants import EmptyData
    from huey.storage import RedisStorage

    from tests.conftest import require

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        reachable = True
    except redis.exceptions.ConnectionError:
        reachable = False
    require("REQUIRE_REDIS", reachable, "需要 Redis：127.0.0.1:6379")
    url = "redis://127.0.0.1:6379/14"
    job = Job.objects.create(kind=Job.Kind.DOWNLOADS, jurisdiction=Jurisdiction.objects.get(code="shuozhou"))
    key, other, seen = f"catalog-job-progress:{job.pk}", RedisStorage("shuozhou-test", url=url), []

    def work(job, report):
        for step in range(3):
            report(done=step, total=3, phase=f"第 {step + 1} 步")
            progress = pickle.loads(other.peek_data(key))
            seen.append((progress["done"], progress["total"], progress["phase"]))
        return jobs.Outcome("完成")

    kept, HUEY.storage = HUEY.storage, RedisStorage("shuozhou-test", url=url)
    try:
        jobs.job_run(job.pk, work)
        assert other.peek_data(key) is EmptyData  # the live record ends with the job
    finally:
        HUEY.storage.flush_all()
        HUEY.storage = kept
    assert seen == [(0, 3, "第 1 步"), (1, 3, "第 2 步"), (2, 3, "第 3 步")]
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.phase, job.result) == ("done", 3, 3, "第 3 步", "完成")
