"""Exports of a `catalog.tables.Table`: the official-layout workbook, CSV and JSON.

Each module has one public entry point, `write_<format>(table, out)`, that
streams the rows: memory does not grow with the number of rows.
"""

from __future__ import annotations

from approvals.cells import FORMULA_STARTS, clean_text, inert_csv_text  # noqa: F401  (the exports' helpers)


def formats() -> dict:
    from catalog.exports import csv, json, xlsx

    return {
        "xlsx": (xlsx.write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "csv": (csv.write_csv, "text/csv; charset=utf-8"),
        "json": (json.write_json, "application/json; charset=utf-8"),
    }
