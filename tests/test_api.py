"""The read-only JSON API: same filters and search as the pages, an item's history, an OpenAPI description."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_root_lists_the_endpoints(client):
    links = client.get("/api/").json()
    assert set(links) == {"items", "departments", "editions", "schema"}
    assert links["items"] == "http://testserver/api/items/"


def test_items_take_the_same_filters_and_search_as_the_catalogue(client):
    data = client.get("/api/items/", {"q": "危险货物", "section": "transferred"}).json()
    assert data["count"] == 6
    first = data["results"][0]
    assert first["code"] == "SZ-0100" and first["number"] == 100
    assert first["departments"] == [{"slug": "jtj", "short_name": "市交通局", "full_name": "朔州市交通运输局"}]
    assert (first["item_type"], first["status"], first["batch"]) == ("行政许可", "由审批服务管理局实施", "首次划转")
    assert client.get("/api/items/", {"batch": "accepted"}).json()["count"] == 2
    assert client.get("/api/items/", {"section": "returned", "department": "scjgj"}).json()["count"] == 2


def test_the_items_list_is_paginated_and_lists_sub_items(client, django_assert_max_num_queries):
    client.get("/api/items/")
    with django_assert_max_num_queries(6):
        data = client.get("/api/items/").json()
    assert data["count"] == 303 and len(data["results"]) == 50 and data["next"].endswith("page=2")
    assert [s["code"] for s in data["results"][2]["sub_items"]] == ["SZ-0003-01", "SZ-0003-02", "SZ-0003-03"]


def test_an_item_comes_with_its_history(client):
    data = client.get("/api/items/SZ-0216/").json()
    assert data["name"] == "校车使用许可"
    assert [
        (h["kind"], h["document"]["number"] if h["document"] else None, h["effective_on"]) for h in data["history"]
    ] == [
        ("划转至审批服务管理局", "朔政发〔2020〕7号", None),
        ("退回原部门", "朔政发〔2022〕20号", "2022-08-09"),
    ]
    assert client.get("/api/items/SZ-0003-01/").json()["parent"] == "SZ-0003"
    assert client.get("/api/items/NOPE/").status_code == 404


def test_departments_and_editions(client):
    departments = client.get("/api/departments/").json()
    market = next(d for d in departments["results"] if d["slug"] == "scjgj")
    assert (market["aliases"], market["items_at_bureau"]) == (["市市场监管局"], 19)
    editions = client.get("/api/editions/").json()["results"]
    assert editions[0]["slug"] == "2022" and editions[0]["document"] == "朔政发〔2022〕20号"
    assert editions[0]["downloads"]["xlsx"] == "http://testserver/editions/2022/download.xlsx"


def test_the_api_escapes_nothing_it_should_not_and_answers_hostile_input(client):
    def get(params):
        response = client.get("/api/items/", params)
        assert response["Content-Type"].startswith("application/json")
        return response.status_code, response.json()

    for term in ("%", "<script>", "许" * 10000):  # searched as text, wildcards included: nothing has it
        assert get({"q": term}) == (
            200,
            {"count": 0, "count_kind": "exact", "next": None, "previous": None, "results": []},
        )
    # An API says what it rejects, in Chinese; never a 500.
    assert get({"section": "x"}) == (400, {"section": ["选择一个有效的选项。 x 不在可用的选项中。"]})
    status, beyond = get({"page": "999"})  # past the end: the last page, as the catalogue's pages do
    assert (status, beyond["count"], beyond["next"], beyond["previous"]) == (
        200,
        303,
        None,
        "http://testserver/api/items/?page=6",
    )
    assert [item["code"] for item in beyond["results"]] == [item["code"] for item in get({"page": "7"})[1]["results"]]
    assert len(beyond["results"]) == 303 - 6 * 50


def test_the_openapi_description_covers_the_endpoints(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "朔州市行政审批事项划转目录 API"
    assert {"/api/items/", "/api/items/{code}/", "/api/departments/", "/api/editions/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/items/"]["get"]["parameters"]}
    assert {"q", "section", "department", "item_type", "batch", "base", "jurisdiction", "page"} <= parameters


def test_a_large_item_list_is_paged_without_an_exact_count(client, monkeypatch):
    from public import paging

    monkeypatch.setattr(paging, "EXACT_UP_TO", 30)
    first = client.get("/api/items/", {"q": "许可", "page_size": 20}).json()
    assert first["count_kind"] in ("estimate", "more_than") and first["count"] >= 30
    assert first["previous"] is None and "page=2&" in first["next"]
    second = client.get("/api/items/", {"q": "许可", "page_size": 20, "page": 2}).json()
    assert second["previous"] == "http://testserver/api/items/?page_size=20&q=%E8%AE%B8%E5%8F%AF"
    monkeypatch.setattr(paging, "EXACT_UP_TO", 1000)
    exact = client.get("/api/items/", {"q": "许可", "page_size": 100}).json()
    assert (exact["count"], exact["count_kind"], exact["next"]) == (64, "exact", None)
    codes = [item["code"] for item in first["results"] + second["results"]]
    assert codes == [item["code"] for item in exact["results"][:40]]
