"""Reading back a county's claims workbook (catalog/exports/claims.py): all of it checked, then all applied.

Like every import, the whole file is read first and every problem is named with its sheet, row and
column, in Chinese; only a file without problems is applied, in one transaction, through the one claims
service (approvals/claims.py), so the database holds all of the file's decisions or none of them.
A row whose 认领情况 is empty leaves the item's claim as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from approvals.access import check_can_change
from approvals.claims import claimable_items, claims_decide
from approvals.models import Claim, Jurisdiction
from catalog.exports.claims import COLUMNS, HEADER_ROW, SHEET, claims_title
from catalog.imports.problems import ImportRefused, Problem
from catalog.imports.workbook import check_file

MAX_PROBLEMS = 200
DECISIONS = {str(label): value for value, label in Claim.Decision.choices}
REASONS = {str(label): value for value, label in Claim.Reason.choices}
TEXT_LIMIT = Claim._meta.get_field("reason_text").max_length


@dataclass(frozen=True)
class ClaimRow:
    row: int
    code: str
    decision: str
    reason: str
    reason_text: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read(path: Path) -> tuple[str, list[tuple[int, list[str]]]]:
    """The sheet's title and its rows below the header (row number, cells), or refuse an unreadable file."""
    import openpyxl  # with defusedxml installed, openpyxl refuses XML entity expansion

    check_file(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # many kinds for a broken file; all mean the same to a clerk
        message = _("文件“%(name)s”已损坏或不是 Excel 工作簿，无法读取。") % {"name": path.name}
        raise ImportRefused([Problem("", None, None, message)]) from None
    try:
        if SHEET not in workbook.sheetnames:
            message = _("找不到工作表“%(sheet)s”：请使用本系统下载的认领表填写。") % {"sheet": SHEET}
            raise ImportRefused([Problem("", None, None, message)])
        rows = [[_text(value) for value in row] for row in workbook[SHEET].iter_rows(values_only=True)]
    finally:
        workbook.close()
    header = (rows[HEADER_ROW] if len(rows) > HEADER_ROW else [])[: len(COLUMNS)]
    if header != list(COLUMNS):
        message = _("表头应为：%(columns)s。请使用本系统下载的认领表填写。") % {"columns": "、".join(COLUMNS)}
        raise ImportRefused([Problem(SHEET, HEADER_ROW + 1, None, message)])
    title = rows[0][0] if rows and rows[0] else ""
    body = [(number, (cells + [""] * len(COLUMNS))[: len(COLUMNS)]) for number, cells in enumerate(rows, start=1)]
    return title, body[HEADER_ROW + 1 :]


def read_claims(county: Jurisdiction, path: Path) -> list[ClaimRow]:
    """Every decided row of the file, checked; ImportRefused naming every problem found."""
    title, body = _read(path)
    if title != claims_title(county):
        message = _("这不是%(county)s的认领表（标题为“%(title)s”）。") % {"county": county.name, "title": title}
        raise ImportRefused([Problem(SHEET, 1, None, message)])
    known = set(claimable_items(county.parent).values_list("code", flat=True))
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    rows = []

    def problem(number: int, column: str, message: str) -> None:
        problems.append(Problem(SHEET, number, column, message))

    for number, (code, _name, decision, reason, text) in body:
        if not any((code, decision, reason, text)):
            continue  # a blank line
        if not code:
            problem(number, "事项编码", _("缺少事项编码。"))
        elif code not in known:
            problem(
                number,
                "事项编码",
                _("“%(code)s”不是%(city)s由审批服务管理局实施的主项。") % {"code": code, "city": county.parent},
            )
        elif code in seen:
            problem(
                number, "事项编码", _("事项编码“%(code)s”与第 %(row)d 行重复。") % {"code": code, "row": seen[code]}
            )
        seen.setdefault(code, number)
        if decision and decision not in DECISIONS:
            choices = "、".join(DECISIONS)
            problem(
                number,
                "认领情况",
                _("“%(value)s”不是可选的认领情况（%(choices)s）。") % {"value": decision, "choices": choices},
            )
        if decision == str(Claim.Decision.DECLINED.label):
            if not reason:
                problem(number, "不认领理由", _("不认领时必须填写不认领理由。"))
            elif reason not in REASONS:
                choices = "、".join(REASONS)
                problem(
                    number,
                    "不认领理由",
                    _("“%(value)s”不是可选的不认领理由（%(choices)s）。") % {"value": reason, "choices": choices},
                )
            elif REASONS[reason] == Claim.Reason.OTHER and not text:
                problem(number, "理由说明", _("不认领理由为“其他”时必须填写理由说明。"))
        elif reason or text:
            problem(number, "不认领理由", _("只有不认领的事项填写不认领理由和理由说明。"))
        if len(text) > TEXT_LIMIT:
            problem(number, "理由说明", _("理由说明不能超过 %(limit)d 个字。") % {"limit": TEXT_LIMIT})
        if decision:
            rows.append(ClaimRow(number, code, DECISIONS.get(decision, ""), REASONS.get(reason, ""), text))
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    return rows


@transaction.atomic
def claims_import(*, county: Jurisdiction, path: Path, user: AbstractBaseUser | None = None) -> int:
    """Apply the county's claims workbook at `path`: every row, or (ImportRefused) none; returns the rows read."""
    check_can_change(user, county.pk)
    rows = read_claims(county, Path(path))
    items = {item.code: item for item in claimable_items(county.parent).filter(code__in=[r.code for r in rows])}
    groups: dict[tuple[str, str, str], list] = {}
    for row in rows:
        groups.setdefault((row.decision, row.reason, row.reason_text), []).append(items[row.code])
    try:
        for (decision, reason, text), chosen in groups.items():
            claims_decide(county=county, items=chosen, decision=decision, reason=reason, reason_text=text, user=user)
    except ValidationError as error:  # what only the register knows (an item waiting for a dated event)
        raise ImportRefused([Problem(SHEET, None, None, message) for message in error.messages]) from None
    return len(rows)
