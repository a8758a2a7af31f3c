"""The adjustment table as the attachment of an adjustment notice (调整对照表), as a workbook.

Titled "…调整对照表（2022年版→2024年版）", with the basis document and its date under the title;
then one part per kind of change, each headed with its count by main item ("二、退回原部门 3 项
（含子项 7 个）"): 新增划转或承接, 退回原部门, 取消, 下放, 不再列入, then 变更 with 调整前/调整后.
Rows are numbered by main item; a main item's sub-items stand under it, 序号 and 主项名称 merged
down over them. A4 landscape, fitted to the page width, "第 N 页，共 M 页" in the footer; every row as
high as its text needs (spreadsheets.heights).

A change names a sub-item "主项／子项" (catalog.adjustments): the rows of one main item are the
consecutive changes of a part with the same main name, in the order of their codes.

The same table as the notice's Word attachment: catalog.adjustment_notice_docx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import adjustments as a
from catalog.adjustments import Adjustment, Change
from catalog.models import Edition
from spreadsheets.cells import clean_text
from spreadsheets.heights import row_height, row_height_function, span_width

NUMERALS = "一二三四五六七八九十"
# The parts, in the notice's order: (title, categories). A part without changes is left out.
PARTS = (
    (gettext_lazy("新增划转或承接"), (a.ADDED,)),
    (gettext_lazy("退回原部门"), (a.RETURNED,)),
    (gettext_lazy("取消"), (a.CANCELLED,)),
    (gettext_lazy("下放"), (a.DEVOLVED,)),
    (gettext_lazy("不再列入"), (a.REMOVED,)),
    (gettext_lazy("变更"), (a.RENAMED, a.RETYPED, a.MOVED, a.EDITED)),
)
LIST_COLUMNS = ("序号", "主项名称", "子项名称", "划转情况", "划转部门", "依据")
CHANGE_COLUMNS = ("序号", "主项名称", "子项名称", "变更内容", "调整前", "调整后", "依据")
CHANGE_WIDTHS = (6, 26, 22, 12, 26, 26, 22)
TITLE_SIZE, HEADING_SIZE, BODY_SIZE = 16, 12, 10
_EDITION_LABEL = re.compile(r"\s*（([^（）]*)）\s*$")


@dataclass
class _MainItem:
    name: str
    changes: list[Change]


def notice_title(adjustment: Adjustment) -> str:
    """ "…调整对照表（2022年版→2024年版）": the new edition's title with its edition turned into the pair."""
    # The new title's words, or the old one's when the new title is only its edition ("2024年版").
    titled = [e.title for e in (adjustment.new, adjustment.old) if _EDITION_LABEL.search(e.title)]
    stem = re.sub(r"(调整)?目录$", "", _EDITION_LABEL.sub("", titled[0])) if titled else ""
    return f"{stem}调整对照表（{_label(adjustment.old)}→{_label(adjustment.new)}）"


def _label(edition: Edition) -> str:
    found = _EDITION_LABEL.search(edition.title)
    return found.group(1) if found else edition.title


def parts(adjustment: Adjustment) -> list[tuple[str, list[_MainItem], bool]]:
    """Each part with changes: its heading (numbered, with its counts), its main items in order, and
    whether it is the part of changes (with 调整前 and 调整后)."""
    found = []
    for title, categories in PARTS:
        changes = [change for change in adjustment.changes if change.category in categories]
        if not changes:
            continue
        changes.sort(key=lambda change: (change.code, categories.index(change.category)))
        items: list[_MainItem] = []
        for change in changes:
            main = change.name.split("／", 1)[0]
            if items and items[-1].name == main:
                items[-1].changes.append(change)
            else:
                items.append(_MainItem(main, [change]))
        subs = sum(1 for change in changes if "／" in change.name)
        heading = f"{NUMERALS[len(found)]}、{title} {len(items)} 项"
        if subs:
            heading += _("（含子项 %(n)d 个）") % {"n": subs}
        found.append((heading, items, categories == PARTS[-1][1]))
    return found


