"""JSON of a table: UTF-8 (not escaped), an array with one object per printed row, each with its item code."""

from __future__ import annotations

import json

from catalog.exports.streams import safe_text, text_stream
from catalog.tables import Table

KEYS = ("主项名称", "子项名称", "事项类型", "划转部门", "划转情况", "对应基本目录情况", "备注", "事项编码")


def write_json(table: Table, out) -> None:
    """Write to a path, a binary or a text file object; one object per line, so large files read line by line.

    Section (二) rows name their item 事项名称, as its table does, and have no 子项名称.
    """
    with text_stream(out) as text:
        text.write("[\n")
        first = True
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
                record = {
                    "部分": section.number,
                    "序号": row.number,
                    **dict(zip(KEYS, map(safe_text, values), strict=True)),
                }
                if section.number == 2:
                    record["事项名称"] = record.pop("主项名称")
                    del record["子项名称"]
                text.write(("" if first else ",\n") + json.dumps(record, ensure_ascii=False))
                first = False
        text.write("\n]\n")
