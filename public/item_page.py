"""The item page's reads: the item, its departments, its events, its sub-items and the editions that print them.

Django built and compiled the page's six queries afresh on every request (the item with its jurisdiction, parent
and intake, four prefetches, the editions' rows): about 8 of the 12 ms of CPU an uncached page took at 100,000
items on PostgreSQL (bench/item_page.py), where running them took a fraction. Here each query is compiled once
per process (public/prepared.py) and run with the page's code or ids; its rows become model instances through
`Model.from_db`, as Django's own iteration makes them, and the relations are attached where select_related and
prefetch_related put them. So the template, approvals.offices and approvals.item_codes read the item as before,
without a query. The jurisdiction's bureau is joined to the item's row (`offices.with_bureau`). On PostgreSQL the
five are prepared statements, planned once per connection (planning them took 2 ms of the server's time a page).

The rules are the ORM's: the item and its sub-items are `ApprovalItemQuerySet.public()`, as on the API and the
JSON-LD (public.selectors.item_pages). A related row is read with the fields the page shows only (the parent's
code and name, an edition's slug and title…): any other field of it would be read by a query of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import models
from django.http import Http404
from django.urls import get_script_prefix
from django.utils.translation import get_language, gettext_lazy

from approvals import offices
from approvals.models import ApprovalItem, Department, ItemDepartment, Jurisdiction, PolicyDocument, Transfer
from approvals.vocabulary import ItemStatus, ItemType
from catalog.models import Edition, Entry, publication_order
from public.listing import url_maker
from public.prepared import Prepared, prepare


def _fields(model: type[models.Model], only: Iterable[str] | None = None, leave_out: Iterable[str] = ()) -> tuple:
    """The model's column names (attnames) in its fields' order, which `from_db` expects: all, or `only` these."""
    wanted = None if only is None else set(only)
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if (wanted is None or field.attname in wanted) and field.attname not in leave_out
    )


# The search key and the pinyin are long and shown nowhere.
_ITEM = _fields(ApprovalItem, leave_out={"search_text", "name_pinyin"})
_JURISDICTION = _fields(Jurisdiction)
_PARENT = _fields(ApprovalItem, only={"id", "code", "name"})  # the crumbs and 所属主项
_INTAKE = _fields(Transfer, only={"id", "kind", "document_id"})  # 划转情况 (Transfer.batch_label)
_INTAKE_DOCUMENT = _fields(PolicyDocument, only={"id", "batch_label"})
_LINK = _fields(ItemDepartment)
_DEPARTMENT = _fields(Department)
_TRANSFER = _fields(Transfer)
_DOCUMENT = _fields(PolicyDocument)
_CHILD = _fields(ApprovalItem, only={"id", "jurisdiction_id", "code", "parent_id", "position", "name", "status"})
_ENTRY = _fields(Entry, only={"id", "edition_id", "section", "row", "number", "item_id"})
_EDITION = _fields(Edition, only={"id", "slug", "title"})
_BUREAU = "page_bureau"  # the jurisdiction's bureau, joined to the item's row (offices.with_bureau)


def _related(prefix: str, names: tuple) -> list[str]:
    return [f"{prefix}__{name}" for name in names]


@functools.lru_cache(maxsize=8)
def _statement(kind: str, alias: str) -> Prepared:
    """The compiled SQL of one of the page's queries; `kind` names it."""
    if kind == "item":

        def build(code):
            columns = [*_ITEM, *_related("jurisdiction", _JURISDICTION), *_related("parent", _PARENT)]
            columns += [*_related("intake", _INTAKE), *_related("intake__document", _INTAKE_DOCUMENT)]
            columns += _related(_BUREAU, _DEPARTMENT)
            items = offices.with_bureau(ApprovalItem.objects.public().filter(code=code), _BUREAU)
            return items.values_list(*columns)[:1]  # a jurisdiction with two bureaus: the first

    elif kind == "departments":
        # Not the model's ordering ("item", "position"), which joins the item for its code: one item's links.
        def build(ids):
            links = ItemDepartment.objects.filter(item_id__in=ids).order_by("position", "pk")
            return links.values_list(*_LINK, *_related("department", _DEPARTMENT))

    elif kind == "transfers":

        def build(ids):
            events = Transfer.objects.filter(item_id__in=ids).order_by("sequence")
            return events.values_list(*_TRANSFER, *_related("document", _DOCUMENT))

    elif kind == "children":

        def build(ids):
            children = ApprovalItem.objects.public().filter(parent_id__in=ids).order_by("position", "pk")
            return children.values_list(*_CHILD)

    else:
        # item_id IN (the item and its sub-items) uses the (item, edition) index; "item = x OR item.parent = x"
        # made PostgreSQL scan every entry (340 ms at 100,000 items).
        def build(ids):
            rows = Entry.objects.filter(item_id__in=ids, edition__status=Edition.Status.PUBLISHED)
            rows = rows.order_by(*publication_order("edition__", newest_first=True), "section", "row")
            return rows.values_list(*_ENTRY, *_related("edition", _EDITION))

    return prepare(alias, build, server_prepared=True)  # one plan per connection: each is a lookup by key


