"""Pages of the public list: the same rows as a plain paginator, exact counts up to a size, estimates beyond."""

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection

from approvals import register_version
from approvals.models import ApprovalItem, Jurisdiction
from public import paging
from public.paging import Count, list_page
from public.selectors import latest_editions, public_items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _city():
    return Jurisdiction.objects.get(code="shuozhou")


def _codes(items) -> list[str]:
    return [item.code for item in items]


def _row_codes(page) -> list[str]:
    return [row["code"] for row in page.items]


@pytest.mark.parametrize("term", ["", "许可", "审批", "危险货物", "不存在的事项名称"])
@pytest.mark.parametrize("exact_up_to", [1000, 30])
def test_every_page_holds_the_rows_a_plain_paginator_gives(monkeypatch, term, exact_up_to):
    """Whether counted exactly or not, page n shows the same items in the same order."""
    monkeypatch.setattr(paging, "EXACT_UP_TO", exact_up_to)
    items = public_items(_city()).search(term)
    reference = Paginator(items, 20)
    for number in reference.page_range:
        page = list_page(items, number, 20)
        assert _row_codes(page) == _codes(reference.page(number).object_list), (term, number)
        assert page.has_next == reference.page(number).has_next()
    if reference.count <= exact_up_to:
        assert (page.count, page.count_kind, page.num_pages) == (reference.count, Count.EXACT, reference.num_pages)
    else:
        assert page.count_kind in (Count.ESTIMATE, Count.MORE_THAN) and page.num_pages is None
        assert page.count > exact_up_to or page.count_kind == Count.MORE_THAN


def test_an_out_of_range_page_shows_the_last_one_when_the_count_is_exact():
    items = public_items(_city()).search("许可")
    page = list_page(items, 99, 20)
    assert (page.count, page.number, len(page.items), page.has_next) == (64, 4, 4, False)
    assert list_page(items, "abc", 20).number == 1


def test_a_large_result_says_it_is_an_estimate_or_a_lower_bound(client, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 30)
    response = client.get("/", {"q": "许可"})
    page = response.context["page"]
    text = response.content.decode()
    if connection.vendor == "postgresql" and page.count_kind == Count.ESTIMATE:
        assert f"约 {page.count} 项（主项），结果较多，此为估计数，第 1 页" in text
    else:
        assert page.count_kind == Count.MORE_THAN
        assert "超过 30 项（主项），结果较多，未逐一清点，第 1 页" in text
    assert "/ " not in text.split('role="status">')[1].split("</p>")[0]  # no total of pages to promise
    assert 'rel="next"' in text and 'rel="prev"' not in text

    beyond = client.get("/", {"q": "许可", "page": 40}).content.decode()
    assert "第 40 页没有事项。" in beyond and "回到第一页" in beyond


def test_the_unfiltered_list_keeps_its_exact_count_from_the_summary(client, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 30)
    response = client.get("/")
    page = response.context["page"]
    assert (page.count, page.count_kind, page.num_pages) == (303, Count.EXACT, 16)
    assert "共 303 项（主项），第 1 / 16 页" in response.content.decode()
    last = client.get("/", {"page": 99}).context["page"]
    assert (last.number, len(last.items)) == (16, 3)


@pytest.mark.parametrize("params", [{"q": "许可"}, {"q": "审批", "section": "transferred"}, {"item_type": "licensing"}])
@pytest.mark.parametrize("exact_up_to", [1000, 30])
@pytest.mark.parametrize("per_page", [10, 100])
def test_a_list_page_runs_at_most_six_queries(
    client, monkeypatch, django_assert_max_num_queries, params, exact_up_to, per_page
):
    from public.filters import ItemFilter

    monkeypatch.setattr(paging, "EXACT_UP_TO", exact_up_to)
    for code, place in (("shuozhou", _city()), ("all", None)):
        client.get("/", {"jurisdiction": code, "q": "许可"})  # the caches a running server has warm (synonyms too)
        # The version, the planner's estimate (PostgreSQL), the probe of the matches, the page's rows (three).
        with django_assert_max_num_queries(6):
            response = client.get("/", {**params, "jurisdiction": code, "per_page": per_page, "page": 2})
        assert response.status_code == 200
        filterset = ItemFilter({**params, "jurisdiction": code}, queryset=public_items(place), jurisdiction=place)
        reference = Paginator(filterset.qs, per_page)
        if reference.num_pages >= 2:
            expected = _codes(reference.page(2).object_list)
        elif response.context["page"].count_kind == Count.EXACT:
            expected = _codes(reference.page(reference.num_pages).object_list)  # the last page instead
        else:
            expected = []  # "第 2 页没有事项": an estimate promises no last page
        assert [row["code"] for row in response.context["rows"]] == expected, (params, code)


