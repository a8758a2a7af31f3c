"""What an official-layout import needs to know of the register, read in a few queries up front.

The plan (catalog/imports/plan.py) is a pure function of the file's rows and this
snapshot: it can be tested without a database, and the real run reads the snapshot
after taking the register's lock, so that it plans against what an earlier import wrote.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from approvals.models import ApprovalItem, Department, ItemDepartment, Jurisdiction, PolicyDocument
from catalog.models import Edition

CHUNK = 5000


class KnownItem(NamedTuple):
    """An item of the register, with only the fields matching and comparing need.

    A named tuple, not a dataclass: a province's register makes 100,000 of them (see catalog.tables.Row).
    """

    pk: int
    code: str
    name: str
    parent_id: int | None
    status: str
    item_type: str
    in_base_catalogue: bool
    remarks: str
    source_text: str
    department_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class KnownDepartment:
    pk: int
    short_name: str


@dataclass(frozen=True)
class KnownDocument:
    """A policy document that names a batch (首次划转, 二次划转…): the 划转情况 column refers to it."""

    pk: int
    batch_label: str
    issued_on: datetime.date | None = None


@dataclass(frozen=True)
class Snapshot:
    jurisdiction_id: int
    items: tuple[KnownItem, ...]
    # Every name a department goes by (short name, full name, alias), as `Department.objects.named`.
    departments: Mapping[str, KnownDepartment]
    batches: Mapping[str, KnownDocument]
    # Of the slugs asked about, those an edition already has (slugs are unique across jurisdictions).
    taken_slugs: frozenset[str] = frozenset()


def read_snapshot(jurisdiction: Jurisdiction, *, slug: str = "") -> Snapshot:
    """The jurisdiction's register as the import sees it, in five queries whatever its size."""
    # Only what matching needs: a province's register must not load its long texts here.
    fields = ("pk", "code", "name", "parent_id", "status", "item_type", "in_base_catalogue", "remarks", "source_text")
    rows = ApprovalItem.objects.filter(jurisdiction=jurisdiction).order_by("code").values_list(*fields)
    links: defaultdict[int, list[int]] = defaultdict(list)
    pairs = ItemDepartment.objects.filter(item__jurisdiction=jurisdiction).order_by("item_id", "position")
    for item_id, department_id in pairs.values_list("item_id", "department_id").iterator(chunk_size=CHUNK):
        links[item_id].append(department_id)
    items = tuple(KnownItem(*row, tuple(links.get(row[0], ()))) for row in rows.iterator(chunk_size=CHUNK))
    batches = {
        label: KnownDocument(pk, label, issued_on)
        for pk, label, issued_on in PolicyDocument.objects.exclude(batch_label="")
        .order_by("pk")
        .values_list("pk", "batch_label", "issued_on")
    }
    taken = Edition.objects.filter(slug=slug).values_list("slug", flat=True) if slug else []
    return Snapshot(
        jurisdiction_id=jurisdiction.pk,
        items=items,
        departments=_department_names(jurisdiction),
        batches=batches,
        taken_slugs=frozenset(taken),
    )


def _department_names(jurisdiction: Jurisdiction) -> dict[str, KnownDepartment]:
    """Every name a department goes by, in one query (a department with n aliases comes as n rows)."""
    rows = (
        Department.objects.filter(jurisdiction=jurisdiction)
        .order_by("position", "pk", "aliases__name")
        .values_list("pk", "short_name", "full_name", "aliases__name")
    )
    departments: dict[int, KnownDepartment] = {}
    full_names, aliases = {}, {}
    for pk, short_name, full_name, alias in rows:
        department = departments.setdefault(pk, KnownDepartment(pk, short_name))
        if full_name:
            full_names.setdefault(full_name, department)
        if alias:
            aliases[alias] = department
    # An alias wins over another department's full name, and a short name over everything.
    return {**full_names, **aliases, **{d.short_name: d for d in departments.values()}}
