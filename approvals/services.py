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

from approvals import codes, vocabulary
from approvals.access import check_can_change
from approvals.bulk import record
from approvals.claims import item_check_locked
from approvals.models import (
    GUIDE_FIELDS,
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemType,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from approvals.notice_rules import check_time_limits
from approvals.rules import (  # noqa: F401  (services' interface: callers name them through here)
    INTAKE_KINDS,
    TRANSITIONS,
    TransitionRefused,
    item_validate_departments,
    item_validate_origin,
    item_validate_placement,
    main_code,
    sub_code,
)

Kind = Transfer.Kind
User = AbstractBaseUser | None


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
    guide: dict[str, str] | None = None,
    basic_code: str = "",
    exercise_level: int | None = None,
    user: User = None,
) -> ApprovalItem:
    """Create an item (status 未划转) with the next stable code of its jurisdiction.

    `guide` holds service-guide fields (GUIDE_FIELDS) to fill in at once; `basic_code` and `exercise_level`
    its national codes (approvals/codes.py), both optional.
    """
    check_can_change(user, jurisdiction.pk)
    name = name.strip()
    if not name:
        raise ValidationError(_("事项名称不能为空。"), code="required")
    if item_type not in ItemType.values:
        raise ValidationError(_("未知的事项类型“%(value)s”。"), code="unknown_type", params={"value": item_type})
    item_validate_placement(jurisdiction=jurisdiction, parent=parent)
    item_validate_origin(name=name, departments=departments, source_text=source_text)
    basic_code = basic_code.strip().upper()
    item_validate_codes(basic_code=basic_code, exercise_level=exercise_level)
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
        basic_code=basic_code,
        exercise_level=exercise_level,
        **{name: value for name, value in (guide or {}).items() if name in GUIDE_FIELDS},
    )
    check_time_limits(statutory=item.statutory_time_limit, promised=item.promised_time_limit)
    item._history_user = user
    item.save()
    item_set_departments(item=item, departments=departments, user=user, change_reason=vocabulary.NEW_ITEM_LINK)
    return item


@transaction.atomic
def item_set_departments(
    *, item: ApprovalItem, departments: Sequence[Department], user: User = None, change_reason: str | None = None
) -> None:
    """Make `departments`, in that order, the item's departments; each link added, moved or removed is audited
    (`change_reason` on the added ones' history rows: `vocabulary.NEW_ITEM_LINK` when they come with a new item)."""
    check_can_change(user, item.jurisdiction_id)
    item_validate_departments(jurisdiction_id=item.jurisdiction_id, departments=departments)
    wanted = {department.pk: position for position, department in enumerate(departments)}
    for link in ItemDepartment.objects.filter(item=item):
        link._history_user = user
        if link.department_id not in wanted:
            link.delete()
        elif link.position != wanted[link.department_id]:
            link.position = wanted.pop(link.department_id)
            link.save(update_fields=["position"])
        else:
            wanted.pop(link.department_id)
    for department_id, position in wanted.items():
        link = ItemDepartment(item=item, department_id=department_id, position=position)
        link._history_user = user
        link._change_reason = change_reason
        link.save()


@transaction.atomic
def item_update(*, item: ApprovalItem, user: User = None) -> ApprovalItem:
    """Save an item's edited fields (name, type, remarks, service guide …), never its status, with its author.

    The lost-update guard (the version field) refuses a save over a newer one.
    """
    check_can_change(user, item.jurisdiction_id)
    stored = ApprovalItem.objects.filter(pk=item.pk).values_list("jurisdiction_id", flat=True).first()
    if stored is not None and stored != item.jurisdiction_id:
        raise ValidationError(_("事项不能移到另一个辖区。"), code="moved_jurisdiction")
    check_can_change(user, stored)
    item_check_locked(item=item)  # a county copy's name, type and legal basis are its city item's
    item_validate_placement(jurisdiction=item.jurisdiction, parent=item.parent)
    item_validate_codes(basic_code=item.basic_code, exercise_level=item.exercise_level)
    check_time_limits(statutory=item.statutory_time_limit, promised=item.promised_time_limit)  # 朔政发〔2022〕20号 四
    item._history_user = user
    # Never the status or intake: only the event writer and `effective.apply_due` set them, and a form
    # opened before a dated event took effect must not write the old status back.
    item.save(update_fields=EDITABLE_FIELDS)
    return item


def item_validate_codes(*, basic_code: str, exercise_level: int | None) -> None:
    """Refuse a malformed 基本编码 or an unknown 行使层级 (GB/T 39046), naming the field."""
    if basic_code:
        try:
            codes.validate_basic_code(basic_code)
        except ValidationError as error:
            raise ValidationError({"basic_code": error.error_list}) from None
    if exercise_level is not None and exercise_level not in codes.ExerciseLevel.values:
        message = _("行使层级应为 1 至 6（国家级至村级），这里是“%(value)s”。")
        error = ValidationError(message, code="exercise_level", params={"value": exercise_level})
        raise ValidationError({"exercise_level": error})


# Everything a clerk edits, the national codes (basic_code, exercise_level) among them: all but what the
# history, the code counter and the register's place decide. django-simple-history records each change.
EDITABLE_FIELDS = [
    field.name
    for field in ApprovalItem._meta.concrete_fields
    if not field.primary_key and field.name not in {"status", "intake", "jurisdiction", "code"}
]


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
    main = ApprovalItem.objects.select_for_update().filter(pk=item.pk).first()
    if main is None:
        raise ValidationError(_("事项不存在。"), code="missing")
    children = list(ApprovalItem.objects.select_for_update().filter(parent_id=item.pk).order_by("position", "pk"))
    written = record(kind, items=[main, *children], effective_on=effective_on, document=document, user=user, note=note)
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
        return sub_code(parent.code, max(numbers, default=0) + 1)
    # Lock the jurisdiction row: the counter is the one place codes are handed out.
    locked = Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
    locked.item_counter += 1
    Jurisdiction.objects.filter(pk=locked.pk).update(item_counter=locked.item_counter)
    return main_code(locked.code_prefix, locked.item_counter)


def _next_position(parent: ApprovalItem | None) -> int:
    if parent is None:
        return 0
    return (ApprovalItem.objects.filter(parent=parent).aggregate(m=Max("position"))["m"] or 0) + 1
