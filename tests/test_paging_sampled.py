"""A long term across a nation's register is counted from a sample of the table, and its early pages walk the list."""

import pytest
from django.core.paginator import Paginator

from approvals.models import ApprovalItem
from public import paging
from public.filters import ItemFilter
from public.paging import Count
from public.selectors import public_items

pytestmark = pytest.mark.django_db

TERM = "经营许可"  # more than two characters: no planner's estimate; 11 listed main items of the official data


def _all(params: dict) -> ItemFilter:
    return ItemFilter({**params, "jurisdiction": "all"}, queryset=public_items(None), jurisdiction=None)


def test_a_sample_of_the_whole_table_counts_every_match_and_too_few_matches_tell_nothing(postgres, monkeypatch):
    filterset = _all({"q": TERM})
    matches = filterset.qs.count()
    assert matches > 5
    monkeypatch.setattr(paging, "SAMPLE_ROWS", 10**9)  # 100 % of the pages
    monkeypatch.setattr(paging, "SAMPLE_HITS", matches)
    assert paging.sampled_count(filterset.walked(), ApprovalItem.objects.count()) == matches
    monkeypatch.setattr(paging, "SAMPLE_HITS", matches + 1)
    assert paging.sampled_count(filterset.walked(), ApprovalItem.objects.count()) is None


def test_no_sample_is_taken_on_sqlite(db):
    if paging.connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    filterset = _all({"q": TERM})
    assert filterset.qs.exists()
    assert paging.sampled_count(filterset.walked(), 10**6) is None


@pytest.mark.parametrize("params", [{"q": TERM}, {"q": TERM, "section": "transferred"}])
def test_a_long_term_across_a_large_list_shows_the_sampled_count_and_the_rows_of_a_plain_paginator(
    postgres, client, monkeypatch, django_assert_max_num_queries, params
):
    monkeypatch.setattr(paging, "SAMPLE_FROM", 1)  # the official data stands for a nation's register
    monkeypatch.setattr(paging, "EXACT_UP_TO", 5)
    monkeypatch.setattr(paging, "SAMPLE_ROWS", 10**9)
    monkeypatch.setattr(paging, "SAMPLE_HITS", 1)
    monkeypatch.setattr(paging, "TRUST_ESTIMATE_ABOVE", 0)
    reference = Paginator(_all(params).qs, 10)  # the least a page shows
    assert reference.count > 0
    client.get("/", {"jurisdiction": "all", "q": "许可"})  # the caches a running server has warm
    for number in reference.page_range:
        # The version, the sample, the page's rows (three): no probe of the matches through the index.
        with django_assert_max_num_queries(5):
            response = client.get("/", {**params, "jurisdiction": "all", "per_page": 10, "page": number})
        page = response.context["page"]
        assert (page.count_kind, page.count) == (Count.ESTIMATE, reference.count)
        assert [row["code"] for row in response.context["rows"]] == [
            item.code for item in reference.page(number).object_list
        ]


@pytest.mark.parametrize("section", ["", "transferred", "returned"])
def test_a_section_is_sampled_and_walked_as_a_list_of_its_own_size(client, monkeypatch, section):
    """Returned items are a tenth of a register: sampled as a tenth of the list, they would show too few matches."""
    from public.selectors import summary

    monkeypatch.setattr(paging, "SAMPLE_FROM", 1)
    monkeypatch.setattr(paging, "EXACT_UP_TO", 5)  # not a list too short to need counting
    sizes = []
    monkeypatch.setattr(paging, "sampled_count", lambda items, rows: sizes.append(rows))
    assert client.get("/", {"jurisdiction": "all", "q": TERM, "section": section}).status_code == 200
    counts = summary(None)
    expected = {"": counts.at_bureau + counts.returned, "transferred": counts.at_bureau, "returned": counts.returned}
    assert sizes == [expected[section]] and counts.returned < counts.at_bureau
