"""The rows of every public list of items: the catalogue page, the API's item list, a department's page.

One loader, `load_rows`, in three queries whatever the page size. A row is a plain dict of values:
Django's template engine resolves each `item.x.y` by trying a dict key, an attribute and an index in
turn, and model instances built with their related rows were a fifth of a page's time at 100,000
items; the list drew a reverse() per link as well (10 ms of a 35 ms page). The HTML list writes the
rows in Python (templatetags/catalog_list.py), the API serializes them (api/serializers.py).
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from urllib.parse import quote

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from approvals import offices
from approvals.item_codes import ItemCodes, compose
from approvals.models import ApprovalItem, Department, ItemDepartment, ItemStatus, ItemType, Transfer
from approvals.rules import date_text
from approvals.vocabulary import RETURNED_REMARK
from public.prepared import Prepared, prepare
from public.selectors import edition_number, labels, latest_edition_ids

_MARK = "__code__"
_MAIN = ("pk", "code", "name", "item_type", "status", "source_text", "in_base_catalogue", "remarks")
_PLACE = ("jurisdiction__name",)
_BATCH = ("intake__kind", "intake__document__batch_label")
_SUB = ("parent_id", "code", "name", "item_type", "status")
_DEPARTMENT = (
    "item_id",
    "position",
    "department__slug",
    "department__short_name",
    "department__full_name",
    "department__credit_code",
)
# The parts of the national codes (approvals/item_codes.py) a row holds besides its type, status and departments.
_CODES = ("basic_code", "exercise_level", "jurisdiction__level", "jurisdiction__division_code")
_BUREAU_FIELDS = ("full_name", "short_name", "credit_code")


def _bureau(field: str) -> Subquery:
    """A field of the item's jurisdiction's bureau (`offices.bureau_of`'s choice), for its row."""
    bureaus = Department.objects.filter(jurisdiction_id=OuterRef("jurisdiction_id"), is_bureau=True)
    return Subquery(bureaus.order_by("position", "pk").values(field)[:1])


def _codes(item_type: str, status: str, parts: list, departments: list[tuple]) -> ItemCodes:
    """The row's national codes from what its queries read: the same composition as the item page's."""
    basic_code, stored_level, level, division_code, bureau_full, bureau_short, bureau_credit = parts
    source = offices.handling_source(status)
    body = None
    if source == offices.BUREAU and bureau_short is not None:
        body = (bureau_full or bureau_short, bureau_credit or "")
    elif source == offices.OWN_DEPARTMENTS and len(departments) == 1:
        _slug, short, full, credit = departments[0]
        body = (full or short, credit or "")
    return compose(
        item_type=item_type,
        basic_code=basic_code,
        stored_level=stored_level,
        jurisdiction_level=level,
        division_code=division_code,
        body=body,
    )


def url_maker(name: str):
    """reverse(name, args=[x]) for any x, reversed once: a prefix and a suffix around the quoted value."""
    prefix, _mark, suffix = reverse(name, args=[_MARK]).partition(_MARK)
    return lambda value: f"{prefix}{quote(str(value), safe='')}{suffix}"


@functools.lru_cache(maxsize=32)
def _statement(kind: str, alias: str, ordering: tuple[str, ...] | None, editions: tuple[int, ...]) -> Prepared:
    """The compiled SQL of one of the loader's three queries (public/prepared.py); `editions` changes the main's."""
    if kind == "main":

        def build(ids):
            mains = ApprovalItem.objects.filter(pk__in=ids).values_list(
                *_MAIN, *_PLACE, *_BATCH, edition_number(editions), *_CODES, *(_bureau(f) for f in _BUREAU_FIELDS)
            )
            return mains.order_by(*ordering) if ordering else mains.order_by()

    elif kind == "subs":

        def build(ids):
            return ApprovalItem.objects.filter(parent_id__in=ids).order_by("position", "pk").values_list(*_SUB)

    else:
        # No ORDER BY: the model's ("item", "position") would join every item for its code; sorted in Python.
        def build(ids):
            return ItemDepartment.objects.filter(item_id__in=ids).order_by().values_list(*_DEPARTMENT)

    return prepare(alias, build)


def load_rows(ids: list[int] | QuerySet, ordering: list[str] | None) -> dict[int, dict]:
    """{pk: row} of the main items `ids` (pks, or a subquery of them), sorted by `ordering` (None: any order).

    A row holds what the lists show of a main item:
    - `code`, `name`, `url` (its page), `place` (its jurisdiction's name), `number` (its 序号 in the
      latest published edition of its jurisdiction, or None), `type` and `status_label` (the labels),
      `status` (the code), `batch` (划转情况), `source` (the 划转部门 cell when it has no department),
      `in_base_catalogue`, `remarks`;
    - `departments`: (url, short name) in the table's order, and `department_refs`: the same as
      {slug, short_name, full_name} for the API; `department_text`: the cell as the tables print it;
    - `subs`: (url, name) of its sub-items, and `sub_items`: {code, name, item_type, status} for the API;
    - `codes`: its national codes (approvals.item_codes.ItemCodes), from the same queries.
    """
    alias = ApprovalItem.objects.all().db  # the router's choice for reading
    editions = latest_edition_ids()
    order = tuple(ordering) if ordering else None
    mains = _statement("main", alias, order, editions).run(alias, ids)
    if not mains:
        return {}
    main_ids = [row[0] for row in mains]
    types, statuses = labels(ItemType.choices), labels(ItemStatus.choices)
    item_url, department_url = url_maker("public:item"), url_maker("public:department")

    subs: dict[int, list[tuple]] = defaultdict(list)
    for parent_id, *sub in _statement("subs", alias, None, ()).run(alias, main_ids):
        subs[parent_id].append(sub)
    departments: dict[int, list[tuple]] = defaultdict(list)
    for item_id, _position, *department in sorted(_statement("departments", alias, None, ()).run(alias, main_ids)):
        departments[item_id].append(department)

    rows = {}
    for pk, code, name, item_type, status, source, base, remarks, place, kind, batch, number, *parts in mains:
        shorts = [short for _slug, short, _full, _credit in departments[pk]]
        rows[pk] = {
            "pk": pk,
            "code": code,
            "number": number,
            "place": place,
            "url": item_url(code),
            "name": name,
            "type": types.get(item_type, ""),
            "status": status,
            "status_label": statuses.get(status, ""),
            "batch": Transfer.label_of_batch(kind, batch),
            "source": source,
            "in_base_catalogue": base,
            "remarks": remarks,
            "departments": [(department_url(slug), short) for slug, short, _full, _credit in departments[pk]],
            "department_refs": [
                {"slug": slug, "short_name": short, "full_name": full} for slug, short, full, _credit in departments[pk]
            ],
            "codes": _codes(item_type, status, parts, departments[pk]),
            "department_text": "、".join(shorts) if shorts else source,
            "subs": [(item_url(sub_code), sub_name) for sub_code, sub_name, _type, _status in subs[pk]],
            "sub_items": [
                {"code": c, "name": n, "item_type": types.get(t, ""), "status": statuses.get(s, "")}
                for c, n, t, s in subs[pk]
            ],
        }
    return rows


def with_returns(rows: list[dict]) -> list[dict]:
    """`rows` (of `load_rows`) whose returned items show their return instead of their old batch, in one query.

    A returned item's 划转情况 is the batch that once brought it to the bureau (首次划转); where a page
    lists what a department carries out itself, that reads as if it had just been transferred. Its
    return in force (not one dated later) is what put it there: 2022年8月9日退回, or 退回 undated.
    """
    returned = [row["pk"] for row in rows if row["status"] == ItemStatus.RETURNED]
    events = Transfer.objects.filter(item_id__in=returned, kind=Transfer.Kind.RETURN, pending=False)
    last: dict[int, datetime.date | None] = {}
    for item_id, effective_on in events.order_by("item_id", "sequence").values_list("item_id", "effective_on"):
        last[item_id] = effective_on
    for row in rows:
        if row["pk"] in last:
            day = last[row["pk"]]
            row["batch"] = _("%(date)s退回") % {"date": date_text(day)} if day else RETURNED_REMARK
    return rows
