"""Every write to the register goes through these functions.

Each runs in one transaction and writes the history (`Transfer`) together with
the state it explains. The admin, the import, the management commands and the
API all call them; nothing else changes an item's status.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from approvals.access import check_can_change, check_can_cite
from approvals.models import (
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemStatus,
    ItemType,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)

Kind = Transfer.Kind

# Which statuses each event may start from, and the status it leads to.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Kind.TRANSFER: (frozenset({ItemStatus.PENDING, ItemStatus.RETURNED}), ItemStatus.BUREAU),
    Kind.ACCEPT: (frozenset({ItemStatus.PENDING, ItemStatus.RETURNED}), ItemStatus.BUREAU),
    Kind.RETURN: (frozenset({ItemStatus.BUREAU}), ItemStatus.RETURNED),
    Kind.CANCEL: (frozenset({ItemStatus.PENDING, ItemStatus.BUREAU, ItemStatus.RETURNED}), ItemStatus.CANCELLED),
    Kind.DEVOLVE: (frozenset({ItemStatus.PENDING, ItemStatus.BUREAU, ItemStatus.RETURNED}), ItemStatus.DEVOLVED),
}
INTAKE_KINDS = frozenset({Kind.TRANSFER, Kind.ACCEPT})

User = AbstractBaseUser | None


class TransitionRefused(ValidationError):
    """The event does not apply to the item in its current status."""


def item_type_from_label(label: str) -> str:
    """The `ItemType` value printed as `label` (行政许可 → licensing); ValidationError if unknown."""
    value = _types_by_label().get(label.strip())
    if value is None:
        raise ValidationError(_("未知的事项类型“%(label)s”。"), code="unknown_type", params={"label": label})
    return value


@functools.cache
def _types_by_label() -> dict[str, str]:
    # Built once: an import asks for every row, and the lazy labels translate on each comparison.
    return {str(text): value for value, text in ItemType.choices}


@transaction.atomic
def item_create(
    *,
    jurisdiction: Jurisdiction,
    name: str,
    item_type: str,
    departments: Sequence[Department] = (),
    parent: ApprovalItem | None = None,
    in_base_catalogue: bool = False,
    remarks: str = "",
    source_text: str = "",
    derived_from: ApprovalItem | None = None,
    user: User = None,
) -> ApprovalItem:
    """Create an item (status 未划转) with the next stable code of its jurisdiction."""
    check_can_change(user, jurisdiction.pk)
    name = name.strip()
    if not name:
        raise ValidationError(_("事项名称不能为空。"), code="required")
    if item_type not in ItemType.values:
        raise ValidationError(_("未知的事项类型“%(value)s”。"), code="unknown_type", params={"value": item_type})
    item_validate_placement(jurisdiction=jurisdiction, parent=parent)
    item_validate_origin(name=name, departments=departments, source_text=source_text)
    item = ApprovalItem(
        jurisdiction=jurisdiction,
        code=item_allocate_code(jurisdiction=jurisdiction, parent=parent),
        parent=parent,
        position=_next_position(parent),
        name=name,
        item_type=item_type,
        in_base_catalogue=in_base_catalogue,
        remarks=remarks.strip(),
        source_text=source_text.strip(),
        derived_from=derived_from,
    )
    item._history_user = user
    item.save()
    item_set_departments(item=item, departments=departments, user=user)
    return item


def item_validate_placement(*, jurisdiction: Jurisdiction, parent: ApprovalItem | None) -> None:
    """A sub-item hangs under a main item of the same jurisdiction; sub-items have no sub-items."""
    if parent is None:
        return
    if parent.parent_id is not None:
        raise ValidationError(_("子项不能再有子项：“%(parent)s”本身是子项。"), code="nested", params={"parent": parent})
    if parent.jurisdiction_id != jurisdiction.pk:
        raise ValidationError(_("子项必须与主项属于同一辖区。"), code="foreign_parent")


def item_validate_origin(*, name: str, departments: Sequence[Department], source_text: str) -> None:
    """An item is carried out for a department (one or more), or comes from a source such as 省政府下放."""
    if not departments and not source_text.strip():
        raise ValidationError(
            _("事项“%(name)s”需要至少一个划转部门，或填写事项来源（如“省政府下放”）。"),
            code="no_department",
            params={"name": name},
        )


@transaction.atomic
def item_set_departments(*, item: ApprovalItem, departments: Sequence[Department], user: User = None) -> None:
    """Replace the item's departments by `departments`, in that order."""
    check_can_change(user, item.jurisdiction_id)
    if len({d.pk for d in departments}) != len(departments):
        raise ValidationError(_("同一部门不能重复填写。"), code="duplicate_department")
    for department in departments:
        if department.jurisdiction_id != item.jurisdiction_id:
            raise ValidationError(
                _("部门“%(department)s”不属于事项所在辖区。"),
                code="foreign_department",
                params={"department": department},
            )
    ItemDepartment.objects.filter(item=item).delete()
    ItemDepartment.objects.bulk_create(
        ItemDepartment(item=item, department=department, position=index) for index, department in enumerate(departments)
    )


