"""The official table layout as data: what every export writes and every import reads.

A `Table` is the title, section (一) with its 8 columns and footnotes, and
section (二) with its 7 columns. Rows come from an edition's entries (exactly as
published) or from the register (as the register stands now). Rows are
iterators so that a province-sized table never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from approvals.models import ApprovalItem
from catalog.models import Edition, Entry
from catalog.rows import COLUMNS, SECTION1_COLUMNS, SECTION2_COLUMNS, Row  # noqa: F401  (the layout's interface)


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