def write_notice_xlsx(adjustment: Adjustment, out) -> None:
    """Write the adjustment notice's table to `out` (a path or a binary file object)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(str(_("调整对照表")))
    base = {"font_name": "宋体", "font_size": BODY_SIZE, "valign": "vcenter", "text_wrap": True}
    formats = {
        "title": workbook.add_format({**base, "bold": True, "font_size": TITLE_SIZE, "align": "center"}),
        "basis": workbook.add_format({**base, "align": "center"}),
        "heading": workbook.add_format({**base, "bold": True, "font_size": HEADING_SIZE}),
        "header": workbook.add_format({**base, "bold": True, "align": "center", "border": 1, "bg_color": "#D9D9D9"}),
        "number": workbook.add_format({**base, "align": "center", "border": 1}),
        "cell": workbook.add_format({**base, "border": 1}),
    }
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    widths = CHANGE_WIDTHS
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    last_column, full = len(widths) - 1, (span_width(widths),)

    title = clean_text(notice_title(adjustment))
    sheet.set_row(0, max(30, row_height((title,), full, TITLE_SIZE)))
    sheet.merge_range(0, 0, 0, last_column, title, formats["title"])
    basis = basis_line(adjustment.new)
    sheet.set_row(1, row_height((basis,), full, BODY_SIZE))
    sheet.merge_range(1, 0, 1, last_column, basis, formats["basis"])
    row = 2
    found = parts(adjustment)
    if not found:
        sheet.merge_range(row + 1, 0, row + 1, last_column, str(_("两个版本之间没有调整。")), formats["heading"])
    for heading, items, changed in found:
        row = _write_part(sheet, row + 1, heading, items, changed, formats)
    workbook.close()


def basis_line(edition: Edition) -> str:
    """ "依据：<document>　日期：<day>", the line under the title."""
    document = str(edition.document) if edition.document_id else _("无")
    day = date_format(edition.published_on, "Y年n月j日") if edition.published_on else _("未定")
    return clean_text(_("依据：%(document)s　日期：%(day)s") % {"document": document, "day": day})


def _write_part(sheet, row: int, heading: str, items: list[_MainItem], changed: bool, formats: dict) -> int:
    """Write one part from `row` on: its heading, its header, its rows. Returns the row after it."""
    columns = CHANGE_COLUMNS if changed else LIST_COLUMNS
    # A list part spans the sheet's seven columns: its last column (依据) takes the last two.
    widths = CHANGE_WIDTHS if changed else (*CHANGE_WIDTHS[:5], span_width(CHANGE_WIDTHS[5:]))
    last = len(CHANGE_WIDTHS) - 1
    sheet.set_row(row, row_height((heading,), (span_width(CHANGE_WIDTHS),), HEADING_SIZE))
    sheet.merge_range(row, 0, row, last, heading, formats["heading"])
    row += 1
    header = [str(_(text)) for text in columns]
    sheet.set_row(row, row_height(header, widths, BODY_SIZE))
    _write_cells(sheet, row, header, formats["header"], merged_last=not changed)
    height_of = row_height_function(tuple(widths[2:]), BODY_SIZE)
    name_height = row_height_function(widths[1:2], BODY_SIZE)
    for number, item in enumerate(items, start=1):
        first = row + 1
        above = 0.0
        for position, change in enumerate(item.changes):
            row += 1
            sub = change.name.split("／", 1)[1] if "／" in change.name else ""
            if changed:
                cells = (sub, change.category_label, change.before, change.after, change.basis)
            else:
                cells = (sub, change.before or change.after, change.departments, change.basis)
            cells = tuple(clean_text(str(value)) for value in cells)
            height = height_of(cells)
            if len(item.changes) == 1:
                height = max(height, name_height((item.name,)))
            elif position == len(item.changes) - 1:
                height = max(height, name_height((item.name,)) - above)
            above += height
            sheet.set_row(row, height)
            _write_cells(sheet, row, ("", "", *cells), formats["cell"], merged_last=not changed, start=2)
        name = clean_text(item.name)
        if row > first:
            sheet.merge_range(first, 0, row, 0, number, formats["number"])
            sheet.merge_range(first, 1, row, 1, name, formats["cell"])
        else:
            sheet.write_number(first, 0, number, formats["number"])
            sheet.write_string(first, 1, name, formats["cell"])
    return row + 1


def _write_cells(sheet, row: int, cells, cell_format, *, merged_last: bool, start: int = 0) -> None:
    """Write a row's text cells from column `start`; a list part's last cell merged over the last two columns."""
    for column, text in enumerate(cells):
        if column < start:
            continue
        if merged_last and column == len(cells) - 1:
            sheet.merge_range(row, column, row, column + 1, text, cell_format)
        elif text:
            sheet.write_string(row, column, text, cell_format)
        else:
            sheet.write_blank(row, column, None, cell_format)
