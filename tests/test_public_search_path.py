"""One path for a citizen's search: one filterset, one count, one row loader, for the page and the API alike.

The catalogue page and `/api/items/` both bind `public.filters.ItemFilter`, page it with
`public.paging.catalogue_page` and read the rows with `public.listing.load_rows`; a department's
page reads its rows with the same loader.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Q

from approvals import register_version
from approvals.models import ApprovalItem, Jurisdiction
from public import paging
from public.filters import ItemFilter
from public.listing import load_rows
from public.selectors import public_items

pytestmark = pytest.mark.django_db

SEARCHES = [{}, {"q": "许可"}, {"q": "审批", "section": "transferred"}, {"item_type": "licensing"}, {"q": "危险货物"}]


def _html(client, params: dict, per_page: int, number: int):
    response = client.get("/", {**params, "per_page": per_page, "page": number})
    page = response.context["page"]
    return page.count, page.count_kind.value, page.number, [row["code"] for row in page.items]


def _api(client, params: dict, per_page: int, number: int):
    data = client.get("/api/items/", {**params, "page_size": per_page, "page": number}).json()
    number = int(data["next"].split("page=")[1].split("&")[0]) - 1 if data["next"] else None
    return data["count"], data["count_kind"], number, [item["code"] for item in data["results"]]


@pytest.mark.parametrize("params", SEARCHES)
@pytest.mark.parametrize("exact_up_to", [1000, 30])
@pytest.mark.parametrize("place", ["shuozhou", "all"])
def test_the_page_and_the_api_count_and_list_the_same_items(client, monkeypatch, params, exact_up_to, place):
    monkeypatch.setattr(paging, "EXACT_UP_TO", exact_up_to)
    params = {**params, "jurisdiction": place}
    for number in (1, 2):
        count, kind, shown, codes = _html(client, params, 20, number)
        api_count, api_kind, api_number, api_codes = _api(client, params, 20, number)
        assert (api_count, api_kind, api_codes) == (count, kind, codes), (params, number)
        assert api_number in (shown, None)  # None: the last page, which has no next link


@pytest.mark.parametrize("params", SEARCHES)
@pytest.mark.parametrize("per_page", [10, 100])
@pytest.mark.parametrize("place", ["shuozhou", "all"])
def test_a_page_of_either_runs_at_most_four_queries_on_sqlite_five_on_postgresql(
    client, django_assert_max_num_queries, params, per_page, place
):
    budget = 5 if connection.vendor == "postgresql" else 4  # the planner's estimate is PostgreSQL's only
    budget += 1  # the register's version, read once per request (public/caching.py)
    params = {**params, "jurisdiction": place}
    client.get("/", {"jurisdiction": place, "q": "审批"})  # the caches a running server has warm (synonyms too)
    client.get("/api/items/", {"jurisdiction": place})
    with django_assert_max_num_queries(budget):
        assert client.get("/", {**params, "per_page": per_page, "page": 2}).status_code == 200
    with django_assert_max_num_queries(budget):
        assert client.get("/api/items/", {**params, "page_size": per_page, "page": 2}).status_code == 200


def test_the_rows_hold_what_the_page_and_the_api_show_in_three_queries(django_assert_num_queries):
    ids = list(public_items(None).filter(code__in=["SZ-0003", "SZ-0060", "SZ-0216"]).values_list("pk", flat=True))
    with register_version.reading(register_version.current()):  # as in a request: the version read once before
        load_rows(ids, None)  # the latest edition, cached for the version
        with django_assert_num_queries(3):  # the items with their 序号, the sub-items, the departments
            rows = load_rows(ids, ["code"])
    third, sixtieth, returned = rows.values()
    assert (third["code"], third["number"], third["type"], third["batch"]) == ("SZ-0003", 3, "其他行政权力", "首次划转")
    assert third["subs"][0] == ("/items/SZ-0003-01/", "政府投资项目建议书审批")
    assert third["sub_items"][0] == {
        "code": "SZ-0003-01",
        "name": "政府投资项目建议书审批",
        "item_type": "其他行政权力",
        "status": "由审批服务管理局实施",
    }
    assert sixtieth["departments"] == [("/departments/zjj/", "市住建局"), ("/departments/csglj/", "市城市管理局")]
    assert [ref["short_name"] for ref in sixtieth["department_refs"]] == ["市住建局", "市城市管理局"]
    assert sixtieth["department_text"] == "市住建局、市城市管理局"
    assert (returned["status"], returned["status_label"]) == ("returned", "已退回原部门实施")


def test_the_rows_queries_are_compiled_once_and_read_a_new_edition_s_numbers(publisher):
    """public/prepared.py: the SQL is compiled on a process's first page and reused; a newly published edition
    is a new compilation, so the 序号 the list shows is the new edition's."""
    from catalog import publishing
    from public import listing

    listing._statement.cache_clear()
    codes = ["SZ-0003", "SZ-0060"]
    ids = list(public_items(None).filter(code__in=codes).values_list("pk", flat=True))
    load_rows(ids, ["code"])
    compiled = listing._statement.cache_info().misses
    other = list(public_items(None).filter(code__in=["SZ-0100", "SZ-0101", "SZ-0102"]).values_list("pk", flat=True))
    assert [row["code"] for row in load_rows(other, ["code"]).values()] == ["SZ-0100", "SZ-0101", "SZ-0102"]
    assert [
        row["code"] for row in load_rows(public_items(None).filter(pk__in=other).values("pk"), ["code"]).values()
    ] == [
        "SZ-0100",
        "SZ-0101",
        "SZ-0102",
    ]
    assert listing._statement.cache_info().misses == compiled  # other ids, a subquery: nothing compiled again

    city = Jurisdiction.objects.get(code="shuozhou")
    draft = publishing.edition_compile(slug="2023", title="2023年版", jurisdiction=city, on=datetime.date(2023, 1, 1))
    first = ApprovalItem.objects.get(code="SZ-0003")
    draft.entries.filter(Q(item=first) | Q(item__parent=first)).update(number=999)
    publishing.edition_publish(edition=draft, user=publisher)
    cache.clear()  # the latest editions are cached for a minute
    assert load_rows([first.pk], ["code"])[first.pk]["number"] == 999
    assert listing._statement.cache_info().misses == compiled + 1


def test_a_department_page_and_the_api_show_an_item_alike(client):
    department = client.get("/departments/scjgj/").context
    api = client.get("/api/items/", {"department": "scjgj", "section": "returned"}).json()["results"]
    assert [row["code"] for row in department["itself"]] == [item["code"] for item in api]
    assert [row["name"] for row in department["itself"]] == ["重要工业产品生产许可", "合同文本备案"]


def test_a_filterset_without_data_lists_the_catalogue_not_every_item():
    filterset = ItemFilter(None, jurisdiction=None)
    assert filterset.is_bound and filterset.qs.count() == ApprovalItem.objects.listed().count() == 303


def test_a_value_not_understood_is_ignored_and_the_count_is_of_what_is_shown(client):
    response = client.get("/", {"q": "许可", "section": "nonsense"})
    page = response.context["page"]
    assert (page.count, len(page.items)) == (64, 20)  # the search still applies; the count is its count
    assert [(label, value) for label, value, _ in response.context["chips"]] == [("搜索", "许可")]
    assert "以下条件的取值无法识别，已忽略：部分" in response.content.decode()
