"""What a cell of an official-layout workbook may hold, and where content may stand, checked before
anything is written.

Each check returns the problem in a clerk's words, naming the cell as Excel does (B5), or None.
Content nobody sees on screen (a hidden sheet, row or column) or that the table does not read
(beyond its last column) is refused: it would be imported, or dropped, without the clerk knowing.
Invisible characters are refused, not removed: a name is matched against the register as it
stands, and the draft edition keeps every cell as given, so a silently cleaned name would be a
different name from the one in the file; the clerk, told the cell and the character, deletes it
once in the file, where it would otherwise come back with every re-import.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from approvals.models import ApprovalItem
from catalog.imports.problems import Problem
from catalog.imports.sheets import UNREADABLE, SheetRow
from catalog.models import Entry
from catalog.rows import CELL_FIELDS, COLUMNS

# Character categories that show nothing, or move or join the text around them: control
# characters (Cc, line breaks and tabs included: a table cell holds one line), format characters
# (Cf: zero-width ones, bidirectional controls, the BOM, soft hyphens) and line and paragraph separators;
# and lone surrogates (Cs), which an _xD800_ escape can make and no database can store as UTF-8.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# The register's fields that also hold a cell's text, besides the edition's Entry.
_ITEM_FIELDS = {"main_name": "name", "sub_name": "name", "remarks": "remarks"}
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class Placement:
    """Where content may stand on one sheet. A column is named once, by its first cell with content;
    a hidden row each time, since rows are what a clerk unhides one by one."""

    def __init__(self, sheet: str, *, hidden_sheet: bool):
        self.sheet, self.hidden_sheet = sheet, hidden_sheet
        self.named: set[int] = set()

    def hidden(self, row: SheetRow) -> list[Problem]:
        filled = [cell for cell in row.cells if cell is not None and cell.value not in (None, "")]
        if not filled:
            return []
        first = filled[0]
        where = reference(first.column, row.number)
        if self.hidden_sheet:
            message = _(
                "工作表已隐藏，但单元格 %(cell)s 有内容：隐藏的内容看不到，却会随文件导入。"
                "请取消隐藏并核对，或删除此工作表后再导入。"
            ) % {"cell": where}
            return [Problem(self.sheet, row.number, get_column_letter(first.column), message)]
        problems = []
        if row.hidden:
            message = _(
                "第 %(row)d 行已隐藏（或被筛选隐藏），但单元格 %(cell)s 有内容：隐藏的行看不到，却会随文件导入。"
                "请取消隐藏（或清除筛选）并核对后再导入。"
            ) % {"row": row.number, "cell": where}
            problems.append(Problem(self.sheet, row.number, get_column_letter(first.column), message))
        for cell in filled if row.hidden_columns else ():
            if cell.column not in self.named and row.column_hidden(cell.column):
                self.named.add(cell.column)
                letter = get_column_letter(cell.column)
                message = _(
                    "%(letter)s 列已隐藏，但单元格 %(cell)s 有内容：隐藏的列看不到，却会随文件导入。"
                    "请取消隐藏并核对后再导入。"
                ) % {"letter": letter, "cell": reference(cell.column, row.number)}
                problems.append(Problem(self.sheet, row.number, letter, message))
        return problems

    def beyond(self, row: SheetRow, section: int) -> list[Problem]:
        """Content to the right of the table's last column, which the import would drop unsaid."""
        columns = COLUMNS[section]
        problems = []
        for cell in row.cells[len(columns) :]:
            if cell is None or cell.value in (None, "") or cell.column in self.named:
                continue
            self.named.add(cell.column)
            message = _(
                "单元格 %(cell)s 在表格之外（表格最后一列是 %(last)s 列“%(name)s”），却有内容“%(value)s”："
                "表格外的内容不会导入，请删除或移入表格后再导入。"
            ) % {
                "cell": reference(cell.column, row.number),
                "last": get_column_letter(len(columns)),
                "name": columns[-1],
                "value": str(cell.value)[:30],
            }
            problems.append(Problem(self.sheet, row.number, get_column_letter(cell.column), message))
        return problems


def cell_limits() -> dict[int, tuple[int | None, ...]]:
    """The longest text each column of each section may hold: the shortest field that stores it."""

    def limit(name: str) -> int:
        lengths = [Entry._meta.get_field(name).max_length]
        if name in _ITEM_FIELDS:
            lengths.append(ApprovalItem._meta.get_field(_ITEM_FIELDS[name]).max_length)
        return min(lengths)

    fields = {1: CELL_FIELDS, 2: tuple(name for name in CELL_FIELDS if name != "sub_name")}
    return {section: (None, *map(limit, names)) for section, names in fields.items()}


