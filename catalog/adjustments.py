"""The adjustment table between two editions (调整对照表).

It compares the state of the register that each edition records, not the rows
as printed: an item is at the bureau in an edition when the edition lists it in
section (一). An item returned in an earlier edition that a later one no longer
prints in section (二) is therefore not a change.

A row of the same item in the same section of both editions is compared cell by
cell too: a name, type or department that changed is a change of its own
category; any other text cell that changed (划转情况, 对应基本目录情况, 备注, or
any cell of a row in section (二)) is "其他内容变更", with each cell before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from approvals.models import ApprovalItem, Transfer
from catalog.models import Edition, Entry
from spreadsheets.cells import clean_text
from spreadsheets.heights import row_height, row_height_function, span_width

ADDED = "added"
RETURNED = "returned"
CANCELLED = "cancelled"
DEVOLVED = "devolved"
REMOVED = "removed"
RENAMED = "renamed"
RETYPED = "retyped"
MOVED = "moved"
EDITED = "edited"
TITLE_SIZE, BODY_SIZE = 14, 11  # the workbook's fonts, in points (11: xlsxwriter's default)

CATEGORIES = {
    ADDED: _("新增划转或承接"),
    RETURNED: _("退回原部门"),
    CANCELLED: _("取消"),
    DEVOLVED: _("下放"),
    REMOVED: _("不再列入（无登记事件）"),
    RENAMED: _("名称变更"),
    RETYPED: _("事项类型变更"),
    MOVED: _("划转部门变更"),
    EDITED: _("其他内容变更"),
}
_LEAVING = {Transfer.Kind.RETURN: RETURNED, Transfer.Kind.CANCEL: CANCELLED, Transfer.Kind.DEVOLVE: DEVOLVED}


# Each text cell of a row and its column heading (section (二) prints 主项名称 as 事项名称).
CELL_LABELS = {
    "main_name": _("主项名称"),
    "sub_name": _("子项名称"),
    "item_type": _("事项类型"),
    "departments": _("划转部门"),
    "batch": _("划转情况"),
    "base": _("对应基本目录情况"),
    "remarks": _("备注"),
}
# The cells whose change has a category of its own in section (一).
_OWN_CATEGORY = {"main_name", "sub_name", "item_type", "departments"}


@dataclass(frozen=True)
class CellChange:
    column: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    category: str
    code: str
    name: str
    departments: str
    before: str
    after: str
    basis: str
    cells: tuple[CellChange, ...] = ()

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


@dataclass
class Adjustment:
    old: Edition
    new: Edition
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of changes per category, in the table's order, categories without changes left out."""
        counts = {category: 0 for category in CATEGORIES}
        for change in self.changes:
            counts[change.category] += 1
        return {category: n for category, n in counts.items() if n}

    def changed_rows(self) -> int:
        """Number of rows (one per item or sub-item) with at least one change."""
        return len({change.code for change in self.changes})

    def by_category(self) -> list[tuple[str, list[Change]]]:
        return [
            (str(label), [c for c in self.changes if c.category == category])
            for category, label in CATEGORIES.items()
            if any(c.category == category for c in self.changes)
        ]


def _section1(edition: Edition) -> dict[int, tuple[str, str, str, str]]:
    """{item id: (printed name, type, departments, batch)} for the rows of section (一)."""
    rows = Entry.objects.filter(edition=edition, section=Entry.Section.TRANSFERRED).values_list(
        "item_id", "main_name", "sub_name", "item_type", "departments", "batch"
    )
    return {
        item_id: (f"{main}／{sub}" if sub and sub != main else main, kind, departments, batch)
        for item_id, main, sub, kind, departments, batch in rows.iterator()
    }


def _rows(edition: Edition, section: int) -> dict[int, dict[str, str]]:
    """{item id: {cell field: text}} for the rows of one section."""
    rows = Entry.objects.filter(edition=edition, section=section).values("item_id", *CELL_LABELS)
    return {row.pop("item_id"): row for row in rows.iterator()}


def _cell_changes(old: Edition, new: Edition, items: dict[int, ApprovalItem], basis: str) -> list[Change]:
    """The rows of one item in the same section of both editions whose other text cells changed."""
    edited: list[tuple[int, dict[str, str], tuple[CellChange, ...]]] = []
    for section in (Entry.Section.TRANSFERRED, Entry.Section.RETURNED):
        before, after = _rows(old, section), _rows(new, section)
        for item_id, cells in after.items():
            old_cells = before.get(item_id)
            if old_cells is None:
                continue
            changed = tuple(
                CellChange(str(label), old_cells[name], cells[name])
                for name, label in CELL_LABELS.items()
                if old_cells[name] != cells[name] and not (section == 1 and name in _OWN_CATEGORY)
            )
            if changed:
                edited.append((item_id, cells, changed))
    items.update(ApprovalItem.objects.in_bulk({item_id for item_id, _c, _ch in edited} - set(items)))
    changes = []
    for item_id, cells, changed in edited:
        main, sub = cells["main_name"], cells["sub_name"]
        changes.append(
            Change(
                EDITED,
                items[item_id].code,
                f"{main}／{sub}" if sub and sub != main else main,
                cells["departments"],
                "；".join(f"{c.column}：{c.before}" for c in changed),
                "；".join(f"{c.column}：{c.after}" for c in changed),
                basis,
                changed,
            )
        )
    return changes


