"""What an official-layout import will do, as data: the plan both the dry run and the real run use.

`make_plan` (catalog/imports/planner.py) is a pure function of the file's rows and a register snapshot
(catalog/imports/snapshot.py): it makes no query, so the preview a clerk reads is,
item for item, what `apply_plan` (catalog/imports/official.py) writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.imports.workbook import Problem
from catalog.rows import Row


@dataclass(frozen=True)
class NewItem:
    """An item the register does not have yet; `ref` names it in the plan until it has a code."""

    ref: int
    label: str  # as the report prints it: 名称（部门）, or 主项（部门） / 子项 for a sub-item
    name: str
    item_type: str
    department_ids: tuple[int, ...]
    in_base_catalogue: bool
    remarks: str
    source_text: str
    children: tuple[NewItem, ...] = ()
    parent_id: int | None = None  # an existing main item, for a sub-item added to it


# An item the register has (its id), or one the import creates.
Target = int | NewItem


@dataclass(frozen=True)
class Listed:
    """An item of the register named in the report by its code and the file's label."""

    item_id: int
    code: str
    label: str


@dataclass(frozen=True)
class DepartmentChange:
    department_ids: tuple[int, ...]  # the new departments, in the order the file prints them
    old: str  # as the report prints them; the source (省政府下放) when there was no department
    new: str


@dataclass(frozen=True)
class Change:
    """What the file changes in an item; each field (old, new), or None when it stays."""

    item_id: int
    code: str
    label: str
    name: tuple[str, str] | None = None  # only by a rename the clerk confirmed
    item_type: tuple[str, str] | None = None
    in_base_catalogue: tuple[bool, bool] | None = None
    remarks: tuple[str, str] | None = None
    departments: DepartmentChange | None = None

    def fields(self) -> dict[str, tuple]:
        """The changed fields of the item, (old, new), in the order the report names them."""
        pairs = {
            "name": self.name,
            "item_type": self.item_type,
            "in_base_catalogue": self.in_base_catalogue,
            "remarks": self.remarks,
        }
        return {name: pair for name, pair in pairs.items() if pair is not None}

    def values(self) -> dict[str, str | bool]:
        """The new values of the changed fields, for items_update_bulk."""
        return {name: new for name, (_old, new) in self.fields().items()}


@dataclass(frozen=True)
class ProbableRename:
    """A main item at the bureau the file no longer lists, and the new row of section (一) that is probably it.

    Unconfirmed, the item is missing (a problem) and the row a new item; confirmed (`make_plan(renames=…)`),
    the row is the item under its new name.
    """

    item: Listed  # labelled with its old name and the file's departments
    old_name: str
    name: str  # the new name, as the file gives it
    item_type: str
    departments: str  # as the file prints them
    sheet: str
    row: int
    confirmed: bool = False


@dataclass(frozen=True)
class Intake:
    """Items that come to the bureau in one batch: one event each, under the batch's document."""

    kind: str  # Transfer.Kind.TRANSFER, or ACCEPT for 承接 (no document)
    document_id: int | None
    # Never at the bureau before: effective on the document's date; brought back: on the adjustment's.
    fresh: bool
    items: tuple[Target, ...]


@dataclass(frozen=True)
class DraftRow:
    section: int
    cells: Row  # item_code is empty for an item this import creates: it is `new_item`'s, once written
    new_item: NewItem | None = None


@dataclass(frozen=True)
class Draft:
    title: str
    headings: tuple[str, str]
    notes: tuple[str, ...]
    rows: tuple[DraftRow, ...]


@dataclass(frozen=True)
class Plan:
    """The adjustment: what the report lists, the events and changes apply writes, and the problems.

    A plan with problems is not applied. When a problem names a row, that row was not understood
    and the lists are empty; problems of the whole file (the slug, the title, items left out, no
    document for the returns) leave the lists whole, so that a dry run can show them.
    """

    slug: str
    jurisdiction_id: int
    document_id: int | None
    added: tuple[NewItem, ...] = ()  # new main items with their sub-items, and new sub-items of listed ones
    returned: tuple[Listed, ...] = ()  # main items at the bureau that section (二) lists
    brought_back: tuple[Listed, ...] = ()  # main items not at the bureau that section (一) lists
    changed: tuple[Change, ...] = ()  # every item whose fields or departments change, whatever its status
    unchanged: int = 0  # main items listed as they are (their sub-items may change)
    intakes: tuple[Intake, ...] = ()
    returns: tuple[Target, ...] = ()  # returned under the plan's document, main items with their sub-items
    draft: Draft | None = None
    problems: tuple[Problem, ...] = ()
    probable_renames: tuple[ProbableRename, ...] = ()  # offered, confirmed or not; the confirmed are in `changed`

    @property
    def previewable(self) -> bool:
        """Every row was understood: the lists are the whole adjustment, whatever else is wrong."""
        return not any(problem.row is not None for problem in self.problems)

    @property
    def renamed(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changed if change.name is not None)

    @property
    def retyped(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changed if change.item_type is not None)

    @property
    def base_changed(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changed if change.in_base_catalogue is not None)

    @property
    def remarks_changed(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changed if change.remarks is not None)

    @property
    def moved(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changed if change.departments is not None)

    @property
    def rows(self) -> tuple[DraftRow, ...]:
        return self.draft.rows if self.draft else ()
