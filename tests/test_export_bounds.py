"""Exports written inside a request stop at EXPORT_LIST_MAX_ROWS main items; the deploy files protect them.

Issue 19 §3: one near-limit public export held a worker for 8.3 s. A filtered list (or the national list)
of more main items than the limit is refused with a page that names the prepared files of the published
editions; nginx (deploy/nginx/shuozhou.conf) lets one such download run per address and two in all.
How long the exports take, and how the recipe holds under slow clients, is measured in bench/ (slowloris.py,
export_time.py), never here.
"""

import csv
import io
import re
import runpy
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.exports import csv as csv_export
from catalog.exports import national
from tests.conftest import settings_under

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
NGINX_SITE = (ROOT / "deploy" / "nginx" / "shuozhou.conf").read_text(encoding="utf-8")
# The official data: main items of 朔州市本级 whose name holds 许可, the rows they print, and the national list.
LICENSING_MAIN_ITEMS = 64
LICENSING_ROWS = 67
NATIONAL_ITEMS = 320


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _refusal(response, limit: int) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert f"当前筛选结果超过 {limit} 项，在线导出最多 {limit} 项。" in page
    assert "完整目录的文件已提前生成，不限条数，可以直接下载：" in page
    assert f'href="{reverse("opendata:catalog")}"' in page and f'href="{reverse("public:editions")}"' in page
    return page


def test_a_list_of_exactly_the_limit_is_written_whole(client, settings):
    settings.EXPORT_LIST_MAX_ROWS = LICENSING_MAIN_ITEMS
    response = client.get(reverse("public:export_csv"), {"q": "许可"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert rows[0] == list(csv_export.HEADER)
    assert len(rows) - 1 == LICENSING_ROWS
    assert len({(row[0], row[1]) for row in rows[1:]}) == LICENSING_MAIN_ITEMS  # (部分, 序号): one per main item


def test_a_list_one_over_the_limit_is_refused_with_the_published_editions_files(client, settings):
    settings.EXPORT_LIST_MAX_ROWS = LICENSING_MAIN_ITEMS - 1
    for name in ("public:export_csv", "public:export_xlsx"):
        response = client.get(reverse(name), {"q": "许可"})
        page = _refusal(response, LICENSING_MAIN_ITEMS - 1)
        # The jurisdiction's latest published edition, prepared once and served from disk.
        assert "朔州市相对集中行政许可权改革市级划转事项调整目录" in page
        assert 'href="/editions/2022/download.xlsx"' in page and 'href="/editions/2022/download.csv"' in page
        assert 'href="/?q=%E8%AE%B8%E5%8F%AF"' in page
    assert not settings.DOWNLOADS_DIR.exists()  # a refusal writes nothing


def test_across_all_jurisdictions_the_refusal_links_the_editions_page_not_one_edition(client, settings):
    settings.EXPORT_LIST_MAX_ROWS = 10
    page = _refusal(client.get(reverse("public:export_csv"), {"jurisdiction": "all"}), 10)
    assert "/download.xlsx" not in page


def test_the_national_list_stops_at_the_same_limit(client, settings):
    settings.EXPORT_LIST_MAX_ROWS = NATIONAL_ITEMS
    response = client.get(reverse("public:export_national_csv"), {"jurisdiction": "shuozhou"})
    assert response.status_code == 200 and response["Content-Type"] == national.CONTENT_TYPES["csv"]
    rows = _csv_rows(response)
    assert rows[0] == list(national.HEADER) and len(rows) - 1 == NATIONAL_ITEMS

    settings.EXPORT_LIST_MAX_ROWS = NATIONAL_ITEMS - 1
    refused = client.get(reverse("public:export_national_xlsx"), {"jurisdiction": "shuozhou"})
    _refusal(refused, NATIONAL_ITEMS - 1)


def test_the_limit_of_anything_written_online_caps_the_lists_too(client, settings):
    settings.EXPORT_LIST_MAX_ROWS = 1000
    settings.EXPORT_ONLINE_MAX_ROWS = 5
    _refusal(client.get(reverse("public:export_csv"), {"q": "许可"}), 5)


def test_the_lists_stop_at_1000_main_items_unless_told():
    assert settings_under()["EXPORT_LIST_MAX_ROWS"] == 1000
    assert settings_under(EXPORT_LIST_MAX_ROWS="300")["EXPORT_LIST_MAX_ROWS"] == 300


# -- the deploy files ---------------------------------------------------------------------------------------


def _export_location() -> re.Pattern:
    """The regular expression of nginx's location that limits the downloads written online."""
    match = re.search(r"location ~ (\^/\S+\$) \{\n(.*?)\n    \}", NGINX_SITE, re.S)
    assert (
        match and "limit_conn shuozhou_export_addr 1;" in match[2] and "limit_conn shuozhou_export_all 2;" in match[2]
    )
    return re.compile(match[1])


def test_nginx_limits_every_url_that_writes_a_file_online_and_no_page():
    limited = _export_location()
    written = [reverse(f"public:{name}") for name in ("export_csv", "export_xlsx")]
    written += [reverse(f"public:export_national_{fmt}") for fmt in ("csv", "xlsx")]
    written += [reverse("public:edition_download", args=["2022", fmt]) for fmt in ("xlsx", "docx", "csv", "json")]
    assert all(limited.match(url) for url in written)
    pages = ["/", "/items/SZ-0001/", "/editions/", "/editions/2022/", "/api/items/", "/editions/2022/adjustment/"]
    assert not any(limited.match(url) for url in pages)


def test_nginx_passes_what_the_settings_trust_and_buffers_both_ways():
    # config/client_ip.py counts the client's address from the right of X-Forwarded-For: nginx must append it.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX_SITE
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX_SITE  # DJANGO_BEHIND_PROXY=1 trusts it
    for directive in ("proxy_buffering on;", "proxy_request_buffering on;", "client_header_timeout 10s;"):
        assert directive in NGINX_SITE


def test_gunicorn_stops_a_request_before_nginx_gives_up_on_it_on_the_socket_nginx_uses():
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert config["worker_class"] == "sync" and config["umask"] == 0o007
    assert f"server {config['bind']} fail_timeout=0;" in NGINX_SITE
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", NGINX_SITE)[1])
    assert (config["timeout"], read_timeout) == (30, 60)


def test_the_pages_nginx_answers_with_are_collected_static_files_in_chinese():
    pages = dict(re.findall(r"error_page ([\d ]+) /static/(\S+);", NGINX_SITE))
    assert pages == {"429": "errors/429.html", "502 504": "errors/502.html"}
    assert "<title>请求过多，请稍后再试</title>" in (ROOT / "static" / "errors" / "429.html").read_text(
        encoding="utf-8"
    )
    assert "<title>服务暂时不可用</title>" in (ROOT / "static" / "errors" / "502.html").read_text(encoding="utf-8")
