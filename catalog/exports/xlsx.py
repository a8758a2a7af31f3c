"""The official-layout workbook, streamed with xlsxwriter's constant_memory mode.

One sheet per section so that each prints with its own header row repeated on
every page: the edition's title, the section heading as printed, the header,
the rows (a main item's 序号 and 主项名称 merged down over its sub-item rows),
and after section (一) its footnotes. A4 landscape, fitted to the page width.
Memory holds one main item's rows at a time.

Every row is as high as its text needs (spreadsheets.heights): LibreOffice and WPS do not grow a
row for wrapped text. A main item merged over its sub-item rows gets the height its name needs
across them, its last row grown when theirs add up to less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

from catalog.tables import Row, Section, Table
from spreadsheets.cells import NOT_XML as _NEEDS_CLEANING
from spreadsheets.cells import clean_text
from spreadsheets.heights import DEFAULT_HEIGHT, row_height, row_height_function, span_width

SHEET_NAMES = {1: "（一）划转事项", 2: "（二）调整回原部门事项"}
WIDTHS = {1: (6, 34, 30, 12, 18, 10, 16, 18), 2: (6, 48, 12, 18, 10, 16, 12)}
HEADER_ROW = 2  # title, heading, then the header
FONT_SIZES = {"title": 16, "heading": 12, "body": 10}


# What the fast path below leaves to xlsxwriter's own cell writer: text to escape (& < >, control
# characters, literal _xHHHH_), text with leading or trailing whitespace, rich strings.
_NOT_PLAIN = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")


class _Sheet(Worksheet):
    """xlsxwriter's worksheet, writing the official table's plain cells with one f-string each.

    Every cell of the table has a format (the grid); in constant_memory mode xlsxwriter's generic
    _write_cell (built for every cell type, attribute escaping, row and column formats) took about
    a third of a province's export. Cells that are not plain formatted text, numbers or blanks go
    to xlsxwriter's own writer, and tests compare the result with openpyxl's reading of the file.
    The XML is the one xlsxwriter writes for these cells (xlsxwriter is pinned). The same goes for
    a data row's <row> element with its height (tests/test_row_heights.py compares it).
    """

    def __init__(self) -> None:
        super().__init__()
        # Row → the height attributes of its <row> element, for the rows not yet written.
        self.heights: dict[int, str] = {}

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = cell.__class__.__name__
        if not self.constant_memory or cell.format is None or kind not in ("String", "Number", "Blank"):
            return super()._write_cell(row, col, cell)
        reference = xl_rowcol_to_cell_fast(row, col)
        style = cell.format._get_xf_index()
        if kind == "String":
            if _NOT_PLAIN.search(cell.string):
                return super()._write_cell(row, col, cell)
            self.fh.write(f'<c r="{reference}" s="{style}" t="inlineStr"><is><t>{cell.string}</t></is></c>')
        elif kind == "Number":
            self.fh.write(f'<c r="{reference}" s="{style}"><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{reference}" s="{style}"/>')

    def _write_row(self, row: int, spans, row_info=None, empty_row: bool = False) -> None:
        # A data row's height, kept in `heights` until its <row> element is written and then
        # dropped: set_row would keep every row's RowInfo until the sheet closes, and costs more.
        height = self.heights.pop(row, None)
        if height is None or row_info is not None or empty_row:
            return super()._write_row(row, spans, row_info, empty_row)
        spans = f' spans="{spans}"' if spans else ""
        self.fh.write(f'<row r="{row + 1}"{spans}{height}>')


def _row_attributes(points: float) -> str:
    """The <row> attributes xlsxwriter writes for a height set with set_row (whole pixels, in points)."""
    return f' ht="{int(points * 4 / 3 + 0.5) * 0.75:.16g}" customHeight="1"'


def write_xlsx(table: Table, out) -> None:
    """Write `table` to `out` (a path or a binary file object)."""
    workbook = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    formats = _formats(workbook)
    for section in table.sections:
        sheet = workbook.add_worksheet(SHEET_NAMES[section.number], worksheet_class=_Sheet)
        _write_section(sheet, table.title, section, formats)
    workbook.close()


def _formats(workbook) -> dict:
    base = {"font_name": "宋体", "font_size": FONT_SIZES["body"], "valign": "vcenter", "text_wrap": True}
    return {
        "title": workbook.add_format({**base, "bold": True, "font_size": FONT_SIZES["title"], "align": "center"}),
        "heading": workbook.add_format({**base, "bold": True, "font_size": FONT_SIZES["heading"], "align": "left"}),
        "header": workbook.add_format({**base, "bold": True, "align": "center", "border": 1, "bg_color": "#D9D9D9"}),
        "number": workbook.add_format({**base, "align": "center", "border": 1}),
        "cell": workbook.add_format({**base, "align": "left", "border": 1}),
        "note": workbook.add_format({**base, "align": "left"}),
    }


def _write_section(sheet, title: str, section: Section, formats: dict) -> None:
    width = len(section.columns)
    widths = WIDTHS[section.number]
    for column, size in enumerate(widths):
        sheet.set_column(column, column, size)
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.repeat_rows(HEADER_ROW)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_footer("&C第 &P 页，共 &N 页")

    full_width = (span_width(widths),)
    title, heading = clean_text(title), clean_text(section.heading)
    sheet.set_row(0, max(30, row_height((title,), full_width, FONT_SIZES["title"])))
    sheet.merge_range(0, 0, 0, width - 1, title, formats["title"])
    sheet.set_row(1, max(22, row_height((heading,), full_width, FONT_SIZES["heading"])))
    sheet.merge_range(1, 0, 1, width - 1, heading, formats["heading"])
    sheet.set_row(HEADER_ROW, row_height(section.columns, widths))
    for column, text in enumerate(section.columns):
        sheet.write_string(HEADER_ROW, column, text, formats["header"])

    row_index = HEADER_ROW + 1
    # The cell writers without the A1-notation wrapper of the public ones: this loop runs for every
    # cell of a province's catalogue. (xlsxwriter is pinned; the public names wrap these.)
    write_string = getattr(sheet, "_write_string", sheet.write_string)
    write_blank = getattr(sheet, "_write_blank", sheet.write_blank)
    write_number = getattr(sheet, "_write_number", sheet.write_number)
    number_format, cell_format = formats["number"], formats["cell"]
    # Heights of the text cells (columns 1 on); 序号 is a number that fits its column.
    height_of = row_height_function(widths[1:], FONT_SIZES["body"])
    main_name_height = row_height_function(widths[1:2], FONT_SIZES["body"])
    heights = sheet.heights  # taken by _Sheet._write_row when the row is written
    attributes: dict[float, str] = {}  # height → its row attributes (a few distinct heights)
    section_one = section.number == 1
    for group in main_items(section.rows):
        last = len(group) - 1
        if last:
            # Registered before the group's first row is written: merge_range with no format
            # writes nothing beyond that first cell (blank cells without a format are skipped),
            # so constant_memory's "rows in order" holds; the cells are then written in order below.
            for column in (0, 1):
                sheet.merge_range(row_index, column, row_index + last, column, "", None)
            name_needs = above = 0.0
        for position, row in enumerate(group):
            if section_one:
                main_name = "" if position else row.main_name
                texts = (main_name, row.sub_name, row.item_type, row.departments, row.batch, row.base, row.remarks)
            else:
                texts = (row.main_name, row.item_type, row.departments, row.batch, row.base, row.remarks)
            if _NEEDS_CLEANING.search("".join(texts)):  # one scan per row; cleaning is rare
                texts = tuple(clean_text(value) for value in texts)
            if not last:
                height = height_of(texts)
            else:
                # The merged name is measured on its own, against the group's rows together: the
                # last row grows by what they lack. (A row's height is taken when the next row
                # begins, so it can be set here, after the rows above it.)
                if not position:
                    name_needs = main_name_height(texts[:1])
                height = height_of(("", *texts[1:]))
                above += height
                if position == last and name_needs > above:
                    height += name_needs - above
            if height != DEFAULT_HEIGHT:
                row_attributes = attributes.get(height)
                if row_attributes is None:
                    row_attributes = attributes[height] = _row_attributes(height)
                heights[row_index] = row_attributes
            if position:
                write_blank(row_index, 0, None, number_format)
            else:
                write_number(row_index, 0, row.number, number_format)
            for column, text in enumerate(texts, start=1):
                if text:
                    # write_string, never write(): text such as "=1+1" stays text.
                    write_string(row_index, column, text, cell_format)
                else:
                    write_blank(row_index, column, None, cell_format)
            row_index += 1

    # Excel does not grow a merged row to fit its text either.
    for note in section.notes:
        note = clean_text(note)
        sheet.set_row(row_index, row_height((note,), full_width))
        sheet.merge_range(row_index, 0, row_index, width - 1, note, formats["note"])
        row_index += 1


def main_items(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """The rows grouped by main item (consecutive rows with the same 序号)."""
    group: list[Row] = []
    for row in rows:
        if group and row.number != group[0].number:
            yield group
            group = []
        group.append(row)
    if group:
        yield group
