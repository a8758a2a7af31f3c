"""Reading an official-layout workbook, checking everything that can be checked without the register.

The file is checked before it is parsed (size, not encrypted, a real zip, no zip
bomb), then every sheet is scanned for the official header rows: the title (the
line above the table on the table's own sheet) and section headings are taken as
printed, repeated page headers skipped, footnotes kept, merged 序号/主项名称 cells
read as the continuation rows they are. Each cell is checked on its own
(catalog/imports/checks.py: text where text belongs, no invisible characters, no
longer than its field, no number out of range), and so is where content stands
(not hidden, not beyond the table). Every problem names the sheet, the row and the
column, in Chinese; the whole file is read before anything is refused, so that a
clerk sees all problems at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from approvals.models import ItemType
from approvals.vocabulary import BASE_TEXTS
from catalog.imports.checks import (
    Placement,
    cell_limits,
    heading_count_problem,
    invisible_problem,
    length_problem,
    number_problem,
    reference,
    text_problem,
)
from catalog.imports.problems import ImportRefused, Problem
from catalog.imports.sheets import sheet_rows
from catalog.models import Edition
from catalog.rows import COLUMNS, ReadRow
from spreadsheets.cells import archive_problem, clean_text

logger = logging.getLogger(__name__)
MAX_PROBLEMS = 200
BLANK_RUN_LIMIT = 1000  # LibreOffice may save a million empty rows: stop well before that
PROGRESS_EVERY = 10_000
# Excel's escape for characters XML cannot hold (_x000D_ is a carriage return; _x005F_ is "_" itself).
_EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


# A row of a workbook's table, with its sheet and row number for the problems that name it.
ParsedRow = ReadRow


@dataclass
class ParsedWorkbook:
    title: str = ""
    headings: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)

    def section(self, number: int) -> list[ParsedRow]:
        return [row for row in self.rows if row.section == number]


def _refuse(name: str, message: str) -> ImportRefused:
    """A refusal of the whole file, before any sheet is read."""
    return ImportRefused([Problem("", None, None, _("文件“%(name)s”") % {"name": name} + message)])


def check_file(path: Path) -> None:
    """Refuse, before parsing, a file that is too large, not an xlsx, or a zip bomb."""
    problem = archive_problem(path, path.stat().st_size)
    if problem:
        raise _refuse(path.name, problem)


def read_workbook(path: Path, progress: Callable[[str], None] | None = None) -> ParsedWorkbook:
    """Parse the workbook; raises ImportRefused with every problem found in it."""
    import openpyxl  # with defusedxml installed, openpyxl refuses XML entity expansion

    check_file(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken file; all mean the same to a clerk
        logger.warning("workbook %s refused: %s", path.name, type(error).__name__)  # no traceback: a refused file
        raise _refuse(
            path.name, _("已损坏或内容不安全，无法读取。请在 Excel 中打开并另存为 Excel 工作簿后再导入。")
        ) from None
    reader = _Reader(progress)
    try:
        for sheet in workbook.worksheets:
            reader.read_sheet(sheet)
            if len(reader.problems) >= MAX_PROBLEMS or reader.over_limit:
                break
    except Exception as error:  # a malformed or hostile sheet part surfaces while iterating
        logger.warning("workbook %s refused while reading: %s", path.name, type(error).__name__)
        reader.problems.append(
            Problem(
                reader.sheet,
                None,
                None,
                _("文件内容无法解析：工作表已损坏或含有不安全的内容，请另存为新的 Excel 工作簿后再导入。"),
            )
        )
    finally:
        workbook.close()
    reader.finish()
    if reader.problems:
        raise ImportRefused(reader.problems[:MAX_PROBLEMS])
    return reader.parsed


class _Reader:
    def __init__(self, progress: Callable[[str], None] | None = None):
        self.progress = progress
        self.over_limit = False
        self.parsed = ParsedWorkbook()
        self.problems: list[Problem] = []
        self.sheet = ""  # the sheet being read, for a problem that surfaces as an exception
        self.rows_read = 0
        self.seen_header = {1: False, 2: False}
        self.numbers: dict[int, set[int]] = {1: set(), 2: set()}
        self.last_number = {1: 0, 2: 0}
        self.heading_at: dict[int, tuple[str, int]] = {}  # section → (sheet, row) of its heading
        self.item_row: ParsedRow | None = None  # the first row of the last main item of section (一)
        self.saw_anything = False
        # Plain strings once: comparing with the lazy labels translates them on every row.
        self.type_labels = frozenset(map(str, ItemType.labels))
        self.limits = cell_limits()

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        # A message may quote a cell, and an _xD800_ escape makes a character no page or terminal can encode.
        self.problems.append(Problem(sheet, row, column, clean_text(message)))

    def read_sheet(self, sheet) -> None:
        name = self.sheet = sheet.title
        placement = Placement(name, hidden_sheet=sheet.sheet_state != "visible")
        section = 0  # 0: before a header; 1 or 2: reading that section's rows
        notes = False
        blank_run = 0
        title: tuple[int, str] | None = None  # this sheet's last line of text before its table
        for row in sheet_rows(sheet):
            values = [None if cell is None else cell.value for cell in row.cells]
            if not any(v not in (None, "") for v in values):
                blank_run += 1
                if blank_run >= BLANK_RUN_LIMIT:
                    return
                continue
            blank_run = 0
            # Content nobody sees (a hidden sheet, row or column) is refused wherever it stands.
            self.problems.extend(placement.hidden(row))
            if placement.hidden_sheet:
                return  # one problem says it; its rows are not read as the table they may hold
            self.saw_anything = True
            values = [_unescape(v) for v in values]
            first = values[0] if values else None
            text = first.strip() if isinstance(first, str) else ""
            if text.startswith("（一）") or text.startswith("（二）"):
                heading_section = 1 if text.startswith("（一）") else 2
                self._take_title(name, title)
                if heading_section not in self.parsed.headings:
                    self._check_text(name, row.number, first, f"section{heading_section}_heading")
                    self.parsed.headings[heading_section] = first
                    self.heading_at[heading_section] = (name, row.number)
                section, notes = -heading_section, False  # header expected next
                continue
            if text == "序号":
                self._take_title(name, title)
                section = self._header(name, row.number, values, abs(section))
                notes = False
                continue
            if text and text == (self.parsed.title or "").strip() and not any(values[1:]):
                continue  # the title repeated on a pasted page
            if section <= 0:
                if section == 0 and isinstance(first, str) and not any(values[1:]):
                    title = (row.number, first)  # the last such line before the table is its title
                continue
            self.problems.extend(placement.beyond(row, section))
            if text.startswith("备注") and section == 1 and not any(v not in (None, "") for v in values[1:]):
                notes = True
            if notes:
                note = _text(first)
                self._check_text(name, row.number, note, None)
                if note not in self.parsed.notes:
                    self.parsed.notes.append(note)
                continue
            self._data_row(name, row.number, section, row.cells, values)
            if len(self.problems) >= MAX_PROBLEMS or self.over_limit:
                return
            if self.progress and self.rows_read % PROGRESS_EVERY == 0:
                self.progress(_("已读取 %(rows)d 行……") % {"rows": self.rows_read})

    def _take_title(self, sheet: str, title: tuple[int, str] | None) -> None:
        """The title is the line above the table on the table's own sheet, never a cover sheet's."""
        if self.parsed.title or title is None:
            return
        self._check_text(sheet, title[0], title[1], "title")
        self.parsed.title = title[1]

    def _check_text(self, sheet: str, row: int, text: str, field: str | None) -> None:
        """Invisible characters and length of a title, heading or footnote (column A: they span the table)."""
        where = reference(1, row)
        limit = Edition._meta.get_field(field).max_length if field else None
        problem = invisible_problem(text, where) or (limit and length_problem(text, where, limit))
        if problem:
            self.problem(sheet, row, "A", problem)

    def _header(self, sheet: str, row: int, values: list, expected: int) -> int:
        present = [v for v in values if v not in (None, "")]
        section = expected or (1 if len(present) >= 8 else 2)
        columns = COLUMNS[section]
        if self.seen_header[section] and list(values[: len(columns)]) == list(columns):
            return section  # the header repeated at a page break
        ok = True
        for index, expected_name in enumerate(columns):
            actual = values[index] if index < len(values) else None
            if actual == expected_name:
                continue
            ok = False
            column = _letter(index)
            if actual in (None, ""):
                self.problem(sheet, row, column, _("缺少表头“%(name)s”。") % {"name": expected_name})
            elif isinstance(actual, str) and actual.strip() == expected_name:
                self.problem(
                    sheet,
                    row,
                    column,
                    _("表头“%(actual)s”前后有多余的空格，应为“%(name)s”。") % {"actual": actual, "name": expected_name},
                )
            else:
                self.problem(
                    sheet,
                    row,
                    column,
                    _("表头应为“%(name)s”，实际为“%(actual)s”。") % {"name": expected_name, "actual": actual},
                )
        extra = [v for v in values[len(columns) :] if v not in (None, "")]
        if extra:
            ok = False
            self.problem(sheet, row, None, _("表头多出未知的列：%(extra)s。") % {"extra": "、".join(map(str, extra))})
        self.seen_header[section] = True
        return section if ok else 0

    def _data_row(self, sheet: str, row: int, section: int, cells, values: list) -> None:
        columns = COLUMNS[section]
        self.rows_read += 1
        if self.rows_read > settings.IMPORT_MAX_ROWS:
            # Stop reading here: the rest of a file this size is not worth the wait.
            self.over_limit = True
            self.problem(sheet, row, None, _("数据行超过上限 %(limit)d 行。") % {"limit": settings.IMPORT_MAX_ROWS})
            return
        bad = self._check_cells(sheet, row, section, cells, values)
        padded = (list(values) + [None] * 8)[: len(columns)]
        if section == 2:
            padded.insert(2, None)
        number_cell, main, sub, kind, departments, batch, base, remarks = (_text(v) for v in padded)
        number_column = columns[0]
        if number_cell.strip() == "":
            if section != 1 or not self.last_number[1] or not sub.strip():
                self.problem(sheet, row, number_column, _("缺少序号（只有主项下的子项行可以不填序号）。"))
                return
            number, first = self.last_number[1], False
            if main.strip():
                self.problem(sheet, row, columns[1], _("子项行的主项名称应留空或与合并单元格一致。"))
            item = self.item_row
            if item is not None and not item.sub_name.strip():
                # The planner would take the item's own row for a sub-item without a name.
                self.problem(
                    sheet,
                    row,
                    number_column,
                    _(
                        "序号留空的行是上一个事项（第 %(item)d 行）的子项，但第 %(item)d 行没有填子项名称："
                        "没有子项的事项只占一行。本行如是另一个事项，请填写序号；"
                        "如是子项，请在第 %(item)d 行也填写子项名称。"
                    )
                    % {"item": item.row},
                )
        else:
            if 0 in bad:
                return
            try:
                number = int(float(number_cell))
                if number != float(number_cell) or number < 1:
                    raise ValueError
            except (ValueError, OverflowError):
                self.problem(sheet, row, number_column, _("序号“%(value)s”不是正整数。") % {"value": number_cell})
                return
            if number > settings.IMPORT_MAX_ROWS:  # no table this long is read: such a number cannot be right
                self.problem(
                    sheet,
                    row,
                    number_column,
                    _("序号 %(number).15G 超出范围，不能大于 %(limit)d。")
                    % {"number": number, "limit": settings.IMPORT_MAX_ROWS},
                )
                return
            first = True
            if number in self.numbers[section]:
                self.problem(sheet, row, number_column, _("序号 %(number)d 重复。") % {"number": number})
            elif number != self.last_number[section] + 1:
                self.problem(
                    sheet,
                    row,
                    number_column,
                    _("序号应为 %(expected)d，实际为 %(number)d（序号缺失或顺序不对）。")
                    % {"expected": self.last_number[section] + 1, "number": number},
                )
            self.numbers[section].add(number)
            self.last_number[section] = number
            if not main.strip():
                self.problem(sheet, row, columns[1], _("不能为空。"))
        shift = 1 if section == 2 else 0  # section (二) has no 子项名称: its columns after 事项名称 move left
        required = {3: kind, 4: departments, 5: batch, 6: base}
        for index, value in required.items():
            if not value.strip():
                self.problem(sheet, row, columns[index - shift], _("不能为空。"))
        if kind.strip() and 3 - shift not in bad and kind not in self.type_labels:
            self.problem(
                sheet,
                row,
                columns[3 - shift],
                _("未知的事项类型“%(value)s”，应为：%(known)s。")
                % {"value": kind, "known": "、".join(sorted(self.type_labels))},
            )
        if base.strip() and 6 - shift not in bad and base not in BASE_TEXTS:
            self.problem(
                sheet,
                row,
                columns[6 - shift],
                _("应为“基本目录事项”或“基本目录外事项”，实际为“%(value)s”。") % {"value": base},
            )
        if not first:
            main = self.parsed.rows[-1].main_name if self.parsed.rows else ""
        parsed = ParsedRow(sheet, row, section, number, first, main, sub, kind, departments, batch, base, remarks)
        self.parsed.rows.append(parsed)
        if first and section == 1:
            self.item_row = parsed

    def _check_cells(self, sheet: str, row: int, section: int, cells, values: list) -> set[int]:
        """Each cell of the table's columns on its own; the indexes of the cells refused."""
        columns, limits = COLUMNS[section], self.limits[section]
        bad: set[int] = set()
        for index, cell in enumerate(cells[: len(columns)]):
            if cell is None or values[index] in (None, ""):
                continue
            where = reference(index + 1, row)
            if cell.data_type == "f":
                # Only real formulas: a text cell that merely begins with "=" is what our exports
                # write for such names, and must read back as the same text.
                problem = _("单元格是公式（%(formula)s），请改为直接填写的文字或数字。") % {
                    "formula": str(cell.value)[:50]
                }
            elif index == 0:
                problem = number_problem(values[0], cell.data_type, where)
            else:
                problem = text_problem(values[index], cell.data_type, where, limits[index])
            if problem:
                bad.add(index)
                self.problem(sheet, row, columns[index], problem)
        return bad

    def finish(self) -> None:
        for section, (sheet, row) in self.heading_at.items() if not self.problems else ():  # counts need sound 序号
            message = heading_count_problem(self.parsed.headings[section], len(self.numbers[section]))
            if message:
                self.problem(sheet, row, "A", message)
        if not self.saw_anything:
            self.problem("", None, None, _("工作簿是空的。"))
        elif not any(self.seen_header.values()):
            self.problem(
                "",
                None,
                None,
                _(
                    "没有找到官方版式的表头（序号、主项名称、子项名称、事项类型、划转部门、划转情况、"
                    "对应基本目录情况、备注），请使用导出的模板。"
                ),
            )


def _unescape(value):
    """A text cell as Excel shows it: xlsxwriter (and Excel) store control characters as _xHHHH_."""
    if isinstance(value, str) and "_x" in value:
        return _EXCEL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _letter(index: int) -> str:
    return chr(ord("A") + index)