def item_transfer(**kwargs) -> list[Transfer]:
    """Transfer the item (and its sub-items) from its department to the bureau."""
    return _record(Kind.TRANSFER, **kwargs)


def item_accept(**kwargs) -> list[Transfer]:
    """Record that the bureau accepts a power devolved by the province (承接)."""
    return _record(Kind.ACCEPT, **kwargs)


def item_return(**kwargs) -> list[Transfer]:
    """Return the item (and its sub-items) from the bureau to its original department."""
    return _record(Kind.RETURN, **kwargs)


def item_cancel(**kwargs) -> list[Transfer]:
    """Record that the item was cancelled (取消)."""
    return _record(Kind.CANCEL, **kwargs)


def item_devolve(**kwargs) -> list[Transfer]:
    """Record that the item was devolved to a lower level (下放)."""
    return _record(Kind.DEVOLVE, **kwargs)


@transaction.atomic
def _record(
    kind: str,
    *,
    item: ApprovalItem,
    effective_on: datetime.date | None,
    document: PolicyDocument | None,
    user: User = None,
    note: str = "",
) -> list[Transfer]:
    """Write `kind` for the item and each of its sub-items; refuse if any of them cannot take it."""
    # Lock the rows so that two clerks cannot record events on the same item at once.
    items = list(ApprovalItem.objects.select_for_update().filter(pk=item.pk)) + list(
        ApprovalItem.objects.select_for_update().filter(parent_id=item.pk).order_by("position", "pk")
    )
    if not items:
        raise ValidationError(_("事项不存在。"), code="missing")
    check_can_change(user, items[0].jurisdiction_id)
    check_can_cite(user, document)
    allowed, new_status = TRANSITIONS[kind]
    for target in items:
        if target.status not in allowed:
            raise TransitionRefused(
                _("事项“%(code)s %(name)s”当前状态为“%(status)s”，不能%(action)s。"),
                code="refused",
                params={
                    "code": target.code,
                    "name": target.name,
                    "status": target.get_status_display(),
                    "action": Kind(kind).label,
                },
            )
    written = []
    for target in items:
        last = Transfer.objects.filter(item=target).aggregate(m=Max("sequence"))["m"] or 0
        event = Transfer.objects.create(
            item=target,
            sequence=last + 1,
            kind=kind,
            from_status=target.status,
            to_status=new_status,
            effective_on=effective_on,
            document=document,
            note=note.strip(),
            recorded_by=user if getattr(user, "pk", None) else None,
        )
        changes = {"status": new_status}
        if kind in INTAKE_KINDS:
            changes["intake"] = event
        # The version field is left alone on purpose: a status change does not make a
        # clerk's open edit form stale, because status is not part of that form.
        ApprovalItem.objects.filter(pk=target.pk).update(**changes)
        written.append(event)
    item.refresh_from_db(fields=["status", "intake"])
    return written


@transaction.atomic
def item_allocate_code(*, jurisdiction: Jurisdiction, parent: ApprovalItem | None = None) -> str:
    """The next stable code: SZ-0304 for a main item, SZ-0304-02 for its second sub-item. Never reused."""
    if parent is not None:
        # Lock the main item: its sub-item codes are numbered under it.
        ApprovalItem.objects.select_for_update().filter(pk=parent.pk).exists()
        taken = ApprovalItem.objects.filter(parent=parent).values_list("code", flat=True)
        numbers = [int(code.rsplit("-", 1)[1]) for code in taken if code.rsplit("-", 1)[-1].isdigit()]
        return f"{parent.code}-{max(numbers, default=0) + 1:02d}"
    # Lock the jurisdiction row: the counter is the one place codes are handed out.
    locked = Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
    locked.item_counter += 1
    Jurisdiction.objects.filter(pk=locked.pk).update(item_counter=locked.item_counter)
    return f"{locked.code_prefix}-{locked.item_counter:04d}"


def _next_position(parent: ApprovalItem | None) -> int:
    if parent is None:
        return 0
    return (ApprovalItem.objects.filter(parent=parent).aggregate(m=Max("position"))["m"] or 0) + 1
