"""Exports of a `catalog.tables.Table`: the official-layout workbook, CSV and JSON.

Each module has one public entry point, `write_<format>(table, out)`, that
streams the rows: memory does not grow with the number of rows.
"""

from __future__ import annotations

import re

# XML 1.0 cannot carry these at all; they become U+FFFD. (C0 control characters are kept:
# xlsxwriter writes them as Excel's _xHHHH_ escapes, which Excel turns back into the character.)
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# A spreadsheet reads a cell beginning with one of these as a formula (or a DDE payload).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: object) -> str:
    """The cell's text, safe to put in any file: characters no file format can carry replaced by U+FFFD."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("\ufffd", text)


def inert_csv_text(value: object) -> str:
    """Text for a CSV cell that a spreadsheet will not run: a leading formula character gets a ' before it.

    This is OWASP's advice for CSV: the apostrophe tells Excel and LibreOffice the cell is text;
    no character of the value is removed.
    """
    text = clean_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def formats() -> dict:
    from catalog.exports import csv, json, xlsx

    return {
        "xlsx": (xlsx.write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "csv": (csv.write_csv, "text/csv; charset=utf-8"),
        "json": (json.write_json, "application/json; charset=utf-8"),
    }