def _document_text(transfer: Transfer | None) -> str:
    if transfer is None:
        return ""
    parts = [str(transfer.document) if transfer.document_id else "", str(transfer.effective_on or "")]
    return " ".join(part for part in parts if part) or transfer.note


def editions_diff(old: Edition, new: Edition) -> Adjustment:
    """What changed in the register between edition `old` and edition `new`, with each change's legal basis."""
    before, after = _section1(old), _section1(new)
    items = ApprovalItem.objects.in_bulk(set(before) | set(after))
    basis_of_new = str(new.document) if new.document_id else ""
    adjustment = Adjustment(old=old, new=new)

    # The events that explain arrivals and departures between the two editions' dates; for two
    # editions of one day, that day's events (a date cannot tell which came before the first).
    events = Transfer.objects.filter(item_id__in=set(before) ^ set(after)).select_related("document")
    if old.published_on:
        since = "gte" if old.published_on == new.published_on else "gt"
        events = events.filter(Q(**{f"effective_on__{since}": old.published_on}) | Q(effective_on__isnull=True))
    if new.published_on:
        events = events.filter(Q(effective_on__lte=new.published_on) | Q(effective_on__isnull=True))
    last_event: dict[int, Transfer] = {}
    for event in events.order_by("item_id", "sequence"):
        last_event[event.item_id] = event

    for item_id, (name, kind, departments, batch) in after.items():
        item = items[item_id]
        if item_id not in before:
            event = last_event.get(item_id)
            basis = _document_text(event) or basis_of_new
            adjustment.changes.append(Change(ADDED, item.code, name, departments, "", batch, basis))
            continue
        old_name, old_kind, old_departments, _batch = before[item_id]
        for category, old_value, new_value in (
            (RENAMED, old_name, name),
            (RETYPED, old_kind, kind),
            (MOVED, old_departments, departments),
        ):
            if old_value != new_value:
                adjustment.changes.append(
                    Change(category, item.code, name, departments, old_value, new_value, basis_of_new)
                )
    for item_id, (name, _kind, departments, batch) in before.items():
        if item_id in after:
            continue
        event = last_event.get(item_id)
        category = _LEAVING.get(event.kind, REMOVED) if event else REMOVED
        adjustment.changes.append(
            Change(category, items[item_id].code, name, departments, batch, "", _document_text(event))
        )
    adjustment.changes.extend(_cell_changes(old, new, items, basis_of_new))
    order = list(CATEGORIES)
    adjustment.changes.sort(key=lambda c: (order.index(c.category), c.code))
    return adjustment


ADJUSTMENT_COLUMNS = ("类别", "事项编码", "事项名称", "划转部门", "调整前", "调整后", "依据")


def write_adjustment_xlsx(adjustment: Adjustment, out) -> None:
    """Write the adjustment table: a title, the counts per category, then one block per category."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(str(_("调整对照表")))
    title = workbook.add_format(
        {"bold": True, "font_size": TITLE_SIZE, "align": "center", "valign": "vcenter", "text_wrap": True}
    )
    head = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    widths = (16, 14, 44, 20, 22, 22, 26)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    # LibreOffice and WPS do not grow a row for wrapped text: each row gets the height its text needs.
    full_width = (span_width(widths),)
    height_of = row_height_function(widths, BODY_SIZE)
    row = 0
    heading = clean_text(f"{adjustment.old.title} → {adjustment.new.title}")
    sheet.set_row(row, row_height((heading,), full_width, TITLE_SIZE))
    sheet.merge_range(row, 0, row, len(ADJUSTMENT_COLUMNS) - 1, heading, title)
    row += 1
    counts = adjustment.counts()
    summary = "；".join(f"{CATEGORIES[c]} {n} 项" for c, n in counts.items()) or str(_("两个版本之间没有调整。"))
    sheet.set_row(row, row_height((summary,), full_width, BODY_SIZE))
    sheet.merge_range(row, 0, row, len(ADJUSTMENT_COLUMNS) - 1, summary, cell)
    row += 2
    sheet.set_row(row, height_of(ADJUSTMENT_COLUMNS))
    for column, text in enumerate(ADJUSTMENT_COLUMNS):
        sheet.write_string(row, column, text, head)
    sheet.repeat_rows(row)
    sheet.freeze_panes(row + 1, 0)
    for change in adjustment.changes:
        row += 1
        values = (
            change.category_label,
            change.code,
            change.name,
            change.departments,
            change.before,
            change.after,
            change.basis,
        )
        values = tuple(clean_text(str(value)) for value in values)
        sheet.set_row(row, height_of(values))
        for column, value in enumerate(values):
            sheet.write_string(row, column, value, cell)
    workbook.close()
