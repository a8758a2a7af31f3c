"""CSV of a table: UTF-8 with a byte-order mark (Excel on a Chinese desktop needs it), one line per printed row."""

from __future__ import annotations

import csv

from catalog.exports.streams import safe_text, text_stream
from catalog.rows import FLAT_COLUMNS
from catalog.tables import Table

HEADER = ("部分", "序号", *FLAT_COLUMNS)


def write_csv(table: Table, out) -> None:
    """Write to a path, a binary or a text file object. 序号 and 主项名称 are repeated on every row of a main item.

    A flat file has no merged cells: each line stands on its own, so that it can be sorted and filtered.
    """
    with text_stream(out, bom=True) as text:
        writer = csv.writer(text)
        writer.writerow(HEADER)
        for section in table.sections:
            for row in section.rows:
                # row[1:]: the text cells and the item code, in FLAT_COLUMNS' order.
                writer.writerow([section.number, row.number, *(safe_text(v, csv=True) for v in row[1:])])
