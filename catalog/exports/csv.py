"""CSV of a table: UTF-8 with a byte-order mark (Excel on a Chinese desktop needs it), one line per printed row."""

from __future__ import annotations

import csv

from catalog.exports.streams import safe_text, text_stream
from catalog.tables import Table

HEADER = (
    "部分",
    "序号",
    "主项名称",
    "子项名称",
    "事项类型",
    "划转部门",
    "划转情况",
    "对应基本目录情况",
    "备注",
    "事项编码",
)


def write_csv(table: Table, out) -> None:
    """Write to a path, a binary or a text file object. 序号 and 主项名称 are repeated on every row of a main item.

    A flat file has no merged cells: each line stands on its own, so that it can be sorted and filtered.
    """
    with text_stream(out, bom=True) as text:
        writer = csv.writer(text)
        writer.writerow(HEADER)
        for section in table.sections:
            for row in section.rows:
                values = (
                    row.main_name,
                    row.sub_name,
                    row.item_type,
                    row.departments,
                    row.batch,
                    row.base,
                    row.remarks,
                    row.item_code,
                )
                writer.writerow([section.number, row.number, *(safe_text(v, csv=True) for v in values)])
