"""The official table layout as data: what every export writes and every import reads.

A `Table` is the title, section (一) with its 8 columns and footnotes, and
section (二) with its 7 columns. Rows come from an edition's entries (exactly as
published) or from the register (as the register stands now). Rows are
iterators so that a province-sized table never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from approvals.models import ApprovalItem
from catalog.models import Edition, Entry

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


@dataclass
class Section:
    number: int
    heading: str
    rows: Iterable[Row]
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> tuple[str, ...]:
        return COLUMNS[self.number]


@dataclass
class Table:
    title: str
    sections: list[Section]


def edition_table(edition: Edition) -> Table:
    """The edition exactly as published."""
    return Table(
        title=edition.title,
        sections=[
            Section(1, edition.section1_heading, _entry_rows(edition, 1), edition.notes.splitlines()),
            Section(2, edition.section2_heading, _entry_rows(edition, 2)),
        ],
    )


def _entry_rows(edition: Edition, section: int) -> Iterator[Row]:
    entries = (
        Entry.objects.filter(edition=edition, section=section)
        .order_by("row")
        .values_list(
            "number", "main_name", "sub_name", "item_type", "departments", "batch", "base", "remarks", "item__code"
        )
    )
    yield from map(Row._make, entries.iterator(chunk_size=2000))


def mark_first_rows(rows: Iterable[Row]) -> Iterator[tuple[Row, bool]]:
    """Pair each row with whether it is the first row of its main item (the one that prints 序号)."""
    previous = None
    for row in rows:
        yield row, row.number != previous
        previous = row.number


def item_rows(item: ApprovalItem, number: int, *, section: int = 1, remarks: str | None = None) -> list[Row]:
    """The rows the register gives one main item: one row, or one per sub-item.

    `item` must come from `ApprovalItem.objects.with_table_cells()` with its children
    prefetched (`prefetch_related("children__…")`) to keep the query count flat.
    """
    children = list(item.children.all())
    sources = children if children and section == 1 else [item]
    rows = []
    for source in sources:
        rows.append(
            Row(
                number=number,
                main_name=item.name,
                sub_name=source.name if source is not item else "",
                item_type=source.get_item_type_display(),
                departments=source.department_text(),
                batch=source.batch_text(),
                base=source.base_text(),
                remarks=source.remarks if remarks is None else remarks,
                item_code=source.code,
            )
        )
    return rows
