"""Exports of a `catalog.tables.Table`: the official-layout workbook, the Word attachment, CSV and JSON.

Each module has one public entry point, `write_<format>(table, out)`, that
streams the rows: memory does not grow with the number of rows.

Inert text, decided once for every export:
- xlsx: every text is written with `write_string`, so "=1+1", "+86…", "-", "@", a leading
  tab or CR stay text cells, character for character. Nothing is prefixed.
- csv: a cell that begins with = + - @ tab or CR gets a leading apostrophe (OWASP's advice);
  no character of the value is removed, and a spreadsheet shows the cell as text.
- json: values as they are (JSON is never evaluated as a formula).
Characters that no file format can carry (lone surrogates, U+FFFE, U+FFFF) become U+FFFD in
all three. Other control characters are kept: xlsxwriter writes them as Excel's _xHHHH_
escapes, which Excel reads back as the character and our import decodes.
"""

from __future__ import annotations

from collections.abc import Callable

from catalog.exports import csv, docx, json, xlsx
from catalog.exports.streams import safe_text, text_stream
from spreadsheets.cells import FORMULA_STARTS, clean_text, inert_csv_text

__all__ = ["FORMATS", "FORMULA_STARTS", "clean_text", "formats", "inert_csv_text", "safe_text", "text_stream"]

Writer = Callable[..., None]


def formats() -> dict[str, tuple[Writer, str]]:
    """Each format's writer `write_<format>(table, out)` and its content type."""
    return FORMATS


FORMATS: dict[str, tuple[Writer, str]] = {
    "xlsx": (xlsx.write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": (docx.write_docx, docx.CONTENT_TYPE),
    "csv": (csv.write_csv, "text/csv; charset=utf-8"),
    "json": (json.write_json, "application/json; charset=utf-8"),
}
