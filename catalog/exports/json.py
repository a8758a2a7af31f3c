"""JSON of a table: UTF-8 (not escaped), an array with one object per printed row, each with its item code."""

from __future__ import annotations

import json

from catalog.exports.streams import safe_text, text_stream
from catalog.rows import FLAT_COLUMNS
from catalog.tables import Table

KEYS = FLAT_COLUMNS


def write_json(table: Table, out) -> None:
    """Write to a path, a binary or a text file object; one object per line, so large files read line by line.

    Section (二) rows name their item 事项名称, as its table does, and have no 子项名称.
    """
    with text_stream(out) as text:
        text.write("[\n")
        first = True
        for section in table.sections:
            for row in section.rows:
                values = row[1:]  # the text cells and the item code, in FLAT_COLUMNS' order
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
