"""Reads for the public pages and the API: one function per question, a fixed number of queries each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery

from approvals.models import (
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemStatus,
    ItemType,
    Jurisdiction,
    PolicyDocument,
)
from catalog.models import Edition, Entry

PUBLIC_STATUSES = (ItemStatus.BUREAU, ItemStatus.RETURNED)
CHOICES_SECONDS = 300  # filter choices change when a clerk adds a department or a document: rarely


def default_jurisdiction() -> Jurisdiction:
    """The jurisdiction the public pages show unless asked for another (cached: it never changes)."""
    key = f"catalog:jurisdiction:{settings.DEFAULT_JURISDICTION}"
    jurisdiction = cache.get(key)
    if jurisdiction is None:
        jurisdiction = Jurisdiction.objects.get(code=settings.DEFAULT_JURISDICTION)
        cache.set(key, jurisdiction, 300)
    return jurisdiction


def public_items(jurisdiction: Jurisdiction | None) -> QuerySet[ApprovalItem]:
    """The main items the public catalogue lists: at the bureau or returned to their department.

    Each carries `number`: its 序号 in the latest published edition of its jurisdiction, when listed there.
    """
    items = ApprovalItem.objects.main_items().filter(status__in=PUBLIC_STATUSES)
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
    edition = latest_edition_id(jurisdiction)
    number = Entry.objects.filter(edition_id=edition).filter(
        Q(item_id=OuterRef("pk")) | Q(item__parent_id=OuterRef("pk"))
    )
    return items.select_related("intake__document", "jurisdiction").annotate(
        number=Subquery(number.values("number")[:1], output_field=IntegerField())
    )


def latest_edition_id(jurisdiction: Jurisdiction | None) -> int | None:
    key = f"catalog:latest-edition:{jurisdiction.pk if jurisdiction else 'all'}"
    edition_id = cache.get(key)
    if edition_id is None:
        edition = Edition.objects.latest_published(jurisdiction)
        edition_id = edition.pk if edition else 0
        cache.set(key, edition_id, 60)
    return edition_id or None


def attach_rows(items: list[ApprovalItem]) -> list[ApprovalItem]:
    """Load the sub-items and every department of a page of main items: two queries whatever the page size."""
    ids = [item.pk for item in items]
    children = defaultdict(list)
    if ids:
        for child in ApprovalItem.objects.filter(parent_id__in=ids).order_by("position", "pk"):
            children[child.parent_id].append(child)
    everyone = items + [child for group in children.values() for child in group]
    links = defaultdict(list)
    if everyone:
        for link in ItemDepartment.objects.filter(item_id__in=[i.pk for i in everyone]).select_related("department"):
            links[link.item_id].append(link)
    for item in everyone:
        item._prefetched_objects_cache = {
            **getattr(item, "_prefetched_objects_cache", {}),
            "department_links": sorted(links[item.pk], key=lambda link: link.position),
        }
    for item in items:
        item._prefetched_objects_cache["children"] = children[item.pk]
    return items


@dataclass
class Summary:
    at_bureau: int
    returned: int
    rows_by_type: list[tuple[str, int]]  # section (一) rows per type: a main item's sub-items count one each


def summary(jurisdiction: Jurisdiction | None) -> Summary:
    """Counts for the top of the catalogue: one query, then cached for a minute (a province has 40,000 items)."""
    key = f"catalog:summary:{jurisdiction.pk if jurisdiction else 'all'}"
    cached = cache.get(key)
    if cached is None:
        cached = _summary(jurisdiction)
        cache.set(key, cached, 60)
    return cached


def _summary(jurisdiction: Jurisdiction | None) -> Summary:
    items = ApprovalItem.objects.all()
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
    has_children = Exists(ApprovalItem.objects.filter(parent_id=OuterRef("pk")))
    row = Q(status=ItemStatus.BUREAU) & (Q(parent__isnull=False) | Q(has_children=False))
    aggregates = {
        "at_bureau": Count("pk", filter=Q(status=ItemStatus.BUREAU, parent__isnull=True)),
        "returned": Count("pk", filter=Q(status=ItemStatus.RETURNED, parent__isnull=True)),
        **{f"type_{value}": Count("pk", filter=row & Q(item_type=value)) for value in ItemType.values},
    }
    values = items.annotate(has_children=has_children).aggregate(**aggregates)
    by_type = [(str(label), values[f"type_{value}"]) for value, label in ItemType.choices if values[f"type_{value}"]]
    return Summary(values["at_bureau"], values["returned"], sorted(by_type, key=lambda pair: -pair[1]))


def filter_choices(jurisdiction: Jurisdiction | None) -> dict:
    """Departments, transfer batches and jurisdictions for the filter form, cached for a few minutes."""
    key = f"catalog:choices:{jurisdiction.pk if jurisdiction else 'all'}"
    choices = cache.get(key)
    if choices is None:
        # Department slugs belong to one jurisdiction: across all of them there is no department filter.
        departments = Department.objects.filter(is_bureau=False)
        departments = departments.filter(jurisdiction=jurisdiction) if jurisdiction else departments.none()
        choices = {
            "departments": list(departments.order_by("position", "pk").values_list("slug", "short_name")),
            "batches": batch_choices(),
            "jurisdictions": list(Jurisdiction.objects.order_by("position", "pk").values_list("code", "name")),
        }
        cache.set(key, choices, CHOICES_SECONDS)
    return choices


def batch_choices() -> list[tuple[str, str]]:
    """Stable filter values for the transfer batches: first, second, … by date, and accepted (承接)."""
    # Unknown dates count as the oldest, on every database (PostgreSQL would sort NULL last).
    documents = PolicyDocument.objects.exclude(batch_label="").order_by(F("issued_on").asc(nulls_first=True), "number")
    slugs = ["first", "second", "third", "fourth", "fifth"]
    choices = [(slugs[i] if i < len(slugs) else f"batch{i + 1}", d.batch_label) for i, d in enumerate(documents)]
    return [*choices, ("accepted", "承接")]


def batch_filter(value: str) -> Q | None:
    """The condition of the batch filter value, or None if the value is unknown."""
    if value == "accepted":
        return Q(intake__kind="accept")
    labels = dict(batch_choices())
    if value not in labels:
        return None
    return Q(intake__kind="transfer", intake__document__batch_label=labels[value])


def item_detail(code: str) -> ApprovalItem | None:
    """An item with everything its page shows, in a handful of queries."""
    from django.db.models import Prefetch

    from approvals.models import Transfer

    item = (
        ApprovalItem.objects.select_related("jurisdiction", "parent", "intake__document")
        .prefetch_related(
            Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department")),
            Prefetch("transfers", queryset=Transfer.objects.select_related("document").order_by("sequence")),
            Prefetch("children", queryset=ApprovalItem.objects.order_by("position", "pk")),
        )
        .filter(code=code, status__in=[*PUBLIC_STATUSES, ItemStatus.CANCELLED, ItemStatus.DEVOLVED])
        .first()
    )
    return item


def editions_listing(item: ApprovalItem) -> list[tuple[Edition, Iterable[Entry]]]:
    """The published editions that print the item (or one of its sub-items), with their rows."""
    rows = (
        Entry.objects.filter(Q(item=item) | Q(item__parent=item), edition__status=Edition.Status.PUBLISHED)
        .select_related("edition")
        .order_by("-edition__published_on", "section", "row")
    )
    grouped: dict[int, tuple[Edition, list[Entry]]] = {}
    for entry in rows:
        grouped.setdefault(entry.edition_id, (entry.edition, []))[1].append(entry)
    return list(grouped.values())