def _split(row: tuple, *widths: int) -> list[tuple]:
    parts, start = [], 0
    for width in widths:
        parts.append(row[start : start + width])
        start += width
    return parts


@functools.lru_cache(maxsize=16)
def _labels(choices: type[models.Choices], language: str | None) -> dict:
    """{value: label} of `choices` in `language`. A get_FOO_display() hashes every label of its field's choices,
    translating each, on every call: 40 translations of an item page, where each label is translated once here."""
    return {value: str(label) for value, label in choices.choices}


def _label(choices: type[models.Choices], value):
    """What get_FOO_display() gives for `value` (the value itself when it is not among the choices)."""
    return _labels(choices, get_language()).get(value, value)


@functools.lru_cache(maxsize=16)
def _url_maker(name: str, script_prefix: str):
    """`listing.url_maker(name)` under `script_prefix` (the one the request's reverse() would use), made once."""
    return url_maker(name)


def _urls(name: str):
    return _url_maker(name, get_script_prefix())


def _attach(instance: models.Model, field: str, related: models.Model | None) -> None:
    """`instance.<field>` is `related` without a query, as select_related leaves it."""
    type(instance)._meta.get_field(field).set_cached_value(instance, related)


def item_page(code: str) -> ApprovalItem | None:
    """The public item of that code (`ApprovalItemQuerySet.public`) with what its page shows, or None.

    Its jurisdiction (with its bureau for `offices.handling_offices`), parent and intake with its document;
    `department_links` with their departments in the table's order, `transfers` with their documents in order,
    and `children`, its public sub-items: as `public.selectors.item_pages` loads them, in four queries.
    """
    alias = ApprovalItem.objects.all().db  # the router's choice for reading
    found = _statement("item", alias).run(alias, [code])
    if not found:
        return None
    item_values, jurisdiction_values, parent, intake, intake_document, bureau = _split(
        found[0], len(_ITEM), len(_JURISDICTION), len(_PARENT), len(_INTAKE), len(_INTAKE_DOCUMENT), len(_DEPARTMENT)
    )
    item = ApprovalItem.from_db(alias, _ITEM, item_values)
    jurisdiction = Jurisdiction.from_db(alias, _JURISDICTION, jurisdiction_values)
    offices.give_bureau(jurisdiction, Department.from_db(alias, _DEPARTMENT, bureau) if bureau[0] else None)
    _attach(item, "jurisdiction", jurisdiction)
    _attach(item, "parent", ApprovalItem.from_db(alias, _PARENT, parent) if item.parent_id else None)
    if item.intake_id:
        event = Transfer.from_db(alias, _INTAKE, intake)
        document = PolicyDocument.from_db(alias, _INTAKE_DOCUMENT, intake_document) if event.document_id else None
        _attach(event, "document", document)
        _attach(item, "intake", event)
    else:
        _attach(item, "intake", None)

    ids = [item.pk]
    links = []
    for row in _statement("departments", alias).run(alias, ids):
        link_values, department_values = _split(row, len(_LINK), len(_DEPARTMENT))
        link = ItemDepartment.from_db(alias, _LINK, link_values)
        _attach(link, "department", Department.from_db(alias, _DEPARTMENT, department_values))
        links.append(link)
    transfers = []
    for row in _statement("transfers", alias).run(alias, ids):
        transfer_values, document_values = _split(row, len(_TRANSFER), len(_DOCUMENT))
        transfer = Transfer.from_db(alias, _TRANSFER, transfer_values)
        document = PolicyDocument.from_db(alias, _DOCUMENT, document_values) if transfer.document_id else None
        _attach(transfer, "document", document)
        transfers.append(transfer)
    children = [ApprovalItem.from_db(alias, _CHILD, row) for row in _statement("children", alias).run(alias, ids)]
    # Where prefetch_related leaves them: item.department_links.all() and the others read these lists.
    item._prefetched_objects_cache = {"department_links": links, "transfers": transfers, "children": children}
    _words(item)
    return item


