"""An item's national codes (GB/T 39046) as the item page, the API and the national export show them.

The parts come from the register, the composition from approvals.codes:
- 事项类型代码 from the item's type (`codes.item_type_code`);
- 基本编码 as entered on the item;
- 行使层级 stored on the item or else its jurisdiction's (`codes.exercise_level_of`);
- 实施主体: who carries the item out today, the office that handles it (`offices.handling_offices`: at the
  bureau, the jurisdiction's bureau; not yet transferred or returned, its department). With two departments
  (item 60) or none, or cancelled or devolved, there is no single implementing body, hence no 实施主体编码
  and no 实施编码;
- 实施编码 composed by `codes.implementation_code` under the setting IMPLEMENTATION_CODE_FORMAT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from approvals import codes, offices
from approvals.models import ApprovalItem, ItemDepartment


@dataclass(frozen=True)
class ItemCodes:
    item_type_code: str
    basic_code: str
    exercise_level: int | None
    body: str  # 实施主体: the department's full name (its short name when it has none), or ""
    body_code: str  # 实施主体编码: its 统一社会信用代码, or ""
    division_code: str
    implementation_code: str

    @property
    def exercise_level_label(self) -> str:
        return str(codes.ExerciseLevel(self.exercise_level).label) if self.exercise_level else ""


def item_codes_of(item: ApprovalItem) -> ItemCodes:
    """The item's codes from the item as loaded: its jurisdiction, its `department_links__department` and,
    through `offices.with_offices`, its jurisdiction's bureau (no query when those are prefetched)."""
    handling = offices.handling_offices(item)
    body = handling[0] if len(handling) == 1 else None  # two departments, or none: no single 实施主体
    return compose(
        item_type=item.item_type,
        basic_code=item.basic_code,
        stored_level=item.exercise_level,
        jurisdiction_level=item.jurisdiction.level,
        division_code=item.jurisdiction.division_code,
        body=((body.full_name or body.short_name), body.credit_code or "") if body else None,
    )


def compose(
    *,
    item_type: str,
    basic_code: str,
    stored_level: int | None,
    jurisdiction_level: str,
    division_code: str,
    body: tuple[str, str] | None,
) -> ItemCodes:
    """The codes from their parts (`body`: the one implementing body's name and credit code, or None): what
    `item_codes_of` reads of an item and `public.listing.load_rows` of a list's rows, composed once."""
    credit_code = body[1] if body else ""
    type_code = codes.item_type_code(item_type)
    exercise_level = codes.exercise_level_of(stored_level, jurisdiction_level)
    parts = {
        "credit_code": _checked(credit_code, codes.validate_credit_code),
        "item_type_code": type_code,
        "basic_code": _checked(basic_code, codes.validate_basic_code),
        "exercise_level": exercise_level,
        "division_code": division_code,
    }
    return ItemCodes(
        item_type_code=type_code,
        basic_code=basic_code,
        exercise_level=exercise_level,
        body=body[0] if body else "",
        body_code=credit_code,
        division_code=division_code,
        implementation_code=codes.implementation_code(parts),
    )


def item_codes(ids: Iterable[int]) -> dict[int, ItemCodes]:
    """{pk: ItemCodes} of the items `ids` (a list's page, an export's chunk), in three queries however many."""
    ids = list(ids)
    if not ids:
        return {}
    links = Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department"))
    items = offices.with_offices(
        ApprovalItem.objects.filter(pk__in=ids).for_lists().select_related("jurisdiction").prefetch_related(links)
    )
    return {item.pk: item_codes_of(item) for item in items.order_by()}


def _checked(value: str, validate: Callable[[str], None]) -> str:
    # A stored value that fails its check (written around the forms and services) is no part: no code rather
    # than a wrong one. Nothing entered is no part either, without building the refusal's message (most items
    # have no 基本编码 yet: that was a fifth of a list page's rows).
    if not value:
        return ""
    try:
        validate(value)
    except ValidationError:
        return ""
    return value
