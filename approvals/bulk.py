"""The services of approvals/services.py for many items at once, for imports.

Same rules (item_validate_origin, item_validate_placement, TRANSITIONS, access),
same writes (the item, its departments, its Transfer events with the new status,
the audit history), in a few statements per batch instead of a dozen per item.
The caller runs them inside one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from approvals import vocabulary
from approvals.access import check_can_change, check_can_cite
from approvals.bulk_write import insert_history, insert_rows, reserve_ids
from approvals.effective import pending_of
from approvals.models import ApprovalItem, Department, ItemDepartment, Jurisdiction, PolicyDocument, Transfer
from approvals.notice_rules import check_return_basis
from approvals.rules import (
    INTAKE_KINDS,
    TRANSITIONS,
    check_nothing_pending,
    item_validate_origin,
    item_validate_placement,
    main_code,
    next_status,
    sub_code,
)
from approvals.search import pinyin_key
from approvals.vocabulary import ItemStatus

BATCH = 2000


class PinyinKeys:
    """`pinyin_key` for many names, each run of Chinese characters converted once.

    pypinyin cuts a name into runs of Chinese and of other characters and segments each Chinese run
    on its own (pypinyin.seg.simpleseg), and `pinyin_key` joins the runs' lines character by
    character: so a name's key is its runs' keys joined (tests/test_bulk_pinyin.py). A register's names
    share their runs (…审批, 变更, 新办): the 98,046 names of the 100,000-item benchmark's import take 2.9 s
    of CPU instead of 18.7 s converted whole (bench/RESULTS.md).
    """

    def __init__(self) -> None:
        self.runs: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str) -> str:
        from pypinyin.seg.simpleseg import simple_seg

        full, initials = [], []
        for run in simple_seg(name) if name else ():
            lines = self.runs.get(run)
            if lines is None:
                lines = self.runs[run] = tuple(pinyin_key(run).split("\n"))
            full.append(lines[0])
            initials.append(lines[1])
        return "".join(full) + "\n" + "".join(initials)


@dataclass
class ItemSpec:
    """A new item; `children` are its sub-items (no deeper)."""

    name: str
    item_type: str
    departments: Sequence[Department] = ()
    in_base_catalogue: bool = False
    remarks: str = ""
    source_text: str = ""
    legal_basis: str = ""  # 设定依据: a county's copy takes the city item's
    children: list[ItemSpec] = field(default_factory=list)
    parent: ApprovalItem | None = None  # an existing main item, for sub-items added to it
    derived_from: ApprovalItem | None = None  # the city item a county's copy comes from


@dataclass
class NewItems:
    """Items checked, numbered and given their ids by `items_prepare_bulk`, not yet written.

    `record` gives them their events in memory (`new=`), and `items_write_bulk` then writes each row once,
    in its final status with its intake: a row inserted and then updated costs PostgreSQL a second version
    in every index, the search index's included (about 1 ms a main item, bench/RESULTS.md).
    """

    items: list[ApprovalItem]  # each main item before its sub-items
    links: list[ItemDepartment]
    user: AbstractBaseUser | None
    events: dict[int, int] = field(default_factory=dict)  # per item id: events recorded so far
    pending: dict[int, tuple[str, datetime.date | None]] = field(default_factory=dict)
    written: bool = False

    def __contains__(self, item: ApprovalItem) -> bool:
        return not self.written and item.pk in self.events


def items_create_bulk(
    *, jurisdiction: Jurisdiction, specs: Sequence[ItemSpec], user: AbstractBaseUser | None = None
) -> list[ApprovalItem]:
    """Create the items (status 未划转) with their sub-items; returns them, each main item before its sub-items."""
    new = items_prepare_bulk(jurisdiction=jurisdiction, specs=specs, user=user)
    items_write_bulk(new)
    return new.items


def items_prepare_bulk(
    *, jurisdiction: Jurisdiction, specs: Sequence[ItemSpec], user: AbstractBaseUser | None = None
) -> NewItems:
    """Check and number the new items (status 未划转) with their sub-items and departments; writes only their codes'
    counter and reserves their ids. Pass the result to `record` as `new`, then to `items_write_bulk`."""
    check_can_change(user, jurisdiction.pk)
    for spec in specs:
        item_validate_placement(jurisdiction=jurisdiction, parent=spec.parent)
        for one in [spec, *spec.children]:
            item_validate_origin(name=one.name, departments=one.departments, source_text=one.source_text)
            if not one.name.strip():
                raise ValidationError(_("事项名称不能为空。"), code="required")
    main_specs = [spec for spec in specs if spec.parent is None]
    locked = Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
    first = locked.item_counter + 1
    Jurisdiction.objects.filter(pk=locked.pk).update(item_counter=locked.item_counter + len(main_specs))
    ids = iter(reserve_ids(ApprovalItem, sum(1 + len(spec.children) for spec in specs)))

    mains = []
    keys = PinyinKeys()
    for offset, spec in enumerate(main_specs):
        mains.append(_new(jurisdiction, spec, main_code(locked.code_prefix, first + offset), None, 0, keys, next(ids)))
    by_spec = {id(spec): item for spec, item in zip(main_specs, mains, strict=True)}

    children: list[tuple[ItemSpec, ApprovalItem]] = []
    taken = _taken_positions([spec.parent for spec in specs if spec.parent is not None])
    for spec in specs:
        if spec.parent is not None:
            position = taken[spec.parent.pk] = taken.get(spec.parent.pk, 0) + 1
            code = sub_code(spec.parent.code, position)
            children.append((spec, _new(jurisdiction, spec, code, spec.parent, position, keys, next(ids))))
            continue
        parent = by_spec[id(spec)]
        for position, child in enumerate(spec.children, start=1):
            code = sub_code(parent.code, position)
            children.append((child, _new(jurisdiction, child, code, parent, position, keys, next(ids))))

    pairs = [*zip(main_specs, mains, strict=True), *children]
    links = [
        ItemDepartment(item_id=item.pk, department_id=d.pk, position=i)
        for spec, item in pairs
        for i, d in enumerate(spec.departments)
    ]

    ordered = []
    child_items: dict[int, list[ApprovalItem]] = {}
    for _spec, item in children:
        child_items.setdefault(item.parent_id, []).append(item)
    for item in mains:
        ordered.append(item)
        ordered.extend(child_items.pop(item.pk, []))
    for rest in child_items.values():
        ordered.extend(rest)
    return NewItems(items=ordered, links=links, user=user, events={item.pk: 0 for item in ordered})


def items_write_bulk(new: NewItems) -> None:
    """Write the prepared items once each, with the status and intake their recorded events gave them, their
    departments, and the history rows of both as created (status 未划转, no intake: the events are the rest)."""
    if new.written:
        raise ValueError("these items are written already")
    # Sub-items first: each main item's search text is then computed once, with its sub-items' lines.
    insert_rows(ApprovalItem, [item for item in new.items if item.parent_id is not None])
    insert_rows(ApprovalItem, [item for item in new.items if item.parent_id is None])
    created = {"status": ItemStatus.PENDING, "intake_id": None}
    in_order = sorted(new.items, key=lambda item: item.pk)  # as they were numbered: main items, then sub-items
    insert_history(ApprovalItem, in_order, user=new.user, values=created)
    insert_rows(ItemDepartment, new.links)
    # Each link's history starts with the item's, so that its first move shows before and after.
    insert_history(ItemDepartment, new.links, user=new.user, reason=vocabulary.NEW_ITEM_LINK)
    new.written = True


def record(
    kind: str,
    *,
    items: Sequence[ApprovalItem],
    effective_on: datetime.date | None,
    document: PolicyDocument | None,
    user: AbstractBaseUser | None = None,
    note: str = "",
    new: NewItems | None = None,
) -> list[Transfer]:
    """Write the event `kind` for each of the items (pass sub-items explicitly); refuse all if one cannot take it.

    The one writer of events: `services.item_return` and the others call it for an item and its sub-items,
    the import for thousands at once. Set-based: a few statements per batch of items.
    An event dated after today is written pending and changes nothing else: the items keep their status
    until `approvals.effective.apply_due` applies it on its date. An item that waits for one refuses more.
    Items of `new` (prepared, not yet written) take their status and intake in memory, for
    `items_write_bulk` to write; their events are written now, pointing at the ids reserved for them.
    """
    if not items:
        return []
    # Today in the register's time zone (Asia/Shanghai): an event dated today is in force at once.
    due = effective_on is None or effective_on <= timezone.localdate()
    check_can_cite(user, document)
    new_status = TRANSITIONS[kind][1]
    unwritten = [item for item in items if new is not None and item in new]
    ids = [item.pk for item in items if new is None or item not in new]
    current = {item.pk: (item.status, item.jurisdiction_id) for item in unwritten}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = (
            ApprovalItem.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "status", "jurisdiction_id")
        )
        current.update({pk: (status, place) for pk, status, place in rows})
    waiting = pending_of(ids) | ({item.pk: new.pending[item.pk] for item in unwritten if item.pk in new.pending})
    for item in items:
        status, place = current[item.pk]
        check_can_change(user, place)
        check_nothing_pending(code=item.code, name=item.name, pending=waiting.get(item.pk))
        next_status(kind, code=item.code, name=item.name, status=status)
    if kind == Transfer.Kind.RETURN:
        check_return_basis(items, document)  # 朔政发〔2022〕20号 二.2, once each item may be returned at all
    sequences = dict(
        Transfer.objects.filter(item_id__in=ids)
        .values("item_id")
        .annotate(m=Max("sequence"))
        .values_list("item_id", "m")
    ) | ({item.pk: new.events[item.pk] for item in unwritten})
    recorder = user if getattr(user, "pk", None) else None
    events = [
        Transfer(
            item=item,
            sequence=sequences.get(item.pk, 0) + 1,
            kind=kind,
            from_status=current[item.pk][0],
            to_status=new_status,
            effective_on=effective_on,
            document=document,
            note=note.strip(),
            recorded_by=recorder,
            pending=not due,
        )
        for item in items
    ]
    if unwritten:  # their intake points at the event before either is written
        for event, pk in zip(events, reserve_ids(Transfer, len(events)), strict=True):
            event.pk = pk
    insert_rows(Transfer, events)
    for item in unwritten:
        new.events[item.pk] += 1
        if not due:
            new.pending[item.pk] = (kind, effective_on)
    if not due:
        return events
    # Two set-based statements per batch instead of bulk_update's per-row CASE: every item gets the
    # same new status, and its intake is the event just written (its last one).
    last_event = Transfer.objects.filter(item_id=OuterRef("pk")).order_by("-sequence").values("pk")[:1]
    for start in range(0, len(ids), BATCH):
        chunk = ApprovalItem.objects.filter(pk__in=ids[start : start + BATCH])
        if kind in INTAKE_KINDS:
            chunk.update(status=new_status, intake=Subquery(last_event))
        else:
            chunk.update(status=new_status)
    for item, event in zip(items, events, strict=True):
        item.status = new_status
        if kind in INTAKE_KINDS:
            item.intake = event
    return events


items_record_bulk = record  # the import's name for it


def items_update_bulk(changes: Sequence[tuple[ApprovalItem, dict]], *, user: AbstractBaseUser | None = None) -> None:
    """Apply field changes (item_type, in_base_catalogue, remarks, name) with their history rows."""
    if not changes:
        return
    # Rows that receive the same new values share one UPDATE per batch (an adjustment changes many
    # items the same way); bulk_update would build one CASE branch per row instead.
    groups: dict[tuple, list[int]] = {}
    items = []
    keys = PinyinKeys()
    for item, values in changes:
        check_can_change(user, item.jurisdiction_id)
        if "name" in values:  # the pinyin follows the name, as ApprovalItem.save() makes it
            values = {**values, "name_pinyin": keys(values["name"])}
        for name, value in values.items():
            setattr(item, name, value)
        items.append(item)
        groups.setdefault(tuple(sorted(values.items())), []).append(item.pk)
    for values, ids in groups.items():
        for start in range(0, len(ids), BATCH):
            # A new version makes a clerk's open form on the item stale, as an edit in the admin would.
            ApprovalItem.objects.filter(pk__in=ids[start : start + BATCH]).update(
                **dict(values), version=F("version") + 1, updated_at=timezone.now()
            )
    ApprovalItem.history.bulk_history_create(items, batch_size=BATCH, update=True, default_user=user)


def items_set_departments_bulk(
    changes: Sequence[tuple[ApprovalItem, Sequence[Department]]], *, user: AbstractBaseUser | None = None
) -> None:
    """Replace the departments of each item, in order; each link added, moved or removed gets its history row.

    The same audit as `services.item_set_departments` gives one item, in a few statements per batch.
    """
    if not changes:
        return
    wanted = {item.pk: {d.pk: position for position, d in enumerate(departments)} for item, departments in changes}
    links = list(ItemDepartment.objects.filter(item_id__in=list(wanted)))
    removed = [link for link in links if link.department_id not in wanted[link.item_id]]
    moved = []
    for link in links:
        position = wanted[link.item_id].pop(link.department_id, None)
        if position is not None and position != link.position:
            link.position = position
            moved.append(link)
    added = [
        ItemDepartment(item_id=item_id, department_id=department_id, position=position)
        for item_id, rest in wanted.items()
        for department_id, position in rest.items()
    ]
    for link in removed:  # few per adjustment; the delete signal writes each one's history row, with its author
        link._history_user = user
        link.delete()
    ItemDepartment.objects.bulk_update(moved, ["position"], batch_size=BATCH)
    ItemDepartment.history.bulk_history_create(moved, batch_size=BATCH, update=True, default_user=user)
    bulk_create_with_history(added, ItemDepartment, batch_size=BATCH, default_user=user)


def _new(
    jurisdiction: Jurisdiction,
    spec: ItemSpec,
    code: str,
    parent: ApprovalItem | None,
    position: int,
    keys: PinyinKeys,
    pk: int,
) -> ApprovalItem:
    return ApprovalItem(
        pk=pk,
        jurisdiction_id=jurisdiction.pk,
        code=code,
        parent_id=parent.pk if parent is not None else None,
        position=position,
        name=spec.name.strip(),
        name_pinyin=keys(spec.name.strip()),
        item_type=spec.item_type,
        in_base_catalogue=spec.in_base_catalogue,
        remarks=spec.remarks.strip(),
        source_text=spec.source_text.strip(),
        legal_basis=spec.legal_basis,
        derived_from_id=spec.derived_from.pk if spec.derived_from is not None else None,
    )


def _taken_positions(parents: Sequence[ApprovalItem]) -> dict[int, int]:
    if not parents:
        return {}
    rows = ApprovalItem.objects.filter(parent__in=parents).values("parent_id").annotate(m=Max("position"))
    return {row["parent_id"]: row["m"] or 0 for row in rows}


def items_refresh_pinyin() -> int:
    """Write `name_pinyin` again wherever it is not `pinyin_key(name)`; returns how many items changed.

    For rows written around ApprovalItem.save() and this module (raw SQL, an old backup restored):
    the triggers then bring their search text up to date. `manage.py refresh_search_pinyin` runs it.
    """
    rows = ApprovalItem.objects.order_by("pk").values_list("pk", "name", "name_pinyin")
    stale = [
        ApprovalItem(pk=pk, name_pinyin=key)
        for pk, name, stored in rows.iterator(chunk_size=BATCH)
        if (key := pinyin_key(name)) != stored
    ]
    ApprovalItem.objects.bulk_update(stale, ["name_pinyin"], batch_size=BATCH)
    return len(stale)
