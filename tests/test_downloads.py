"""Downloads: published editions written once and served from disk; nothing large written inside a request."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command

from catalog import downloads
from catalog.exports.csv import write_csv
from catalog.exports.xlsx import write_xlsx
from catalog.models import Edition
from catalog.tables import edition_table

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _cells(data: bytes) -> list[list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def test_a_small_edition_is_written_on_its_first_download_then_served_from_disk(client, django_assert_num_queries):
    edition = Edition.objects.get(slug="2022")
    assert downloads.prepared(edition, "xlsx") is None
    first = client.get("/editions/2022/download.xlsx")
    assert first.status_code == 200 and first["Content-Disposition"] == 'attachment; filename="2022.xlsx"'
    data = _body(first)
    assert downloads.prepared(edition, "xlsx").read_bytes() == data
    reference = io.BytesIO()
    write_xlsx(edition_table(edition), reference)
    assert _cells(data) == _cells(reference.getvalue())
    with django_assert_num_queries(1):  # the edition; no row is read again
        again = client.get("/editions/2022/download.xlsx")
    assert _body(again) == data


def test_a_large_edition_waits_for_the_command_and_then_downloads(client, settings):
    settings.EXPORT_ONLINE_MAX_ROWS = 100
    response = client.get("/editions/2022/download.csv")
    assert response.status_code == 503 and response["Retry-After"] == "600"
    page = response.content.decode()
    assert "下载文件正在准备" in page and "共 310 行" in page and "manage.py prepare_downloads" in page
    assert not settings.DOWNLOADS_DIR.exists() or not any(settings.DOWNLOADS_DIR.iterdir())

    out = io.StringIO()
    call_command("prepare_downloads", stdout=out)
    assert "完成：生成 3 个文件，已有 0 个。" in out.getvalue()
    ready = client.get("/editions/2022/download.csv")
    assert ready.status_code == 200 and ready["Content-Disposition"] == 'attachment; filename="2022.csv"'
    data = _body(ready)
    reference = io.BytesIO()
    write_csv(edition_table(Edition.objects.get(slug="2022")), reference)
    assert data == reference.getvalue()
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 1 + 310  # the heading and the 310 rows

    out = io.StringIO()
    call_command("prepare_downloads", edition="2022", stdout=out)
    assert "完成：生成 0 个文件，已有 3 个。" in out.getvalue()


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


def test_a_filtered_list_too_large_to_write_online_says_how_to_get_it(client, settings):
    settings.EXPORT_ONLINE_MAX_ROWS = 50
    response = client.get("/export.xlsx", {"q": "许可"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "当前筛选结果超过 50 项，在线导出最多 50 项。" in page
    assert 'href="/?q=%E8%AE%B8%E5%8F%AF"' in page and 'href="/editions/"' in page
    small = client.get("/export.csv", {"q": "危险货物"})
    assert small.status_code == 200 and small["Content-Type"].startswith("text/csv")
