"""Reads for the public pages and the API: one function per question, a fixed number of queries each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from approvals import offices, queries, register_version
from approvals.models import (
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemStatus,
    ItemType,
    Jurisdiction,
    Transfer,
)
from catalog.models import Edition, Entry

# The cached reads below are keyed by the register's version (public/caching.py): a clerk's change is a new
# key, read afresh on the next request. The time only bounds how long an old version's entry takes space.
CHOICES_SECONDS = 300
ALL = "all"  # the jurisdiction parameter's value for every jurisdiction at once


def default_jurisdiction() -> Jurisdiction:
    """The jurisdiction the public pages show unless asked for another."""
    jurisdiction = jurisdiction_by_code(settings.DEFAULT_JURISDICTION)
    if jurisdiction is None:
        raise Jurisdiction.DoesNotExist(settings.DEFAULT_JURISDICTION)
    return jurisdiction


def jurisdiction_asked(code: str) -> tuple[Jurisdiction | None, bool]:
    """The jurisdiction a list's `jurisdiction` parameter asks for, and whether its value was ignored.

    None for every jurisdiction (`ALL`); the default one when the value is empty or unknown, and
    then the flag says whether an unknown value was ignored.
    """
    if code == ALL:
        return None, False
    if code:
        found = jurisdiction_by_code(code)
        if found is not None:
            return found, False
    return default_jurisdiction(), bool(code)


def jurisdiction_by_code(code: str) -> Jurisdiction | None:
    """The jurisdiction of that code, or None; cached until the register changes."""
    if not re.fullmatch(r"[\w-]{1,40}", code):
        return None
    key = f"catalog:jurisdiction:{register_version.of_request().tag}:{code}"
    found = cache.get(key)
    if found is None:
        found = Jurisdiction.objects.registers().filter(code=code).first() or False  # False: cached "no such code"
        cache.set(key, found, CHOICES_SECONDS)
    return found or None


def register_items(jurisdiction: Jurisdiction | None) -> QuerySet[ApprovalItem]:
    """Every item of the jurisdiction's register (None: of every register), in catalogue order.

    Section (一) before section (二), then by code (the order items were registered, which for the
    official items is the order of the 2022 tables). `public.filters.ItemFilter` chooses from them.
    """
    items = ApprovalItem.objects.all()
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
    return items.order_by("status", "code")


def public_items(jurisdiction: Jurisdiction | None) -> QuerySet[ApprovalItem]:
    """The main items the public catalogue lists (`ApprovalItemQuerySet.listed`), in catalogue order."""
    return register_items(jurisdiction).listed()


def latest_editions() -> dict[int | None, int]:
    """{jurisdiction id: its latest published edition id, None: the latest of all}; one query a version.

    Latest as `EditionQuerySet.latest_published` says: the last in publication order.
    """
    key = f"catalog:latest-editions:{register_version.of_request().tag}"
    editions = cache.get(key)
    if editions is None:
        editions = {}
        for jurisdiction_id, edition_id in Edition.objects.in_publication_order().values_list("jurisdiction_id", "pk"):
            editions[jurisdiction_id] = editions[None] = edition_id
        cache.set(key, editions, CHOICES_SECONDS)
    return editions


def editions_newest_first() -> list[Edition]:
    """The published editions by jurisdiction, the newest first, each with `previous_edition` (one query)."""
    editions = Edition.objects.select_related("document", "jurisdiction").with_previous()
    editions.reverse()
    # A stable sort: within a jurisdiction the editions stay newest first.
    return sorted(editions, key=lambda edition: (edition.jurisdiction.position, edition.jurisdiction_id))


def labels(choices) -> dict[str, str]:
    """{value: label} of a model's choices, the lazy labels turned to text once."""
    return {value: str(label) for value, label in choices}


def latest_edition_ids() -> tuple[int, ...]:
    """The ids of every jurisdiction's latest published edition, sorted (`latest_editions`)."""
    return tuple(sorted(set(latest_editions().values())))


