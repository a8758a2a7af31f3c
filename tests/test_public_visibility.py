"""What a visitor sees of an item, by its status, on every public URL; and input no page can use.

One rule (`ApprovalItemQuerySet.public`): an item that was never transferred (未划转) is not found on
its HTML page, its API detail or its JSON-LD; in every other status all three show it and its history.
The lists show only the main items at the bureau or returned (`listed`).
"""

import csv
import datetime
import io

import pytest

from approvals import services
from approvals.models import ApprovalItem, Department, ItemStatus, ItemType, Jurisdiction

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 3, 1)
NAME = "公开规则测试许可"
SUB_NAME = "公开规则测试许可变更"

# The events that bring a new item (created 未划转) to each status.
EVENTS = {
    ItemStatus.PENDING: [],
    ItemStatus.BUREAU: [services.item_transfer],
    ItemStatus.RETURNED: [services.item_transfer, services.item_return],
    ItemStatus.CANCELLED: [services.item_transfer, services.item_cancel],
    ItemStatus.DEVOLVED: [services.item_transfer, services.item_devolve],
}
PAGE_STATUS = {
    ItemStatus.PENDING: 404,
    ItemStatus.BUREAU: 200,
    ItemStatus.RETURNED: 200,
    ItemStatus.CANCELLED: 200,
    ItemStatus.DEVOLVED: 200,
}
LISTED = {ItemStatus.BUREAU, ItemStatus.RETURNED}
# 主项名称, 子项名称 of the export's rows: section (一) prints a row per sub-item, section (二) the main item.
EXPORTED = {ItemStatus.BUREAU: {(NAME, SUB_NAME)}, ItemStatus.RETURNED: {(NAME, "")}}
PAGES = ("/items/{}/", "/api/items/{}/", "/items/{}/cpsv.jsonld")


def _create(name: str, parent: ApprovalItem | None = None) -> ApprovalItem:
    city = Jurisdiction.objects.get(code="shuozhou")
    return services.item_create(
        jurisdiction=city,
        name=name,
        item_type=ItemType.LICENSING,
        departments=[Department.objects.get(jurisdiction=city, slug="fgw")],
        parent=parent,
        in_base_catalogue=True,  # returned below with no document, which only a base item may be (notice_rules)
    )


def _apply(item: ApprovalItem, events) -> None:
    for event in events:
        event(item=item, effective_on=DAY, document=None)


@pytest.fixture(params=list(EVENTS), ids=str)
def status(request) -> str:
    return request.param


@pytest.fixture
def main(status) -> ApprovalItem:
    """A main item of the city with one sub-item, both brought to `status` by the services."""
    item = _create(NAME)
    _create(SUB_NAME, parent=item)
    _apply(item, EVENTS[status])
    assert set(ApprovalItem.objects.filter(name__startswith=NAME).values_list("status", flat=True)) == {status}
    return item


def _shows(response, url: str, item: ApprovalItem) -> None:
    """The 200 answer names the item: its code, name and status."""
    label = ItemStatus(item.status).label
    if url.startswith("/api/"):
        data = response.json()
        assert (data["code"], data["name"], data["status"]) == (item.code, item.name, label)
        assert data["status_code"] == item.status
    elif url.endswith(".jsonld"):
        data = response.json()
        status = data["adms:status"]["skos:prefLabel"]["@value"]
        assert (data["dct:identifier"], data["dct:title"]["@value"], status) == (item.code, item.name, label)
    else:
        page = response.content.decode()
        assert f"<h1>{item.name}</h1>" in page
        assert f"<dt>事项编码</dt><dd>{item.code}</dd>" in page
        assert f'<span class="status status-{item.status}">{label}</span>' in page


def _not_found(response, url: str) -> None:
    if url.startswith("/api/"):
        assert response.json() == {"detail": "没有这个事项。"}
    else:
        assert "页面不存在" in response.content.decode()


def _check(client, url: str, item: ApprovalItem, expected: int) -> None:
    response = client.get(url.format(item.code))
    assert response.status_code == expected
    if expected == 200:
        _shows(response, url, item)
    else:
        _not_found(response, url)


@pytest.mark.parametrize("url", PAGES)
def test_an_item_answers_the_same_on_every_page_of_one_item(client, main, status, url):
    _check(client, url, main, PAGE_STATUS[status])


@pytest.mark.parametrize("url", PAGES)
def test_a_sub_item_answers_as_its_main_item_when_it_shares_its_status(client, main, status, url):
    sub = main.children.get()
    _check(client, url, sub, PAGE_STATUS[status])


def test_the_lists_show_the_main_items_at_the_bureau_or_returned_and_each_has_a_page(client, main, status):
    place = {"jurisdiction": "shuozhou", "q": NAME}
    expected = [main.code] if status in LISTED else []

    page = client.get("/", place)
    assert page.status_code == 200
    assert [row["code"] for row in page.context["rows"]] == expected

    api = client.get("/api/items/", place)
    assert api.status_code == 200
    assert [row["code"] for row in api.json()["results"]] == expected

    export = client.get("/export.csv", place)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {(r[2], r[3]) for r in rows[1:]} == EXPORTED.get(status, set())

    department = client.get("/departments/fgw/").context
    shown = [row["code"] for row in department["at_bureau"] + department["itself"] if row["code"] == main.code]
    assert shown == expected

    # Whatever a list shows has a page.
    for code in expected:
        assert [client.get(url.format(code)).status_code for url in PAGES] == [200, 200, 200]


