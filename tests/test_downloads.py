"""Downloads: published editions written once and served from disk; nothing large written inside a request."""

import csv
import datetime
import io
from urllib.parse import quote

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog import downloads
from catalog.exports.csv import write_csv
from catalog.exports.xlsx import write_xlsx
from catalog.models import Edition
from catalog.tables import edition_table
from spreadsheets.names import download_name

pytestmark = pytest.mark.django_db

TITLE_2022 = "朔州市相对集中行政许可权改革市级划转事项调整目录（2022年版）"  # the title, its space dropped


def _attachment(name: str) -> str:
    """RFC 6266's header for a UTF-8 file name (every current browser reads filename*)."""
    return "attachment; filename*=utf-8''" + quote(name)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _cells(data: bytes) -> list[list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def test_a_small_edition_is_written_on_its_first_download_then_served_from_disk(client, django_assert_num_queries):
    edition = Edition.objects.get(slug="2022")
    assert downloads.prepared(edition, "xlsx") is None
    first = client.get("/editions/2022/download.xlsx")
    assert first.status_code == 200 and first["Content-Disposition"] == _attachment(f"{TITLE_2022}.xlsx")
    data = _body(first)
    assert downloads.prepared(edition, "xlsx").read_bytes() == data
    reference = io.BytesIO()
    write_xlsx(edition_table(edition), reference)
    assert _cells(data) == _cells(reference.getvalue())
    with django_assert_num_queries(2):  # the register's version (public/caching.py), the edition; no row again
        again = client.get("/editions/2022/download.xlsx")
    assert _body(again) == data


def test_an_edition_downloads_as_the_word_attachment_of_its_notice(client):
    response = client.get("/editions/2022/download.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(_body(response)))
    first, second = document.tables
    row = ["1", "招标方案核准", "", "行政许可", "市发改委", "首次划转", "基本目录事项", ""]
    assert [cell.text for cell in first.rows[1].cells] == row
    assert [cell.text for cell in second.rows[1].cells][:3] == ["1", "粮油仓储单位熏蒸作业备案", "其他行政权力"]
    assert downloads.prepared(Edition.objects.get(slug="2022"), "docx") is not None
    assert response["Content-Disposition"] == _attachment(f"{TITLE_2022}.docx")


def test_a_large_edition_waits_for_the_command_and_then_downloads(client, settings):
    settings.EXPORT_ONLINE_MAX_ROWS = 100
    response = client.get("/editions/2022/download.csv")
    assert response.status_code == 503 and response["Retry-After"] == "600"
    page = response.content.decode()
    assert "下载文件正在准备" in page and "共 310 行" in page and "manage.py prepare_downloads" in page
    assert not settings.DOWNLOADS_DIR.exists() or not any(settings.DOWNLOADS_DIR.iterdir())

    out = io.StringIO()
    call_command("prepare_downloads", stdout=out)
    assert "完成：生成 4 个文件，已有 0 个。" in out.getvalue()
    ready = client.get("/editions/2022/download.csv")
    assert ready.status_code == 200 and ready["Content-Disposition"] == _attachment(f"{TITLE_2022}.csv")
    data = _body(ready)
    reference = io.BytesIO()
    write_csv(edition_table(Edition.objects.get(slug="2022")), reference)
    assert data == reference.getvalue()
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 1 + 310  # the heading and the 310 rows

    out = io.StringIO()
    call_command("prepare_downloads", edition="2022", stdout=out)
    assert "完成：生成 0 个文件，已有 4 个。" in out.getvalue()


def test_the_command_reports_progress_and_refuses_an_unknown_edition(settings, monkeypatch):
    monkeypatch.setattr(downloads, "PROGRESS_EVERY", 100)
    out = io.StringIO()
    call_command("prepare_downloads", edition="2022", stdout=out)
    assert "已写 300/310 行" in out.getvalue()
    with pytest.raises(Exception, match="没有版本代码为“nope”的已发布版本。已发布的有：2022"):
        call_command("prepare_downloads", edition="nope")


def test_a_draft_is_never_written_to_disk():
    draft = Edition.objects.get(slug="2022")
    draft.status = Edition.Status.DRAFT  # in memory only: the published row stays frozen
    with pytest.raises(ValueError, match="not published"):
        downloads.prepare(draft, "xlsx")


def test_a_half_written_file_is_never_served(settings, monkeypatch, client):
    edition = Edition.objects.get(slug="2022")

    def broken(table, out):
        out.write(b"PK half")
        raise OSError("disk full")

    monkeypatch.setitem(downloads.formats(), "xlsx", (broken, "application/octet-stream"))
    with pytest.raises(OSError):
        downloads.prepare(edition, "xlsx")
    assert downloads.prepared(edition, "xlsx") is None
    assert list(settings.DOWNLOADS_DIR.iterdir()) == []


def test_a_filtered_download_is_named_and_titled_by_its_filters_and_day(client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 12, 2))
    response = client.get("/export.xlsx", {"department": "jtj", "q": "危险货物"})
    title = "朔州市本级行政审批事项划转目录（筛选：“危险货物”、市交通局，2026-12-02）"
    assert response["Content-Disposition"] == _attachment(f"{title}.xlsx")
    assert _cells(_body(response))[0][0][0] == title
    everything = client.get("/export.csv")
    assert everything["Content-Disposition"] == _attachment("朔州市本级行政审批事项划转目录（2026-12-02）.csv")


def test_a_download_name_holds_no_character_windows_refuses():
    assert download_name('a/b\\c:d*e?f"g<h>i|j', "xlsx") == "a／b＼c：d＊e？f＂g＜h＞i｜j.xlsx"
    assert download_name("目录 （2022年版）\n", "csv") == "目录（2022年版）.csv"
    assert download_name("Annex A. ", "docx") == "Annex A.docx"
    assert download_name("\x00..", "json") == "download.json"


def test_a_filtered_list_too_large_to_write_online_says_how_to_get_it(client, settings):
    settings.EXPORT_ONLINE_MAX_ROWS = 50
    response = client.get("/export.xlsx", {"q": "许可"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "当前筛选结果超过 50 项，在线导出最多 50 项。" in page
    assert 'href="/?q=%E8%AE%B8%E5%8F%AF"' in page and 'href="/editions/"' in page
    small = client.get("/export.csv", {"q": "危险货物"})
    assert small.status_code == 200 and small["Content-Type"].startswith("text/csv")
