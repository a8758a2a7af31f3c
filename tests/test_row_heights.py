"""Every row of every exported workbook is high enough for the wrapped text of its longest cell.

LibreOffice and WPS keep the row heights the file gives. The heights are checked here against a
wrap worked out character by character, apart from spreadsheets/heights.py (which estimates it
from the text's length and its longest unbreakable run), with the geometry a reader gets:
- a column `w` wide in the file is round(7w) px in Excel (7 px per character of Calibri 11);
  3 px of padding each side and a 1 px grid line are not for text;
- a character that Unicode calls wide, full-width or (beyond Latin-1) ambiguous is 1 em; any
  other 0.64 em (DejaVu Sans' digits: LibreOffice's fallback where 宋体 is missing);
- a line is 1.45 em high (Noto Sans CJK, measured in LibreOffice: 14.5 pt at 10 pt);
- no line starts with closing punctuation nor ends with opening punctuation, Latin letters and
  digits are not split, and a piece longer than a line is split anywhere.
"""

import io
import random
import unicodedata
import zipfile

import openpyxl
import pytest
from xlsxwriter.worksheet import RowInfo, Worksheet

from catalog.exports import xlsx
from catalog.exports.xlsx import write_xlsx
from catalog.models import Edition
from catalog.tables import Row, Section, Table, edition_table
from spreadsheets.heights import row_height, span_width
from tests import official_text

NARROW_EM = 0.64
LINE_EM = 1.45
PADDING_PX = 7
MARKS_NOT_AT_LINE_START = set("、。，．：；！？…%％")


def _is_wide(char: str) -> bool:
    kind = unicodedata.east_asian_width(char)
    return kind in ("W", "F") or (kind == "A" and ord(char) >= 0x2000)


def _may_break(before: str, after: str) -> bool:
    if after.isspace() or before.isspace():
        return True
    if unicodedata.category(after) in ("Pe", "Pf") or after in MARKS_NOT_AT_LINE_START:
        return False
    if unicodedata.category(before) in ("Ps", "Pi"):
        return False
    return not (before.isascii() and after.isascii())


def wrapped_lines(text: str, width_px: float, em_px: float) -> int:
    """Lines of `text` in a line `width_px` wide, filled greedily piece by piece."""
    lines = 0
    for paragraph in text.split("\n"):
        pieces, piece = [], ""
        for char in paragraph:
            if piece and _may_break(piece[-1], char):
                pieces.append(piece)
                piece = ""
            piece += char
        pieces.append(piece)
        lines += 1
        used = 0.0
        for piece in pieces:
            piece_px = sum(em_px if _is_wide(c) else em_px * NARROW_EM for c in piece)
            if used + piece_px <= width_px:
                used += piece_px
                continue
            if piece_px <= width_px:
                lines += 1
                used = piece_px
                continue
            for char in piece:  # longer than a line: split anywhere
                char_px = em_px if _is_wide(char) else em_px * NARROW_EM
                if used + char_px > width_px and used > 0:
                    lines += 1
                    used = 0.0
                used += char_px
    return lines


def short_rows(workbook) -> list[str]:
    """Every cell (or merged range) whose wrapped text is higher than its row(s), described."""
    problems = []
    for sheet in workbook.worksheets:
        default = sheet.sheet_format.defaultRowHeight or 15

        def height(row: int, sheet=sheet, default=default) -> float:
            return sheet.row_dimensions[row].height or default

        # openpyxl files a <col min max> that spans equal columns under its first column alone.
        widths = {}
        for dimension in sheet.column_dimensions.values():
            for column in range(dimension.min or 1, (dimension.max or dimension.min or 1) + 1):
                widths[column] = dimension.width

        def width_px(column: int, sheet=sheet, widths=widths) -> int:
            letter = openpyxl.utils.get_column_letter(column)
            return round((widths.get(column) or sheet.column_dimensions[letter].width) * 7)

        spans = {}
        for merged in sheet.merged_cells.ranges:
            spans[(merged.min_row, merged.min_col)] = (merged.max_row, merged.max_col)
        for cells in sheet.iter_rows():
            for cell in cells:
                if not isinstance(cell.value, str) or not cell.value:
                    continue
                last_row, last_col = spans.get((cell.row, cell.column), (cell.row, cell.column))
                room = sum(width_px(c) for c in range(cell.column, last_col + 1)) - PADDING_PX
                size = cell.font.sz or 11
                lines = wrapped_lines(cell.value, room, size * 4 / 3)
                needed = lines * LINE_EM * size
                available = sum(height(r) for r in range(cell.row, last_row + 1))
                if needed > available + 0.01:
                    problems.append(f"{sheet.title}!{cell.coordinate}: {lines} 行需 {needed} pt，只有 {available} pt")
    return problems


