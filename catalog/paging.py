"""Pages of the public list that cost about the same at 300 items and at 100,000.

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

EXACT_UP_TO = 1000


class Count(StrEnum):
    EXACT = "exact"
    ESTIMATE = "estimate"  # the planner's estimate, above EXACT_UP_TO
    MORE_THAN = "more_than"  # more than EXACT_UP_TO, no estimate to be had


@dataclass
class ListPage:
    """What the list template needs of a page; `count_kind` says what `count` is."""

    items: list[ApprovalItem]
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


def list_page(
    items: QuerySet[ApprovalItem],
    number: str | int | None,
    per_page: int,
    *,
    total: Callable[[], int | None] = lambda: None,
) -> ListPage:
    """The page `number` (1-based, out-of-range values clamped) of `items` in their own order.

    Two queries up to EXACT_UP_TO items. Beyond, `total()` may give the exact count cheaply (the
    unfiltered list: the cached summary); otherwise the planner's estimate is taken (one query), and
    one query reads the page.
    """
    number = _number(number)
    ordering = items.query.order_by
    probe = list(items.order_by().values_list("pk", flat=True)[: EXACT_UP_TO + 1])
    if len(probe) <= EXACT_UP_TO:
        pages = max(1, math.ceil(len(probe) / per_page))
        number = min(number, pages)
        start = (number - 1) * per_page
        # Ordered by the database, as the list is, from the ids alone: the search is not repeated.
        rows = ApprovalItem.objects.filter(pk__in=probe).select_related(*_related(items))
        rows = rows.order_by(*ordering) if ordering else rows
        page = list(rows[start : start + per_page])
        return ListPage(page, number, per_page, len(probe), Count.EXACT, number < pages)
    count, kind = total(), Count.EXACT
    if count is None:
        count, kind = estimated_count(items) or 0, Count.ESTIMATE
        if count <= EXACT_UP_TO:
            count, kind = EXACT_UP_TO, Count.MORE_THAN
    else:
        number = min(number, max(1, math.ceil(count / per_page)))
    start = (number - 1) * per_page
    page = list(items[start : start + per_page + 1])  # one more row tells whether a next page exists
    return ListPage(page[:per_page], number, per_page, count, kind, len(page) > per_page)


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


def _number(value: str | int | None) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


def _related(items: QuerySet) -> list[str]:
    related = items.query.select_related
    if not isinstance(related, dict):
        return []
    names: list[str] = []

    def walk(tree: dict, prefix: str) -> None:
        for name, sub in tree.items():
            names.append(prefix + name)
            walk(sub, prefix + name + "__")

    walk(related, "")
    return names
