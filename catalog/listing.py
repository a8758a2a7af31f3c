"""The public list: the page a request asks for, and its rows resolved for the template.

Rows: plain values for a template loop that only reads.

Django's template engine resolves each `item.x.y` by trying a dict key, an attribute and an
index in turn, and the list drew a reverse() per link: 20 rows took 10 ms of a 35 ms page at
100,000 items. Rows of plain dicts built here take a fraction of that.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import QueryDict
from django.urls import reverse

from approvals.models import ApprovalItem, Jurisdiction
from catalog.filters import ItemFilter
from catalog.paging import ListPage, estimated_count, list_page
from catalog.selectors import Summary

_MARK = "__code__"


def catalogue_page(
    data: QueryDict,
    filterset: ItemFilter,
    jurisdiction: Jurisdiction | None,
    summary: Summary,
    per_page: int,
    *,
    filtered: bool,
) -> ListPage:
    """The page of the filtered list that `data` asks for (see catalog/paging.py).

    Unfiltered, the count is the summary's (cached, exact). The planner's estimate is asked for the
    search's indexed candidates without the exact substring test, which it would count a second time.
    """
    listed = summary.at_bureau + summary.returned

    def total() -> int | None:
        return None if filtered else listed

    def estimate() -> int | None:
        term = filterset.form.cleaned_data.get("q") or ""
        others = data.copy()
        others.pop("q", None)
        unsearched = ItemFilter(others, queryset=filterset.queryset, jurisdiction=jurisdiction)
        return estimated_count(unsearched.qs.search_candidates(term))

    number = data.get("page")
    return list_page(filterset.qs, number, per_page, total=total, estimate=estimate, at_most=listed)


def _url_maker(name: str):
    """reverse(name, args=[x]) for any x, reversed once: a prefix and a suffix around the quoted value."""
    prefix, _mark, suffix = reverse(name, args=[_MARK]).partition(_MARK)
    return lambda value: f"{prefix}{quote(str(value), safe='')}{suffix}"


def list_rows(items: list[ApprovalItem]) -> list[dict]:
    """One dict per main item of `items` (as returned by `selectors.attach_rows`)."""
    item_url, department_url = _url_maker("catalog:item"), _url_maker("catalog:department")
    rows = []
    for item in items:
        departments = [
            (department_url(link.department.slug), link.department.short_name) for link in item.department_links.all()
        ]
        rows.append(
            {
                "number": item.number,
                "url": item_url(item.code),
                "name": item.name,
                "subs": [(item_url(sub.code), sub.name) for sub in item.children.all()],
                "type": item.type_label,
                "departments": departments,
                "source": item.source_text,
                "status": item.status,
                "status_label": item.status_label,
                "batch": item.batch_text(),
            }
        )
    return rows
