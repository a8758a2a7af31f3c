"""The national-exchange list of a register's items: one row per item, the GB/T 39046 field names as headers.

For platforms that take an 实施清单 (the province's, the national one): every item carried out today (at
the bureau or by its department after a return), main items and their sub-items, each with its codes
(approvals/item_codes.py). One entry point, `write_national(items, fmt, out)`, over `national_items(…)`;
xlsx (streamed, constant memory) or CSV (UTF-8 with a byte-order mark, as catalog/exports/csv.py says
why). Every cell is inert text (spreadsheets.cells): written with write_string in the workbook, a leading
formula character quoted in the CSV, so that a code such as 000105001000 keeps its leading zeros.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import xlsxwriter
from django.db.models import Q, QuerySet

from approvals.item_codes import item_codes
from approvals.models import ApprovalItem, ItemType, Jurisdiction
from approvals.vocabulary import PUBLIC_STATUSES
from catalog.exports.streams import safe_text, text_stream

HEADER = (
    "事项名称",
    "事项类型",
    "事项类型代码",
    "基本编码",
    "实施编码",
    "实施主体",
    "实施主体编码",
    "行使层级",
    "行使层级代码",
    "行政区划代码",
    "主项名称",
    "本级事项编码",
)
WIDTHS = (40, 12, 8, 16, 34, 30, 22, 8, 8, 10, 30, 14)
SHEET_NAME = "实施清单"
CHUNK = 500  # items whose codes are read together (three queries a chunk)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def national_items(jurisdiction: Jurisdiction | None) -> QuerySet[ApprovalItem]:
    """The items of the list: of `jurisdiction` (None: every register), at the bureau or returned, with the
    sub-items of such main items, in code order (a main item, then its sub-items: SZ-0304, SZ-0304-01 …)."""
    items = ApprovalItem.objects.filter(status__in=PUBLIC_STATUSES).filter(
        Q(parent__isnull=True) | Q(parent__status__in=PUBLIC_STATUSES)
    )
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
    else:
        items = items.filter(jurisdiction__in=Jurisdiction.objects.registers())
    return items.order_by("code")


def national_rows(items: QuerySet[ApprovalItem]) -> Iterator[tuple[str, ...]]:
    """The rows under HEADER, as text, CHUNK items at a time."""
    types = dict(ItemType.choices)
    values = items.values_list("pk", "name", "item_type", "parent__name", "code")
    chunk: list[tuple] = []
    for row in values.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(chunk, types)
            chunk = []
    yield from _chunk_rows(chunk, types)


def _chunk_rows(chunk: list[tuple], types: dict) -> Iterator[tuple[str, ...]]:
    codes = item_codes(row[0] for row in chunk)
    for pk, name, item_type, parent_name, code in chunk:
        item = codes[pk]
        yield (
            name,
            str(types.get(item_type, "")),
            item.item_type_code,
            item.basic_code,
            item.implementation_code,
            item.body,
            item.body_code,
            item.exercise_level_label,
            str(item.exercise_level or ""),
            item.division_code,
            parent_name or "",
            code,
        )


def write_national(items: QuerySet[ApprovalItem], fmt: str, out) -> None:
    """Write the list of `items` (see national_items) as `fmt` ("xlsx" or "csv") to `out`: a path or a binary file."""
    if fmt == "csv":
        with text_stream(out, bom=True) as text:
            writer = csv.writer(text)
            writer.writerow(HEADER)
            for row in national_rows(items):
                writer.writerow([safe_text(value, csv=True) for value in row])
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")
    workbook = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet(SHEET_NAME)
    header = workbook.add_format({"bold": True, "font_name": "宋体", "border": 1, "bg_color": "#D9D9D9"})
    cell = workbook.add_format({"font_name": "宋体", "border": 1})
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    for column, text in enumerate(HEADER):
        sheet.write_string(0, column, text, header)
    for row_index, row in enumerate(national_rows(items), start=1):
        for column, value in enumerate(row):
            # write_string, never write(): codes keep their leading zeros, "=…" stays text.
            if value:
                sheet.write_string(row_index, column, safe_text(value), cell)
            else:
                sheet.write_blank(row_index, column, None, cell)
    workbook.close()
