"""A worksheet's rows as the file holds them, with what openpyxl's read-only rows leave out.

openpyxl's read-only worksheet yields values only: not whether a row or a column is hidden,
and a number it cannot read ("nan", an integer of 5,000 digits) stops the whole sheet with a
ValueError that names no cell. Its own sheet parser knows both, row by row, in the one pass
that reads the values. The parser is openpyxl's internal class (openpyxl is pinned, as
xlsxwriter is for the exports); tests/test_bad_input.py fails if it changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

UNREADABLE = "x"  # the data type of a number cell openpyxl could not read
_TRUE = ("1", "true")


# Named tuples: a province's workbook has a million cells, and a frozen dataclass costs a second more.
class Cell(NamedTuple):
    column: int  # 1 for A, as Excel counts
    value: object
    data_type: str  # openpyxl's: s text, n number, d date, b boolean, e error, f formula; or UNREADABLE


class SheetRow(NamedTuple):
    number: int  # as Excel shows it
    cells: tuple[Cell | None, ...]  # cells[0] is column A; None where the file has no cell
    hidden: bool
    hidden_columns: tuple[tuple[int, int], ...]  # the sheet's hidden column ranges, first and last

    def column_hidden(self, column: int) -> bool:
        return any(first <= column <= last for first, last in self.hidden_columns)


class _Parser(WorkSheetParser):
    def parse_cell(self, element) -> dict:
        try:
            return super().parse_cell(element)
        except (ValueError, OverflowError):
            # A value openpyxl cannot cast: keep the cell, marked, so that the problem names it.
            # (An unreadable reference itself raises again here: the sheet is then malformed.)
            reference = element.get("r")
            row, column = coordinate_to_tuple(reference) if reference else (self.row_counter, self.col_counter)
            return {"row": row, "column": column, "value": element.findtext(VALUE_TAG), "data_type": UNREADABLE}


def sheet_rows(sheet) -> Iterator[SheetRow]:
    """The rows the sheet's XML holds, in order; rows it leaves out (blank ones) are not made up."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = _Parser(
            source,
            sheet._shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        hidden_columns = None
        for number, parsed in parser.parse():
            if hidden_columns is None:  # <cols> comes before the first row
                hidden_columns = _hidden_columns(parser.column_dimensions)
            # Popped: a sheet whose every row has a height would otherwise keep them all.
            attributes = parser.row_dimensions.pop(str(number), None) or {}
            cells: list[Cell | None] = [None] * max((cell["column"] for cell in parsed), default=0)
            for cell in parsed:
                cells[cell["column"] - 1] = Cell(cell["column"], cell["value"], cell["data_type"])
            yield SheetRow(number, tuple(cells), attributes.get("hidden") in _TRUE, hidden_columns)


def _hidden_columns(dimensions: dict[str, dict]) -> tuple[tuple[int, int], ...]:
    return tuple(
        (int(attributes["min"]), int(attributes.get("max", attributes["min"])))
        for attributes in dimensions.values()
        if attributes.get("hidden") in _TRUE
    )
