"""The rules of 朔政发〔2022〕20号 that the register checks where a change is made (issue 18 §5).

- 二.2: an item outside the base catalogue (基本目录外事项) goes back to its department only 经本级人民政府同意:
  its return must cite a document of the jurisdiction's own people's government. An error wherever a return is
  recorded (`bulk.record`, the one event writer: the admin, the services, the import).
- 二.1 and 一.2: base-catalogue items are all transferred unless the level has no corresponding authority or the
  power is entrusted by a provincial department, so a return of one states why. The admin asks for the reason;
  the official tables carry none, so an import never refuses for it and publishing lists it as a warning.
- 四: the service guide is the same at the same level, so time limits are structured: a number of 工作日 or
  自然日, or 即办; 承诺时限 is never longer than 法定时限.
- An item without 设定依据 is listed as a warning before publishing (catalog/prepublication.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

GOVERNMENT = "人民政府"  # the issuer of a people's government's document, or of its general office's
WORKING_DAYS, CALENDAR_DAYS, AT_ONCE = "工作日", "自然日", "即办"
_TIME_LIMIT = re.compile(r"^(?:(?P<days>[0-9]{1,4})\s*个?\s*(?P<unit>工作日|自然日|日|天)|(?P<at_once>即办|当场办结))$")


@dataclass(frozen=True)
class TimeLimit:
    days: int  # 0 for 即办
    unit: str  # WORKING_DAYS, CALENDAR_DAYS or AT_ONCE

    def __str__(self) -> str:
        return AT_ONCE if self.unit == AT_ONCE else f"{self.days}个{self.unit}"


def is_government_document(document, jurisdiction_id: int) -> bool:
    """Issued by the people's government of `jurisdiction_id` (or its general office)."""
    return document is not None and document.jurisdiction_id == jurisdiction_id and GOVERNMENT in document.issuer


def check_return_basis(items: Iterable, document) -> None:
    """Refuse the return of an item outside the base catalogue on anything but its own government's document."""
    for item in items:
        if item.in_base_catalogue or is_government_document(document, item.jurisdiction_id):
            continue
        raise ValidationError(
            _(
                "“%(code)s %(name)s”是基本目录外事项。依照朔政发〔2022〕20号第二条第二项，基本目录外事项须经本级人民"
                "政府同意方可调整回原部门实施，依据文件应为本级人民政府（或其办公室）印发的文件；%(document)s。"
            ),
            code="return_needs_government",
            params={
                "code": item.code,
                "name": item.name,
                "document": _("“%(number)s”不是") % {"number": document.number}
                if document is not None
                else _("这里没有选择依据文件"),
            },
        )


def needs_return_reason(items: Iterable) -> list:
    """The base-catalogue items among `items`: their return states why (二.1, 一.2)."""
    return [item for item in items if item.in_base_catalogue]


RETURN_REASON_MESSAGE = gettext_lazy(
    "所选事项中有 %(count)d 项属于基本目录事项。依照朔政发〔2022〕20号第二条第一项，基本目录事项原则上全部划转，"
    "本级无相应职责权限或属省直部门委托的事项除外；请在“说明”中写明退回的理由。"
)


def parse_time_limit(text: str, *, label: str) -> TimeLimit | None:
    """The structured time limit of `text` (None when empty), or a refusal naming the field `label`."""
    text = (text or "").strip()
    if not text:
        return None
    match = _TIME_LIMIT.match(text)
    if match is None:
        raise ValidationError(
            {
                label: _(
                    "%(label)s应写成“数字 + 工作日”或“数字 + 自然日”，或“即办”，例如“20个工作日”；这里是“%(text)s”。"
                )
                % {"label": _field_label(label), "text": text}
            },
            code="time_limit",
        )
    if match["at_once"]:
        return TimeLimit(0, AT_ONCE)
    return TimeLimit(int(match["days"]), WORKING_DAYS if match["unit"] == WORKING_DAYS else CALENDAR_DAYS)


def check_time_limits(*, statutory: str, promised: str) -> None:
    """Both limits structured, and the promise no longer than the law. Between 工作日 and 自然日 only what is
    certain is refused: n 工作日 last at least n 自然日."""
    law = parse_time_limit(statutory, label="statutory_time_limit")
    promise = parse_time_limit(promised, label="promised_time_limit")
    if law is None or promise is None:
        return
    longer = promise.days > law.days and (
        promise.unit == law.unit or promise.unit == WORKING_DAYS or law.unit == AT_ONCE
    )
    if longer:
        raise ValidationError(
            {
                "promised_time_limit": _("承诺时限（%(promise)s）不能长于法定时限（%(law)s）。")
                % {"promise": promise, "law": law}
            },
            code="promise_longer",
        )


def _field_label(name: str) -> str:
    return {"statutory_time_limit": _("法定时限"), "promised_time_limit": _("承诺时限")}[name]