def edition_number(editions: tuple[int, ...] | None = None) -> Coalesce:
    """A main item's 序号 in the latest published edition of its jurisdiction; NULL where it is not listed.

    An expression for annotate() or values_list(): a page reads it with its rows. A main item that the
    edition prints through its sub-items takes their rows' 序号 (every row of a main item has the same).
    `editions`: the latest editions' ids as `latest_edition_ids` gives them, when the caller read them already.
    """
    editions = latest_edition_ids() if editions is None else editions
    listed = Entry.objects.filter(edition_id__in=editions, edition__jurisdiction_id=OuterRef("jurisdiction_id"))
    own = listed.filter(item_id=OuterRef("pk")).order_by().values("number")[:1]
    through_sub_item = listed.filter(item__parent_id=OuterRef("pk")).order_by().values("number")[:1]
    return Coalesce(Subquery(own), Subquery(through_sub_item))


@dataclass
class Summary:
    at_bureau: int
    returned: int
    rows_by_type: list[tuple[str, int]]  # section (一) rows per type: a main item's sub-items count one each


def summary(jurisdiction: Jurisdiction | None) -> Summary:
    """Counts for the top of the catalogue: one query, then cached until the register changes (a province has
    40,000 items)."""
    key = f"catalog:summary:{register_version.of_request().tag}:{jurisdiction.pk if jurisdiction else 'all'}"
    cached = cache.get(key)
    if cached is None:
        cached = _summary(jurisdiction)
        cache.set(key, cached, CHOICES_SECONDS)
    return cached


def _summary(jurisdiction: Jurisdiction | None) -> Summary:
    items = ApprovalItem.objects.all()
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
    mains = items.filter(parent__isnull=True).aggregate(
        at_bureau=Count("pk", filter=Q(status=ItemStatus.BUREAU)),
        returned=Count("pk", filter=Q(status=ItemStatus.RETURNED)),
    )
    # A table row per sub-item and per main item without sub-items. NOT EXISTS, which PostgreSQL joins as an
    # anti-join: NOT IN (parents) was hashed only while the parents' ids fit in work_mem, and beyond (200,000 of
    # them among 3,000,000 items) it scanned them once per item, for hours (issue 19 §1).
    children = ApprovalItem.objects.filter(parent_id=OuterRef("pk"))
    rows = items.filter(status=ItemStatus.BUREAU).exclude(Exists(children)).order_by()
    counts = dict(rows.values("item_type").annotate(n=Count("pk")).values_list("item_type", "n"))
    by_type = [(str(label), counts[value]) for value, label in ItemType.choices if counts.get(value)]
    return Summary(mains["at_bureau"], mains["returned"], sorted(by_type, key=lambda pair: -pair[1]))


def filter_choices(jurisdiction: Jurisdiction | None) -> dict:
    """The filter form's choices for a jurisdiction (None: all), cached until the register changes.

    `departments`, `batches` and `jurisdictions`: every value a filter accepts; `present`: for each
    choice filter (section, department, item_type, batch, base) the values that have listed items
    (`ApprovalItemQuerySet.listed`), the only ones the form offers, so that no option leads to an
    empty list. Four queries whatever the jurisdiction's size: the departments, the values of the
    listed items, the departments they carry, the jurisdictions.
    """
    key = f"catalog:choices:{register_version.of_request().tag}:{jurisdiction.pk if jurisdiction else 'all'}"
    choices = cache.get(key)
    if choices is None:
        listed = ApprovalItem.objects.listed()
        if jurisdiction is not None:
            listed = listed.filter(jurisdiction=jurisdiction)
        # Department slugs belong to one jurisdiction: across all of them there is no department filter.
        departments = Department.objects.filter(is_bureau=False)
        departments = departments.filter(jurisdiction=jurisdiction) if jurisdiction else departments.none()
        batches = queries.batch_choices()
        present = _present_values(listed, batches)
        carrying = ItemDepartment.objects.filter(item__in=listed.values("pk"), department__in=departments)
        present["department"] = set(carrying.order_by().values_list("department__slug", flat=True).distinct())
        choices = {
            "departments": list(departments.order_by("position", "pk").values_list("slug", "short_name")),
            "batches": batches,
            "present": present,
            "jurisdictions": list(
                Jurisdiction.objects.registers().order_by("position", "pk").values_list("code", "name")
            ),
        }
        cache.set(key, choices, CHOICES_SECONDS)
    return choices