# What a visitor reads for a code that names no public item: the HTML page, its JSON-LD and the API's detail.
NOT_FOUND = gettext_lazy("没有这个事项。")


def item_page_or_404(code: str) -> ApprovalItem:
    """`item_page(code)`, or a 404 with NOT_FOUND."""
    item = item_page(code)
    if item is None:
        raise Http404(NOT_FOUND)
    return item


def _words(item: ApprovalItem) -> None:
    """The labels and addresses the page prints, as `<field>_label`, `url` and the item's `jsonld_url` and `api_url`:
    get_FOO_display() and reverse() in fewer steps (one reverse() per kind of page and process, not one per link)."""
    item_url, department_url = _urls("public:item"), _urls("public:department")
    item.status_label, item.type_label = _label(ItemStatus, item.status), _label(ItemType, item.item_type)
    item.jsonld_url, item.api_url = _urls("opendata:item")(item.code), _urls("api:item-detail")(item.code)
    if item.parent is not None:
        item.parent.url = item_url(item.parent.code)
    for link in item.department_links.all():
        link.department.url = department_url(link.department.slug)
    for transfer in item.transfers.all():
        transfer.kind_label = _label(Transfer.Kind, transfer.kind)
        transfer.from_label = _label(ItemStatus, transfer.from_status)
        transfer.to_label = _label(ItemStatus, transfer.to_status)
    for child in item.children.all():
        child.url, child.status_label = item_url(child.code), _label(ItemStatus, child.status)


def editions_listing(item: ApprovalItem) -> list[tuple[Edition, list[Entry]]]:
    """The published editions that print the item (or one of its public sub-items), the newest first, each with
    its rows in the table's order: one per 序号 (a main item's sub-item rows share it). One query."""
    alias = ApprovalItem.objects.all().db
    edition_url = _urls("public:edition")
    ids = [item.pk, *(child.pk for child in item.children.all())]
    grouped: dict[int, tuple[Edition, list[Entry]]] = {}
    seen: set[tuple[int, int, int]] = set()
    for row in _statement("entries", alias).run(alias, ids):
        entry_values, edition_values = _split(row, len(_ENTRY), len(_EDITION))
        entry = Entry.from_db(alias, _ENTRY, entry_values)
        # A main item's sub-item rows share its 序号: "（一）… 序号 3" once, not once per sub-item.
        if (entry.edition_id, entry.section, entry.number) in seen:
            continue
        seen.add((entry.edition_id, entry.section, entry.number))
        if entry.edition_id not in grouped:
            edition = Edition.from_db(alias, _EDITION, edition_values)
            edition.url = edition_url(edition.slug)
            grouped[entry.edition_id] = (edition, [])
        edition, entries = grouped[entry.edition_id]
        _attach(entry, "edition", edition)
        entry.section_label = _label(Entry.Section, entry.section)
        entries.append(entry)
    return list(grouped.values())