def _read(table: Table) -> openpyxl.Workbook:
    out = io.BytesIO()
    write_xlsx(table, out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


@pytest.mark.django_db
def test_every_row_of_the_2022_tables_holds_its_wrapped_text():
    workbook = _read(edition_table(Edition.objects.get(slug="2022")))
    assert short_rows(workbook) == []
    sheet = workbook.worksheets[0]
    # Item 204's four sub-items (42–44 characters in a 30-character column) take three lines each.
    row_of = {cell.value: cell.row for cell in sheet["A"] if isinstance(cell.value, int)}
    first = row_of[204]
    assert [sheet.row_dimensions[r].height for r in range(first, first + 4)] == [44.25] * 4
    assert sheet.row_dimensions[row_of[1]].height in (None, 15)  # one line keeps Excel's default


def _mixed_text(rng: random.Random, alphabet: str, length: int) -> str:
    pieces = []
    while sum(map(len, pieces)) < length:
        pick = rng.random()
        if pick < 0.08:
            pieces.append(str(rng.randint(1, 99999)))
        elif pick < 0.12:
            pieces.append(rng.choice(["（试行）", "“一枚印章管审批”", "〔2021〕47号", "、", "，", "。", "……"]))
        elif pick < 0.15:
            pieces.append(rng.choice(["GB/T 9704", "ISO", "Wi-Fi", " ", "5G"]))
        elif pick < 0.16:
            pieces.append("\n")
        else:
            pieces.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))))
    return "".join(pieces).strip()


def _generated_table(seed: int) -> Table:
    rng = random.Random(seed)
    source = official_text.table_rows()
    alphabet = "".join(sorted({c for row in source[1] for c in row[1] + row[2] if "\u4e00" <= c <= "\u9fff"}))
    rows1, rows2 = [], []
    for number in range(1, 161):
        main = _mixed_text(rng, alphabet, rng.choice([4, 12, 20, 40, 60, 120]))
        subs = [""] if rng.random() < 0.7 else [_mixed_text(rng, alphabet, rng.randint(4, 60)) for _ in range(4)]
        for sub in subs[: rng.randint(1, 4)]:
            departments = rng.choice(["市发改委", "市规划和自然资源局、市住建局", "市人防办"])
            remarks = _mixed_text(rng, alphabet, rng.randint(0, 30)) if rng.random() < 0.2 else ""
            rows1.append(Row(number, main, sub, "其他行政权力", departments, "首次划转", "基本目录外事项", remarks))
        rows2.append(Row(number, main, "", "行政许可", "市教育局", "二次划转", "基本目录事项", "退回"))
    notes = ["备注：", _mixed_text(rng, alphabet, 300)]
    return Table(
        _mixed_text(rng, alphabet, 50), [Section(1, "（一）生成的事项", rows1, notes), Section(2, "（二）", rows2)]
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_row_of_a_generated_table_holds_its_wrapped_text(seed):
    # Digits, Latin words, quotation marks, brackets, explicit line breaks, merged names longer than
    # their sub-items: the estimate must never give fewer lines than the wrap.
    assert short_rows(_read(_generated_table(seed))) == []


def test_a_merged_name_longer_than_its_sub_items_grows_their_last_row():
    name = "审" * 100  # 100 characters in a 34-character column: 6 lines
    rows = [Row(1, name, f"子项{n}", "行政许可", "市发改委", "首次划转", "基本目录事项", "") for n in (1, 2)]
    sheet = _read(Table("标题", [Section(1, "（一）", rows), Section(2, "（二）", [])])).worksheets[0]
    assert sheet.merged_cells.ranges and "B4:B5" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.row_dimensions[4].height in (None, 15)
    assert 15 + sheet.row_dimensions[5].height == row_height([name], [34])
    assert short_rows(sheet.parent) == []


def test_cjk_characters_count_two_units_and_latin_ones_a_little_more_than_one():
    assert row_height(["审" * 17], [34]) == 15  # 17 × 2 = 34 units: one line
    assert row_height(["审" * 18], [34]) == 30
    assert row_height(["1" * 26], [34]) == 15  # 26 × 1.3 = 33.8 units
    assert row_height(["审" * 17 + "1"], [34]) == 15  # 34 + 1.3 units
    assert row_height(["审" * 17 + "12"], [34]) == 30
    assert row_height(["审" * 17, "政" * 40], [34, 12]) == row_height(["政" * 40], [12])
    assert row_height(["一行\n两行\n三行"], [34]) == row_height(["审" * 40], [34]) == 44.25
    assert row_height(["审" * 17], [34], font_size=12) == 36  # 12 pt: two lines of 17.4 pt, whole pixels
    assert span_width([6, 34]) == pytest.approx(40.71, abs=0.01)  # the 5 px between columns counted


def test_the_fast_row_element_is_the_one_xlsxwriter_writes(monkeypatch):
    rows = [
        Row(i, "审" * n, "", "行政许可", "市发改委", "首次划转", "基本目录事项", "") for i, n in enumerate((5, 40, 90))
    ]

    def sheets() -> dict[str, bytes]:
        out = io.BytesIO()
        write_xlsx(Table("标题", [Section(1, "（一）", rows), Section(2, "（二）", rows)]), out)
        with zipfile.ZipFile(out) as archive:
            return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")}

    fast = sheets()

    def plain_write_row(self, row, spans, row_info=None, empty_row=False):
        attributes = self.heights.pop(row, None)
        if attributes is not None:  # what set_row would have stored
            points = float(attributes.split('"')[1])
            row_info = RowInfo(height=int(points * 4 / 3 + 0.5))
        return Worksheet._write_row(self, row, spans, row_info, empty_row)

    monkeypatch.setattr(xlsx._Sheet, "_write_row", plain_write_row)
    plain = sheets()
    assert fast == plain
    assert b'<row r="4">' in fast["xl/worksheets/sheet1.xml"]  # one line: Excel's default height
    assert b'<row r="5" ht="44.25" customHeight="1">' in fast["xl/worksheets/sheet1.xml"]
