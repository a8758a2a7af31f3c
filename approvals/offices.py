"""Where a citizen goes for an item: the one answer the item page, the API and the JSON-LD give (issue 20)."""

from __future__ import annotations

from django.db.models import FilteredRelation, Prefetch, Q, QuerySet

from approvals.models import ApprovalItem, Department, Jurisdiction
from approvals.vocabulary import ItemStatus

# The contact details of a department, in the order the item page lists them.
CONTACT_FIELDS = ("address", "phone", "office_hours", "website")
# Where `with_offices` leaves a jurisdiction's `is_bureau` departments, in register order (the first counts).
_BUREAUS = "bureau_offices"
_ORDER = ("position", "id")  # a jurisdiction's bureaus in register order


def with_offices(items: QuerySet[ApprovalItem]) -> QuerySet[ApprovalItem]:
    """`items` with the bureau of each one's jurisdiction prefetched, for `handling_offices`.

    The item's own departments are `department_links__department`, which every page of an item
    prefetches already (public.selectors.item_pages).
    """
    bureaus = Department.objects.filter(is_bureau=True).order_by(*_ORDER)
    return items.prefetch_related(Prefetch("jurisdiction__departments", queryset=bureaus, to_attr=_BUREAUS))


def with_bureau(items: QuerySet[ApprovalItem], name: str) -> QuerySet[ApprovalItem]:
    """`items` joined to their jurisdiction's `is_bureau` departments as `name` (`name__phone`…), in register
    order: an item's first row holds its bureau (`bureau_of`), or NULLs. For a query of one item, where
    `with_offices` would cost a query of its own; `give_bureau` hands the row's department to `bureau_of`."""
    condition = Q(jurisdiction__departments__is_bureau=True)
    joined = items.annotate(**{name: FilteredRelation("jurisdiction__departments", condition=condition)})
    return joined.order_by(*(f"{name}__{field}" for field in _ORDER))


def give_bureau(jurisdiction: Jurisdiction, bureau: Department | None) -> None:
    """`bureau_of(jurisdiction)` is `bureau` (read by `with_bureau`), without a query."""
    setattr(jurisdiction, _BUREAUS, [bureau] if bureau is not None else [])


def bureau_of(jurisdiction: Jurisdiction) -> Department | None:
    """The jurisdiction's 行政审批服务管理局 (its `is_bureau` department), or None if the register has none."""
    prefetched = getattr(jurisdiction, _BUREAUS, None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return jurisdiction.departments.filter(is_bureau=True).order_by("position", "pk").first()


def handling_offices(item: ApprovalItem) -> list[Department]:
    """The offices that handle the item now: where a citizen applies, calls and asks.

    While the bureau carries the item out (由审批服务管理局实施) it is the bureau's hall of the item's
    jurisdiction. Not yet transferred or returned, it is the item's own departments, in the table's order
    (item 60 has two). Cancelled or devolved, no office of this register handles it: an empty list. Empty too
    when the register names no such department (a jurisdiction without a bureau): the page then says so
    rather than send the citizen to the wrong door.
    """
    source = handling_source(item.status)
    if source == BUREAU:
        bureau = bureau_of(item.jurisdiction)
        return [bureau] if bureau else []
    if source == OWN_DEPARTMENTS:
        return [link.department for link in item.department_links.all()]
    return []


BUREAU, OWN_DEPARTMENTS = "bureau", "departments"


def handling_source(status: str) -> str | None:
    """Who handles an item of this status: its jurisdiction's BUREAU, its OWN_DEPARTMENTS, or None (cancelled,
    devolved). The rule of `handling_offices`, for a caller that holds rows rather than items (the lists)."""
    if status == ItemStatus.BUREAU:
        return BUREAU
    if status in (ItemStatus.PENDING, ItemStatus.RETURNED):
        return OWN_DEPARTMENTS
    return None
