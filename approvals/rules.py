"""The register's rules, in one place: which event may follow which status, and where an item may stand.

Pure functions of their arguments (no queries): the services, the bulk writes of the import, the
admin's forms and the fixture builder all ask these.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from approvals.models import ApprovalItem, Department, ItemStatus, Jurisdiction, Transfer

Kind = Transfer.Kind

# Which statuses each event may start from, and the status it leads to.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Kind.TRANSFER: (frozenset({ItemStatus.PENDING, ItemStatus.RETURNED}), ItemStatus.BUREAU),
    Kind.ACCEPT: (frozenset({ItemStatus.PENDING, ItemStatus.RETURNED}), ItemStatus.BUREAU),
    Kind.RETURN: (frozenset({ItemStatus.BUREAU}), ItemStatus.RETURNED),
    Kind.CANCEL: (frozenset({ItemStatus.PENDING, ItemStatus.BUREAU, ItemStatus.RETURNED}), ItemStatus.CANCELLED),
    Kind.DEVOLVE: (frozenset({ItemStatus.PENDING, ItemStatus.BUREAU, ItemStatus.RETURNED}), ItemStatus.DEVOLVED),
}
# Events that bring an item to the bureau: the item's `intake` points at the last of them.
INTAKE_KINDS = frozenset({Kind.TRANSFER, Kind.ACCEPT})


class TransitionRefused(ValidationError):
    """The event does not apply to the item in its current status."""


def next_status(kind: str, *, code: str, name: str, status: str) -> str:
    """The status an event of `kind` leads to from `status`; TransitionRefused, naming the item, if none."""
    allowed, new_status = TRANSITIONS[kind]
    if status not in allowed:
        raise TransitionRefused(
            _("事项“%(code)s %(name)s”当前状态为“%(status)s”，不能%(action)s。"),
            code="refused",
            params={"code": code, "name": name, "status": ItemStatus(status).label, "action": Kind(kind).label},
        )
    return new_status


class EventPending(TransitionRefused):
    """The item waits for an event dated later: nothing more may be recorded before that date."""


def check_nothing_pending(*, code: str, name: str, pending: tuple[str, datetime.date] | None) -> None:
    """Refuse a new event for an item that waits for one dated later (`pending`: its kind and date).

    Its dated events then always stand in the order of their dates, the waiting one last: the status a new
    event starts from is the item's stored status, which is also its status after all recorded events.
    """
    if pending is None:
        return
    pending_kind, pending_on = pending
    raise EventPending(
        _("事项“%(code)s %(name)s”已登记将于 %(date)s 生效的“%(event)s”，生效之前不能登记新的划转记录。"),
        code="pending",
        params={"code": code, "name": name, "date": date_text(pending_on), "event": Kind(pending_kind).label},
    )


def date_text(day: datetime.date | None) -> str:
    """A date as the register's messages write it: 2027年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else _("日期不详")


def undated_text(*, kind: str, batch_label: str, document_number: str, first_batch: str) -> str:
    """What an item's history says of an event whose date is unknown, in place of the date.

    A transfer of the first batch (`first_batch`: its 划转情况 label, the first of the batch filter's)
    took effect with that batch's document, whose date is not on record either (朔政发〔2020〕7号):
    "随首批划转（朔政发〔2020〕7号）" says when, where "日期不详" said nothing.
    """
    if kind == Kind.TRANSFER and batch_label and batch_label == first_batch:
        return _("随首批划转（%(document)s）") % {"document": document_number}
    return date_text(None)


def walk(kinds: Iterable[str], *, code: str = "", name: str = "") -> list[tuple[str, str]]:
    """(from status, to status) of each event of a history that starts at 未划转."""
    status, steps = ItemStatus.PENDING, []
    for kind in kinds:
        new_status = next_status(kind, code=code, name=name, status=status)
        steps.append((status, new_status))
        status = new_status
    return steps


def main_code(prefix: str, number: int) -> str:
    """A main item's stable code: SZ-0304 (the jurisdiction's prefix and its running number)."""
    return f"{prefix}-{number:04d}"


def sub_code(main: str, number: int) -> str:
    """A sub-item's stable code: SZ-0304-02, numbered under its main item."""
    return f"{main}-{number:02d}"


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


def item_validate_departments(*, jurisdiction_id: int | None, departments: Sequence[Department]) -> None:
    """Each department once, all of the item's own jurisdiction."""
    if len({d.pk for d in departments}) != len(departments):
        raise ValidationError(_("同一部门不能重复填写。"), code="duplicate_department")
    for department in departments:
        if jurisdiction_id and department.jurisdiction_id != jurisdiction_id:
            raise ValidationError(
                _("部门“%(department)s”不属于事项所在辖区。"),
                code="foreign_department",
                params={"department": department},
            )
