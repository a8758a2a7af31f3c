"""The printed row of the official tables and its columns, written once.

Every table the project reads or writes has these columns in this order: the gazette text
(catalog/official_source.py), an edition's entries, the exports (xlsx, csv, json), the official
import and the fixture. Section (一) has 8 columns, section (二) 7 (no 子项名称; 主项名称 reads 事项名称).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

SECTION1_COLUMNS = ("序号", "主项名称", "子项名称", "事项类型", "划转部门", "划转情况", "对应基本目录情况", "备注")
SECTION2_COLUMNS = ("序号", "事项名称", "事项类型", "划转部门", "划转情况", "对应基本目录情况", "备注")
COLUMNS = {1: SECTION1_COLUMNS, 2: SECTION2_COLUMNS}


class Row(NamedTuple):
    """One printed row. Rows of one main item share its `number`; the first of them prints it.

    A named tuple, not a dataclass: a province's export makes 100,000 of them, and a frozen
    dataclass's __init__ cost 0.3 s of a 7.5 s export.
    """

    number: int
    main_name: str
    sub_name: str
    item_type: str
    departments: str
    batch: str
    base: str
    remarks: str
    item_code: str = ""

    def cells(self, section: int, *, first_of_item: bool = True) -> list[int | str]:
        """The row's cells in the official column order; a continuation row leaves 序号 and 主项名称 blank."""
        number: int | str = self.number if first_of_item else ""
        main_name = self.main_name if first_of_item else ""
        if section == 1:
            return [
                number,
                main_name,
                self.sub_name,
                self.item_type,
                self.departments,
                self.batch,
                self.base,
                self.remarks,
            ]
        return [number, self.main_name, self.item_type, self.departments, self.batch, self.base, self.remarks]

    def entry_fields(self) -> dict[str, object]:
        """The row as the fields of a catalog.Entry (its 序号 and its text cells)."""
        return {"number": self.number, **dict(zip(CELL_FIELDS, self[1:8], strict=True))}


# The text cells of a row after 序号, as Row and catalog.Entry name them.
CELL_FIELDS = ("main_name", "sub_name", "item_type", "departments", "batch", "base", "remarks")
# A flat file's columns after 部分 and 序号 (CSV, JSON): section (一)'s text cells and the item's code.
FLAT_COLUMNS = (*SECTION1_COLUMNS[1:], "事项编码")


@dataclass(slots=True, eq=False)
class ReadRow:
    """A row read from a table: the gazette text (sheet "") or a workbook, with where it stood.

    `number` is carried down to the continuation rows of a main item, and so is `main_name`.
    """

    sheet: str
    row: int
    section: int
    number: int
    first_of_item: bool
    main_name: str
    sub_name: str
    item_type: str
    departments: str
    batch: str
    base: str
    remarks: str

    def printed(self, item_code: str = "") -> Row:
        """The row as the tables print it."""
        return Row(
            self.number,
            self.main_name,
            self.sub_name,
            self.item_type,
            self.departments,
            self.batch,
            self.base,
            self.remarks,
            item_code,
        )

    def department_names(self) -> list[str]:
        """The 划转部门 cell's names (两个部门 are joined by 、)."""
        return [name for name in self.departments.split("、") if name]