@pytest.mark.parametrize("url", PAGES)
def test_a_new_sub_item_of_an_item_at_the_bureau_is_not_found_until_it_is_transferred(client, url):
    main = _create(NAME)
    services.item_transfer(item=main, effective_on=DAY, document=None)
    sub = _create(SUB_NAME, parent=main)
    _check(client, url, sub, 404)
    _check(client, url, main, 200)
    services.item_transfer(item=sub, effective_on=DAY, document=None)
    sub.refresh_from_db()
    _check(client, url, sub, 200)


@pytest.mark.parametrize("url", PAGES)
def test_a_sub_item_transferred_alone_is_not_found_while_its_main_item_is_pending(client, url):
    main = _create(NAME)
    sub = _create(SUB_NAME, parent=main)
    services.item_transfer(item=sub, effective_on=DAY, document=None)
    sub.refresh_from_db()
    assert (main.status, sub.status) == (ItemStatus.PENDING, ItemStatus.BUREAU)
    _check(client, url, sub, 404)
    _check(client, url, main, 404)


@pytest.mark.parametrize("url", PAGES)
def test_a_sub_item_cancelled_alone_keeps_its_page_under_an_item_at_the_bureau(client, url):
    main = _create(NAME)
    sub = _create(SUB_NAME, parent=main)
    services.item_transfer(item=main, effective_on=DAY, document=None)
    services.item_cancel(item=sub, effective_on=DAY, document=None)
    sub.refresh_from_db()
    _check(client, url, sub, 200)


def test_an_item_lists_only_its_sub_items_that_have_a_page(client):
    main = _create(NAME)
    services.item_transfer(item=main, effective_on=DAY, document=None)
    cancelled = _create(SUB_NAME, parent=main)
    services.item_transfer(item=cancelled, effective_on=DAY, document=None)
    services.item_cancel(item=cancelled, effective_on=DAY, document=None)
    pending = _create("公开规则测试许可注销", parent=main)

    page = client.get(f"/items/{main.code}/").content.decode()
    assert f'<a href="/items/{cancelled.code}/">{cancelled.code} {SUB_NAME}</a>（已取消）' in page
    assert pending.code not in page
    api = client.get(f"/api/items/{main.code}/").json()
    assert [(s["code"], s["status"]) for s in api["sub_items"]] == [(cancelled.code, "已取消")]
    jsonld = client.get(f"/items/{main.code}/cpsv.jsonld").json()
    assert [part["dct:identifier"] for part in jsonld["dct:hasPart"]] == [cancelled.code]


# Input no page can use: a NUL character (PostgreSQL cannot compare text holding one) answers 404 in
# the address and 400 in the query string, on every URL, with a Chinese page or JSON message.

NUL_PATHS = [
    "/items/%00/",
    "/items/SZ-0001%00/",
    "/items/%00/cpsv.jsonld",
    "/api/items/%00/",
    "/api/departments/%00/",
    "/api/editions/%00/",
    "/departments/%00/",
    "/editions/%00/",
    "/editions/%00/dcat.jsonld",
    "/editions/%00/adjustment/",
    "/alignment/%00/",
]
LIST_URLS = ["/", "/api/items/", "/export.csv", "/stats/", "/departments/fgw/", "/editions/2022/", "/api/editions/"]
PARAMETERS = "jurisdiction q department batch page section item_type base per_page page_size".split()
NUL_IN_PATH = "网址中含有无法识别的字符（空字符），没有这个页面。"
NUL_IN_QUERY = "查询参数中含有无法识别的字符（空字符），请检查网址。"


@pytest.mark.parametrize("path", NUL_PATHS)
def test_a_nul_character_in_the_address_answers_a_chinese_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json() == {"detail": NUL_IN_PATH}
        assert NUL_IN_PATH in response.content.decode()  # UTF-8, not \\u escapes
    else:
        assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("parameter", PARAMETERS)
@pytest.mark.parametrize("url", LIST_URLS)
def test_a_nul_character_in_a_query_parameter_answers_a_chinese_400(client, url, parameter):
    response = client.get(url, {parameter: "a\x00b"})
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json() == {"detail": [NUL_IN_QUERY]}
    else:
        page = response.content.decode()
        assert "<h1>请求无效</h1>" in page and "请求中有无法处理的内容。" in page


def test_a_nul_character_in_a_parameter_name_answers_400(client):
    assert client.get("/api/items/?%00=1").json() == {"detail": [NUL_IN_QUERY]}
    page = client.get("/?a%00b=1")
    assert page.status_code == 400 and "<h1>请求无效</h1>" in page.content.decode()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("code", ["S" * 5000, "%ED%A0%80", "SZ-0001%FF"])  # %ED%A0%80: a lone surrogate
def test_an_over_long_or_broken_code_is_not_found(client, path, code):
    response = client.get(path.format(code))
    assert response.status_code == 404
    _not_found(response, path)


@pytest.mark.parametrize("value", ["s" * 5000, "%ED%A0%80", "%FF"])
def test_an_over_long_or_broken_jurisdiction_is_ignored_for_the_city(client, value):
    page = client.get(f"/?jurisdiction={value}")
    assert page.status_code == 200
    assert "以下条件的取值无法识别，已忽略：辖区" in page.content.decode()
    api = client.get(f"/api/items/?jurisdiction={value}")  # the API refuses it, naming the codes (tests/test_api.py)
    assert api.status_code == 400
    (message,) = api.json()["jurisdiction"]
    assert message.endswith(
        "”不是可选的值。可选：all、shuozhou、shuocheng、pinglu、huairen、shanyin、yingxian、youyu。"
    )
    assert len(message) < 150  # an over-long value is cut


def test_the_api_says_in_chinese_that_a_department_or_an_edition_is_not_found(client):
    for url in ("/api/departments/nope/", "/api/editions/nope/", "/api/departments/" + "x" * 5000 + "/"):
        response = client.get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "未找到。"})
