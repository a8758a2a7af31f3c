"""The rows of every public list of items: the catalogue page, the API's item list, a department's page.

One loader, `load_rows`, in three queries whatever the page size. A row is a plain dict of values:
Django's template engine resolves each `item.x.y` by trying a dict key, an attribute and an index in
turn, and model instances built with their related rows were a fifth of a page's time at 100,000
items; the list drew a reverse() per link as well (10 ms of a 35 ms page). The HTML list writes the
rows in Python (templatetags/catalog_list.py), the API serializes them (api/serializers.py).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from django.db.models import QuerySet
from django.urls import reverse

from approvals.models import ApprovalItem, ItemDepartment, ItemStatus, ItemType, Transfer
from public.selectors import edition_number, labels

_MARK = "__code__"
_MAIN = ("pk", "code", "name", "item_type", "status", "source_text", "in_base_catalogue", "remarks")
_BATCH = ("intake__kind", "intake__document__batch_label")
_SUB = ("parent_id", "code", "name", "item_type", "status")
_DEPARTMENT = ("item_id", "position", "department__slug", "department__short_name", "department__full_name")


def url_maker(name: str):
    """reverse(name, args=[x]) for any x, reversed once: a prefix and a suffix around the quoted value."""
    prefix, _mark, suffix = reverse(name, args=[_MARK]).partition(_MARK)
    return lambda value: f"{prefix}{quote(str(value), safe='')}{suffix}"


def load_rows(ids: list[int] | QuerySet, ordering: list[str] | None) -> dict[int, dict]:
    """{pk: row} of the main items `ids` (pks, or a subquery of them), sorted by `ordering` (None: any order).

    A row holds what the lists show of a main item:
    - `code`, `name`, `url` (its page), `number` (its 序号 in the latest published edition of its
      jurisdiction, or None), `type` and `status_label` (the labels), `status` (the code), `batch`
      (划转情况), `source` (the 划转部门 cell when it has no department), `in_base_catalogue`, `remarks`;
    - `departments`: (url, short name) in the table's order, and `department_refs`: the same as
      {slug, short_name, full_name} for the API; `department_text`: the cell as the tables print it;
    - `subs`: (url, name) of its sub-items, and `sub_items`: {code, name, item_type, status} for the API.
    """
    mains = ApprovalItem.objects.filter(pk__in=ids).values_list(*_MAIN, *_BATCH, edition_number())
    mains = list(mains.order_by(*ordering) if ordering else mains.order_by())
    if not mains:
        return {}
    main_ids = [row[0] for row in mains]
    types, statuses = labels(ItemType.choices), labels(ItemStatus.choices)
    item_url, department_url = url_maker("public:item"), url_maker("public:department")

    subs: dict[int, list[tuple]] = defaultdict(list)
    children = ApprovalItem.objects.filter(parent_id__in=main_ids).order_by("position", "pk")
    for parent_id, *sub in children.values_list(*_SUB):
        subs[parent_id].append(sub)
    departments: dict[int, list[tuple]] = defaultdict(list)
    # No ORDER BY: the model's ("item", "position") would join every item for its code; sorted here.
    for item_id, _position, *department in sorted(
        ItemDepartment.objects.filter(item_id__in=main_ids).order_by().values_list(*_DEPARTMENT)
    ):
        departments[item_id].append(department)

    rows = {}
    for pk, code, name, item_type, status, source, base, remarks, kind, batch, number in mains:
        shorts = [short for _slug, short, _full in departments[pk]]
        rows[pk] = {
            "pk": pk,
            "code": code,
            "number": number,
            "url": item_url(code),
            "name": name,
            "type": types.get(item_type, ""),
            "status": status,
            "status_label": statuses.get(status, ""),
            "batch": Transfer.label_of_batch(kind, batch),
            "source": source,
            "in_base_catalogue": base,
            "remarks": remarks,
            "departments": [(department_url(slug), short) for slug, short, _full in departments[pk]],
            "department_refs": [
                {"slug": slug, "short_name": short, "full_name": full} for slug, short, full in departments[pk]
            ],
            "department_text": "、".join(shorts) if shorts else source,
            "subs": [(item_url(sub_code), sub_name) for sub_code, sub_name, _type, _status in subs[pk]],
            "sub_items": [
                {"code": c, "name": n, "item_type": types.get(t, ""), "status": statuses.get(s, "")}
                for c, n, t, s in subs[pk]
            ],
        }
    return rows
