"""Pages of the public list and of the API's item list, counted one way for both.

The path of a request: the view (or the API's list) binds an `ItemFilter`; `catalogue_page` counts
and cuts the page of its items (`list_page`); `public.listing.load_rows` reads the page's rows.

Counting every match of a common two-character term across a province costs more than
the page itself (about 40 ms for the 19,879 main items of 100,000 that contain 许可), so a
list is counted exactly up to EXACT_UP_TO items and estimated beyond, and the page says
so. Up to that size the page is cut from the ids of all matches (found through the
search index, in no particular order); beyond it, the matches are so many that walking
the list in catalogue order finds a page of them after a few rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db import connection
from django.db.models import QuerySet

from approvals.models import ApprovalItem
from approvals.search import term_key
from public.filters import ItemFilter
from public.listing import load_rows
from public.selectors import summary

EXACT_UP_TO = 1000
# An estimate this far above EXACT_UP_TO is not worth checking: the matches are too many to count cheaply.
TRUST_ESTIMATE_ABOVE = 4 * EXACT_UP_TO
# Rows a page may read walking the list in order before sorting every match is cheaper (about 2 µs a row
# against 4 µs a match at 100,000 items).
WALK_ROWS = 4000
# The same where the matches were not counted (more than EXACT_UP_TO, no estimate: a term of several character
# pairs): the walk's bound then takes EXACT_UP_TO for their number, the least there can be, while sorting them all
# costs what they really are (19,879 matches of xuke: 22 ms for page 3, against 1.5 ms walking its 282 rows), and
# grows with the register. So the walk is allowed four times the rows: at most 16,000 (about 30 ms) in the worst case
# of exactly EXACT_UP_TO matches bunched at the end of the list.
WALK_ROWS_UNCOUNTED = 4 * WALK_ROWS
# A term of several pairs in a list this long is counted from a sample of the table (`sampled_count`) of about
# SAMPLE_ROWS rows, trusted when SAMPLE_HITS of them match: finding the matches through the index reads the
# postings of every one (the probe of the first 1,001 matches of 建设工程 across 1,000,000 items: 36 ms, the
# page sorting its 28,118 matches: 263 ms; bench/RESULTS.md, issue 19 §1).
SAMPLE_FROM = 200_000
SAMPLE_ROWS = 3000
SAMPLE_HITS = 20


class Count(StrEnum):
    EXACT = "exact"
    ESTIMATE = "estimate"  # the planner's estimate, above EXACT_UP_TO
    MORE_THAN = "more_than"  # more than EXACT_UP_TO, no estimate to be had


@dataclass
class ListPage:
    """What the list template and the API need of a page; `count_kind` says what `count` is.

    `items` are the rows of `public.listing.load_rows`, in the list's order.
    """

    items: list[dict]
    number: int
    per_page: int
    count: int
    count_kind: Count
    has_next: bool

    @property
    def estimated(self) -> bool:
        return self.count_kind != Count.EXACT

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """Known only when the count is exact."""
        return None if self.estimated else max(1, math.ceil(self.count / self.per_page))

    def page_range(self, around: int = 2) -> list[int | None]:
        """The page numbers the list links to, None for a gap: 1 … 4 5 [6] 7 8 … 16.

        The first page, `around` pages either side of this one and the last. Without an exact count
        there is no last page to promise: the range ends at the next page, the one page known to
        exist, and the gap after it stands for the pages not counted. A gap of one page shows it.
        """
        last = self.num_pages
        known = last if last is not None else self.number + 1 if self.has_next else self.number
        shown = sorted({1, known, *range(max(1, self.number - around), min(known, self.number + around) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - numbers[-1] == 2:
                numbers.append(number - 1)
            elif numbers and number - numbers[-1] > 2:
                numbers.append(None)
            numbers.append(number)
        if last is None and self.has_next:
            numbers.append(None)
        return numbers


def catalogue_page(filterset: ItemFilter, number: str | int | None, per_page: int) -> ListPage:
    """The page `number` of the items `filterset` chooses: the catalogue's list and the API's item list.

    Nothing chosen, the count is the summary's (cached, exact). Chosen by filters or a search, the list
    is at most the jurisdiction's listed items, or its section's (`at_most`), and early pages of many matches walk the
    list in order. The planner's estimate is asked for the search's indexed candidates without the
    exact substring test, which it would count a second time; for a term of several character pairs
    it multiplies their frequencies as if independent and expects too few to trust (`estimated_count`),
    so the probe counts instead. The register on another day (`on`) is not bounded by today's list.
    """
    counts = summary(filterset.jurisdiction)
    listed = counts.at_bureau + counts.returned
    chosen = bool(filterset.active())
    on = filterset.form.cleaned_data.get("on")
    # A section is a part of the list whose size the summary knows: a tighter bound for the walk and the sample.
    section = {"transferred": counts.at_bureau, "returned": counts.returned}.get(
        filterset.form.cleaned_data.get("section")
    )
    bound = listed if section is None else section
    term = term_key(filterset.form.cleaned_data.get("q") or "")

    def estimate() -> int | None:
        if len(term) <= 2:
            return estimated_count(filterset.search_candidates())
        return sampled_count(filterset.walked(), bound) if bound >= SAMPLE_FROM and not on else None

    return list_page(
        filterset.qs,
        number,
        per_page,
        total=None if chosen else listed,
        estimate=estimate,
        at_most=None if on else bound,
        walk=filterset.walked if chosen else None,
    )


def list_page(
    items: QuerySet[ApprovalItem],
    number: str | int | None,
    per_page: int,
    *,
    total: int | None = None,
    estimate: Callable[[], int | None] | None = None,
    at_most: int | None = None,
    walk: Callable[[], QuerySet[ApprovalItem]] | None = None,
) -> ListPage:
    """The page `number` (1-based; out of range: the last page when the count is exact) of `items`.

    At most five queries:
    - `total`, the exact count when the caller knows it at no cost (the unfiltered list: the summary);
    - else, on PostgreSQL, the planner's estimate (`estimate()`, by default `estimated_count(items)`):
      far above EXACT_UP_TO, it is the count shown;
    - else the ids of up to EXACT_UP_TO + 1 matches: up to EXACT_UP_TO they are the exact count
      and the page is cut from them; beyond, the count is the estimate or "more than";
    then `load_rows` reads the page's rows (three queries). `at_most`, a bound on the count (the
    unfiltered list's size), spares the estimate where the ids cannot be too many (a city's 300 items).

    `walk()`: the same items without the search index's condition. Where the matches are many and
    the page early, its ids are found by walking the list in order (`at_most` / `count` rows a
    match) instead of sorting every match found through the index: 2 ms instead of 9 for the
    first page of the 2,983 matches of 建设工程 across a province.
    """
    number = _number(number)
    ordering = list(items.query.order_by) or list(ApprovalItem._meta.ordering)
    if not all(isinstance(name, str) and name.isidentifier() for name in ordering):
        raise ValueError(f"list_page sorts by plain ascending fields, not {ordering!r}")
    count, kind = total, Count.EXACT
    if count is None:
        small = at_most is not None and at_most <= EXACT_UP_TO
        estimate = None if small else estimate() if estimate is not None else estimated_count(items)
        if estimate is not None and estimate > TRUST_ESTIMATE_ABOVE:
            count, kind = estimate, Count.ESTIMATE
        else:
            probe = list(items.order_by().values_list("pk", *ordering)[: EXACT_UP_TO + 1])
            if len(probe) <= EXACT_UP_TO:
                return _cut(probe, number, per_page)
            count, kind = (
                (estimate, Count.ESTIMATE) if (estimate or 0) > EXACT_UP_TO else (EXACT_UP_TO, Count.MORE_THAN)
            )
    if kind == Count.EXACT:
        number = min(number, max(1, math.ceil(count / per_page)))
    start = (number - 1) * per_page
    budget = WALK_ROWS_UNCOUNTED if kind == Count.MORE_THAN else WALK_ROWS
    if walk is not None and at_most and (start + per_page + 1) * at_most <= budget * count:
        # The index's condition left out: the planner, which estimates a term of several pairs
        # from their frequencies as if independent, would otherwise expect a handful of matches
        # and sort them all; without it, it estimates the substring test from its statistics.
        items = walk()
    # The page's ids first, in a subquery, and only then their related rows: the planner, expecting
    # few matches for a term of several pairs, would otherwise join all 2,983 matches of 建设工程
    # before sorting (48 ms instead of 6). One more row tells whether a next page exists.
    ids = items.values("pk")[start : start + per_page + 1]
    page = list(load_rows(ids, ordering).values())
    return ListPage(page[:per_page], number, per_page, count, kind, len(page) > per_page)


def _cut(probe: list[tuple], number: int, per_page: int) -> ListPage:
    """The page from the (pk, *ordering) rows of every match: the count is exact."""
    pages = max(1, math.ceil(len(probe) / per_page))
    number = min(number, pages)
    start = (number - 1) * per_page
    # Sorted here: asked to sort a few ids, PostgreSQL may walk the whole list's index for them
    # (20 ms for one county's 780 items). The list sorts by status and code, plain ASCII, which
    # Python orders as the database does (tests compare the pages with the database's).
    probe.sort(key=lambda row: row[1:])
    ids = [row[0] for row in probe[start : start + per_page]]
    found = load_rows(ids, None)
    return ListPage([found[pk] for pk in ids if pk in found], number, per_page, len(probe), Count.EXACT, number < pages)


def estimated_count(items: QuerySet[ApprovalItem]) -> int | None:
    """How many rows the planner expects `items` to have (PostgreSQL); None where no planner tells.

    Good for one or two characters and for filters (migration 0006 gives the planner statistics
    of the character pairs); for a longer term it multiplies its pairs' frequencies as if they were
    independent and expects too few (3 for 危险货物 where 2,214 match), so a caller that knows there
    are more than EXACT_UP_TO says "more than" instead.
    """
    if connection.vendor != "postgresql":
        return None
    sql, params = items.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        value = cursor.fetchone()[0]
    return int((json.loads(value) if isinstance(value, str) else value)[0]["Plan"]["Plan Rows"])


def sampled_count(items: QuerySet[ApprovalItem], rows: int) -> int | None:
    """How many rows `items` has, counted in a sample of the table's pages (PostgreSQL's TABLESAMPLE SYSTEM) of
    about SAMPLE_ROWS of its `rows` rows; None with fewer than SAMPLE_HITS matches in it (too few to tell) or
    where no sample is to be had.

    For a long term across a nation's register, where the planner's estimate multiplies the pairs' frequencies
    as if independent: a few milliseconds whatever the register's size. `items` must carry no condition of the
    search index (a sampled row is tested by its conditions one by one: the index's function costs 0.1 ms a row).
    The sample is the same for every request (REPEATABLE), so a page and the next count alike.
    """
    if connection.vendor != "postgresql" or rows <= 0:
        return None
    percent = min(100.0, 100.0 * SAMPLE_ROWS / rows)
    sql, params = items.order_by().values("pk").query.sql_with_params()
    table = connection.ops.quote_name(ApprovalItem._meta.db_table)
    sampled = sql.replace(f"FROM {table}", f"FROM {table} TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (19)", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sampled}) sampled", params)
        hits = cursor.fetchone()[0]
    return round(hits * 100.0 / percent) if hits >= SAMPLE_HITS else None


def _number(value: str | int | None) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1
