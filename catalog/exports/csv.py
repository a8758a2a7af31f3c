"""CSV of a table: UTF-8 with a byte-order mark (Excel on a Chinese desktop needs it), one line per printed row."""

from __future__ import annotations

import csv
import io

from catalog.exports import inert_csv_text
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
    """Write to a binary file object. 序号 and 主项名称 are repeated on every row of a main item."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(HEADER)
        for section in table.sections:
            for row in section.rows:
                writer.writerow(
                    [section.number, row.number]
                    + [
                        inert_csv_text(value)
                        for value in (
                            row.main_name,
                            row.sub_name,
                            row.item_type,
                            row.departments,
                            row.batch,
                            row.base,
                            row.remarks,
                            row.item_code,
                        )
                    ]
                )
    finally:
        text.detach()
