"""CSV of a table: UTF-8 with a byte-order mark, one line per printed row.

A CSV does not say its encoding; each application guesses (LibreOffice 7.4 tried here, 2026-12):
- Excel on a Chinese Windows reads a CSV as GBK unless it begins with the UTF-8 byte-order mark;
  WPS reads the mark as Excel does (not tried here).
- LibreOffice asks in its Text Import dialog, with the encoding it detects in the first bytes
  preselected (the UTF-8 mark; recent versions detect UTF-8 itself). Without the dialog it does not
  look: `soffice --convert-to` reads every CSV as Windows-1252, mark or not, and with the system's
  encoding given as GBK it reads the mark as GBK too. Tell it: `--infilter=CSV:44,34,76` (UTF-8).
- GBK cannot carry every name (CJK extension B characters), and UTF-8 without the mark is
  unreadable in Excel. So UTF-8 with the mark; a download link says so (LABEL) and offers the
  workbook first, which every application opens the same.
"""

from __future__ import annotations

import csv

from django.utils.translation import gettext_lazy as _

from catalog.exports.streams import safe_text, text_stream
from catalog.rows import FLAT_COLUMNS
from catalog.tables import Table

HEADER = ("部分", "序号", *FLAT_COLUMNS)
LABEL = _("CSV（UTF-8 编码，带 BOM）")


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
