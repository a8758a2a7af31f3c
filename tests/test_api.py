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
    assert set(links) == {"items", "departments", "editions", "jurisdictions", "changes", "schema"}
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
    assert client.get("/api/items/SZ-0003/").json()["parent"] is None
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
    assert get({"section": "x"}) == (400, {"section": ["“x”不是可选的值。可选：transferred、returned。"]})
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


def test_an_item_has_the_number_the_list_gives_it(client):
    listed = {item["code"]: item["number"] for item in client.get("/api/items/", {"page_size": 5}).json()["results"]}
    assert listed == {"SZ-0001": 1, "SZ-0002": 2, "SZ-0003": 3, "SZ-0004": 4, "SZ-0005": 5}
    assert {code: client.get(f"/api/items/{code}/").json()["number"] for code in listed} == listed
    assert client.get("/api/items/SZ-0003-01/").json()["number"] == 3  # a sub-item is printed on its main item's row


def test_batch_and_department_filters_take_what_the_api_returns(client):
    first = client.get("/api/items/", {"q": "危险货物", "section": "transferred"}).json()["results"][0]
    by_code = client.get("/api/items/", {"batch": "first", "department": "jtj"}).json()["count"]
    assert by_code == 50
    for batch in ("first", first["batch"]):
        for department in ("jtj", first["departments"][0]["short_name"], first["departments"][0]["full_name"]):
            assert client.get("/api/items/", {"batch": batch, "department": department}).json()["count"] == by_code
    assert client.get("/api/items/", {"batch": "承接"}).json()["count"] == 2


def test_the_item_list_refuses_unknown_and_empty_values_naming_the_allowed_ones(client):
    def refused(params):
        response = client.get("/api/items/", params)
        assert response.status_code == 400
        return response.json()

    assert refused({"jurisdiction": "nowhere"}) == {
        "jurisdiction": [
            "“nowhere”不是可选的值。可选：all、shuozhou、shuocheng、pinglu、huairen、shanyin、yingxian、youyu。"
        ]
    }
    assert refused({"batch": "第九次"}) == {
        "batch": ["“第九次”不是可选的值。可选：first、second、accepted、首次划转、二次划转、承接。"]
    }
    assert refused({"department": "nowhere"})["department"][0].startswith("“nowhere”不是可选的值。可选：fgw、")
    assert refused({"section": "", "base": "", "page": ""}) == {
        name: ["不能为空；不限时请省略这个参数。"] for name in ("section", "base", "page")
    }
    assert refused({"page": "0"}) == {"page": ["请填写不小于 1 的整数。"]}
    assert refused({"page_size": "201"}) == {"page_size": ["请填写 1 至 200 的整数。"]}
    assert client.get("/api/departments/", {"page": "x"}).json() == {"page": ["请填写不小于 1 的整数。"]}


def test_a_department_of_another_register_finds_nothing_there(client):
    data = client.get("/api/items/", {"jurisdiction": "pinglu", "department": "jtj"}).json()
    assert (data["count"], data["results"]) == (0, [])
    assert client.get("/api/items/", {"department": "jtj"}).json()["count"] == 54
    assert client.get("/api/items/", {"jurisdiction": "all", "department": "jtj"}).json()["count"] == 54


def test_the_schema_lists_the_values_the_register_allows_and_downloads_under_its_title(client):
    response = client.get("/api/schema/")
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''%E6%9C%94%E5%B7%9E%E5%B8%82%E8%A1%8C%E6%94%BF%E5%AE%A1%E6%89%B9%E4%BA%8B%E9%A1%B9"
        "%E5%88%92%E8%BD%AC%E7%9B%AE%E5%BD%95%20API.yaml"
    )
    schema = client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/items/"]["get"]["parameters"]}
    assert parameters["batch"]["enum"] == ["first", "second", "accepted", "首次划转", "二次划转", "承接"]
    assert parameters["jurisdiction"]["enum"][:2] == ["all", "shuozhou"]
    assert {"jtj", "市交通局", "朔州市交通运输局"} <= set(parameters["department"]["enum"])
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}
    responses = schema["paths"]["/api/items/"]["get"]["responses"]
    assert set(responses) == {"200", "400"}
    assert set(schema["paths"]["/api/items/{code}/"]["get"]["responses"]) == {"200", "404"}


def test_the_catalogue_page_takes_a_batch_and_a_department_by_label_too(client):
    by_code = client.get("/", {"batch": "first", "department": "jtj"})
    by_label = client.get("/", {"batch": "首次划转", "department": "市交通局"})
    assert by_code.context["page"].count == by_label.context["page"].count == 50
    shown = [(label, value) for label, value, _without in by_label.context["chips"]]
    assert shown == [(label, value) for label, value, _without in by_code.context["chips"]]
    assert shown == [("划转部门", "市交通局"), ("划转批次", "首次划转")]