def _present_values(listed: QuerySet[ApprovalItem], batches: list[tuple[str, str]]) -> dict[str, set[str]]:
    """{filter: its values that have items among `listed`} for section, item_type, base and batch, in one query.

    The combinations of the item's own columns are few (two sections, ten types, two answers); each batch
    is an EXISTS computed once for the query, not a join of every item's intake (a third of the time
    across a province's 80,000 listed items).
    """
    conditions = [queries.batch_condition(value) for value, _label in batches]
    probes = {f"batch_{i}": Exists(listed.filter(condition)) for i, condition in enumerate(conditions)}
    combinations = listed.annotate(**probes).order_by().values_list("status", "item_type", "in_base_catalogue", *probes)
    present: dict[str, set[str]] = {"section": set(), "item_type": set(), "base": set(), "batch": set()}
    for status, item_type, base, *found in combinations.distinct():
        present["section"].add("transferred" if status == ItemStatus.BUREAU else "returned")
        present["item_type"].add(item_type)
        present["base"].add("yes" if base else "no")
        present["batch"].update(value for (value, _label), there in zip(batches, found, strict=True) if there)
    return present


def item_pages() -> QuerySet[ApprovalItem]:
    """The items that have a public page (`ApprovalItemQuerySet.public`), with what their pages show.

    Everything the HTML page, the API detail and the JSON-LD show, in a handful of queries. Under an
    item only its public sub-items: the others' links would lead nowhere.
    """
    return offices.with_offices(
        ApprovalItem.objects.public()
        .select_related("jurisdiction", "parent", "intake__document")
        .prefetch_related(
            Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department")),
            Prefetch("transfers", queryset=Transfer.objects.select_related("document").order_by("sequence")),
            Prefetch("children", queryset=ApprovalItem.objects.public().order_by("position", "pk")),
        )
    )


@dataclass
class PrintedItem:
    """A main item's rows of a published edition, as the table prints them: 序号 and name merged down."""

    number: int
    main_name: str
    main_code: str
    rows: list[Entry]


def edition_page(edition: Edition, page_number, per_page: int):
    """A page of an edition's table, by main item (a main item's rows never straddle two pages).

    Returns the page (of (section, 序号) pairs) and, for each section on it, its number and its
    items (`PrintedItem`). Three queries whatever the page: the count, the page's pairs, its rows.
    """
    pairs = edition.entries.order_by("section", "number").values_list("section", "number").distinct()
    page = Paginator(pairs, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    if not page.object_list:
        return page, []
    (first_section, first_number), (last_section, last_number) = page.object_list[0], page.object_list[-1]
    if first_section == last_section:
        bounds = Q(section=first_section, number__gte=first_number, number__lte=last_number)
    else:
        bounds = Q(section=first_section, number__gte=first_number) | Q(section=last_section, number__lte=last_number)
    entries = edition.entries.filter(bounds).select_related("item__parent").order_by("section", "row")
    sections: dict[int, list[PrintedItem]] = {}
    for entry in entries:
        items = sections.setdefault(entry.section, [])
        if items and items[-1].number == entry.number:
            items[-1].rows.append(entry)
            continue
        main = entry.item.parent or entry.item
        items.append(PrintedItem(entry.number, entry.main_name, main.code, [entry]))
    return page, list(sections.items())