def test_the_estimate_is_the_planners_on_postgresql(postgres):
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("ANALYZE approvals_approvalitem")
    items = ApprovalItem.objects.main_items().search("许可")
    estimate = paging.estimated_count(items)
    assert estimate is not None and 1 <= estimate <= ApprovalItem.objects.count()


def test_an_estimate_far_above_the_limit_is_shown_without_counting(postgres, monkeypatch, django_assert_num_queries):
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("ANALYZE approvals_approvalitem")
    monkeypatch.setattr(paging, "TRUST_ESTIMATE_ABOVE", 0)
    items = public_items(_city()).search("许可")
    reference = Paginator(items, 20)
    version = register_version.current()
    with register_version.reading(version):  # as in a request: the version read once, before
        latest_editions()  # the rows' 序号 read it, cached under the version as on a running server
        with django_assert_num_queries(4):  # the estimate, the page's rows (three): no probe of the matches
            page = list_page(items, 2, 20)
    assert page.count_kind == Count.ESTIMATE and page.count == paging.estimated_count(items)
    assert _row_codes(page) == _codes(reference.page(2).object_list)


@pytest.mark.parametrize("walk_rows", [0, 10**9])
@pytest.mark.parametrize("params", [{"q": "许可"}, {"q": "审批", "section": "transferred"}, {"item_type": "licensing"}])
def test_a_page_walked_in_order_holds_the_rows_of_a_page_sorted_from_the_index(client, monkeypatch, walk_rows, params):
    """Many matches: early pages walk the list without the index's condition, later ones sort the matches."""
    monkeypatch.setattr(paging, "EXACT_UP_TO", 10)
    monkeypatch.setattr(paging, "WALK_ROWS", walk_rows)
    monkeypatch.setattr(paging, "WALK_ROWS_UNCOUNTED", walk_rows)
    from public.filters import ItemFilter

    filterset = ItemFilter({**params, "jurisdiction": "all"}, queryset=public_items(None), jurisdiction=None)
    reference = Paginator(filterset.qs, 20)
    for number in reference.page_range:
        response = client.get("/", {**params, "jurisdiction": "all", "page": number})
        assert [row["code"] for row in response.context["rows"]] == _codes(reference.page(number).object_list)
        assert response.context["page"].count_kind != Count.EXACT


@pytest.mark.parametrize("uncounted", [True, False])
def test_uncounted_matches_walk_further_pages_than_counted_ones(monkeypatch, uncounted):
    """More than EXACT_UP_TO matches and no estimate: their number is only bounded below, and sorting them all
    costs what they really are, so the walk in order is allowed more rows (WALK_ROWS_UNCOUNTED) than where the
    count is known. Both ways the page holds the same rows."""
    monkeypatch.setattr(paging, "EXACT_UP_TO", 10)
    monkeypatch.setattr(paging, "WALK_ROWS", 1000)  # page 3 of 20 over 303 listed: 61 × 303 > 1000 × 10
    items = public_items(None).search("许可")
    listed = public_items(None).count()
    walked = []

    def walk():
        walked.append(True)
        return items

    estimate = None if uncounted else (lambda: paging.EXACT_UP_TO + 1)  # counted: "about 11"
    page = list_page(items, 3, 20, at_most=listed, estimate=estimate, walk=walk)
    assert page.count_kind == (Count.MORE_THAN if uncounted else Count.ESTIMATE)
    assert walked == ([True] if uncounted else [])
    assert _row_codes(page) == _codes(Paginator(items, 20).page(3).object_list)