def reference(column: int, row: int) -> str:
    """The cell's name as Excel shows it: column 2, row 5 is B5."""
    return f"{get_column_letter(column)}{row}"


def number_problem(value: object, data_type: str, where: str) -> str | None:
    """A number that cannot be read or is beyond what a spreadsheet holds (openpyxl reads 1e400 as inf)."""
    if data_type == UNREADABLE or (data_type == "n" and not _finite(value)):
        return _("单元格 %(cell)s 的数值超出范围，无法读取（Excel 能保存的数最大约为 9.99E+307），请重新填写。") % {
            "cell": where
        }
    return None


def text_problem(value: object, data_type: str, where: str, limit: int) -> str | None:
    """Why a cell that must hold text (a name, a department, a remark) cannot be imported as it is.

    `value` is the cell's text as Excel shows it (its _xHHHH_ escapes undone), `data_type` openpyxl's.
    """
    problem = number_problem(value, data_type, where)
    if problem:
        return problem
    if data_type == "e":
        return _("单元格 %(cell)s 是错误值 %(value)s，请改为文字。") % {"cell": where, "value": value}
    if not isinstance(value, str):
        return _not_text(value, where)
    return invisible_problem(value, where) or length_problem(value, where, limit)


def invisible_problem(text: str, where: str) -> str | None:
    if text.isprintable():  # the usual case, decided in C: no control, format or separator character
        return None
    for position, character in enumerate(text, start=1):
        if unicodedata.category(character) in INVISIBLE_CATEGORIES:
            return _(
                "单元格 %(cell)s 含有看不见的字符 U+%(code)04X（%(name)s），在第 %(position)d 个字符处："
                "它会让名称与登记册对不上，请删除后再导入。"
            ) % {"cell": where, "code": ord(character), "name": _character_name(character), "position": position}
    return None


def length_problem(text: str, where: str, limit: int) -> str | None:
    # SQLite stores any length and PostgreSQL refuses the whole transaction: both are told here, first.
    if len(text) > limit:
        return _("单元格 %(cell)s 有 %(length)d 个字符，超过此栏的上限 %(limit)d 个字符。") % {
            "cell": where,
            "length": len(text),
            "limit": limit,
        }
    return None


def _not_text(value: object, where: str) -> str:
    if isinstance(value, bool):
        kind, shown = _("逻辑值"), ("TRUE" if value else "FALSE")
    elif isinstance(value, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        kind, shown = _("日期或时间"), _date_text(value)
    else:
        kind, shown = _("数字"), f"{value:.15G}" if isinstance(value, float) else str(value)
    return _(
        "单元格 %(cell)s 应填文字，实际是%(kind)s %(value)s（Excel 把输入的内容当成了%(kind)s）："
        "请把单元格设为“文本”格式后重新输入。"
    ) % {"cell": where, "kind": kind, "value": shown}


def _date_text(value: object) -> str:
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _finite(value: object) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False
    except TypeError:
        return True


def _character_name(character: str) -> str:
    if character in "\n\r\u2028\u2029":
        return _("换行符")
    if character == "\t":
        return _("制表符")
    if character in _BIDI:
        return _("文字方向控制符")
    names = {
        "\u200b": _("零宽空格"),
        "\u200c": _("零宽不连字"),
        "\u200d": _("零宽连字"),
        "\u2060": _("零宽不换行符"),
        "\ufeff": _("零宽不换行空格（BOM）"),
        "\u00ad": _("软连字符"),
    }
    if character in names:
        return names[character]
    category = unicodedata.category(character)
    return {"Cc": _("控制字符"), "Cs": _("无效字符")}.get(category, _("格式字符"))


_HEADING_COUNT = re.compile(r"（(\d+)项）")


def heading_count_problem(heading: str, items: int) -> str | None:
    """A section heading whose "（N项）" differs from the main items below it.

    The draft keeps the heading as written and publishes it above the rows: a stale count would go
    out to citizens under the bureau's name.
    """
    match = _HEADING_COUNT.search(heading)
    if match is None or int(match.group(1)) == items:
        return None
    return _("标题写的是 %(said)s 项，但这一部分实际有 %(n)d 个事项（按序号计）：请更正标题中的项数后再导入。") % {
        "said": match.group(1),
        "n": items,
    }
