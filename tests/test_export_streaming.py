"""The exports stream: memory stays flat as rows grow, and every writer takes a path, bytes or text."""

import csv
import io
import json
import tracemalloc

import openpyxl
import pytest

from catalog.exports import FORMATS, safe_text
from catalog.exports.csv import write_csv
from catalog.exports.json import write_json
from catalog.exports.xlsx import write_xlsx
from catalog.tables import Row, Section, Table


def _table(count: int, sub_every: int = 10) -> Table:
    """`count` generated rows; every `sub_every`-th main item has three sub-items (three merged rows)."""

    def rows():
        number = written = 0
        while written < count:
            number += 1
            subs = 3 if number % sub_every == 0 else 1
            for index in range(subs):
                sub = f"子项{index + 1}" if subs > 1 else ""
                yield Row(
                    number, f"事项{number}", sub, "行政许可", "市发改委", "首次划转", "基本目录事项", "", f"T-{number}"
                )
            written += subs

    return Table("标题", [Section(1, "（一）", rows(), ["备注："]), Section(2, "（二）", [])])


def _peak(count: int, tmp_path) -> int:
    tracemalloc.start()
    try:
        write_xlsx(_table(count), tmp_path / f"{count}.xlsx")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_xlsx_memory_does_not_grow_with_the_rows(tmp_path):
    small, large = _peak(500, tmp_path), _peak(4_000, tmp_path)
    # Only the merge ranges are kept until the end (xlsxwriter writes them last): ~0.4 KB per merged item,
    # ~90 bytes a row here. Rows kept in memory would cost over 1 KB each: at most 140 bytes a row added.
    assert large - small < 3_500 * 140, (small, large)


def test_generated_merges_come_out_right(tmp_path):
    target = tmp_path / "g.xlsx"
    write_xlsx(_table(40), target)
    sheet = openpyxl.load_workbook(target).worksheets[0]
    data_merges = sorted(str(r) for r in sheet.merged_cells.ranges if r.min_row > 3 and r.max_row > r.min_row)
    assert data_merges == ["A13:A15", "A25:A27", "A37:A39", "B13:B15", "B25:B27", "B37:B39"]
    assert (sheet["A13"].value, sheet["B13"].value, sheet["C15"].value) == (10, "事项10", "子项3")
    assert sheet["A14"].border.left.style == "thin"  # the merged-away cells keep the borders


@pytest.mark.parametrize("writer", [write_csv, write_json])
def test_text_writers_take_a_path_a_binary_or_a_text_file(writer, tmp_path):
    table = lambda: _table(3)  # noqa: E731  (rows are a generator: one table per write)
    binary = io.BytesIO()
    writer(table(), binary)
    text = io.StringIO()
    writer(table(), text)
    writer(table(), tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == binary.getvalue() == text.getvalue().encode("utf-8")
    assert binary.getvalue().startswith(b"\xef\xbb\xbf") == (writer is write_csv)


def test_a_text_file_gets_the_bom_too():
    out = io.StringIO()
    write_csv(_table(1), out)
    assert out.getvalue().startswith("\ufeff部分,序号")
    assert list(csv.reader(io.StringIO(out.getvalue()[1:])))[1][-1] == "T-1"


def test_the_formats_table_names_a_writer_and_a_content_type_for_each_format():
    assert set(FORMATS) == {"xlsx", "docx", "csv", "json"}
    assert FORMATS["csv"][1].startswith("text/csv") and FORMATS["json"][0] is write_json


def test_safe_text_keeps_every_character_and_marks_csv_formulas():
    assert safe_text("=1+1") == "=1+1"
    assert safe_text("=1+1", csv=True) == "'=1+1"
    assert safe_text("-", csv=True) == "'-"
    assert safe_text("正常") == safe_text("正常", csv=True) == "正常"
    assert safe_text("a\ud800b") == "a\ufffdb"
    assert json.loads(json.dumps(safe_text("\x01"))) == "\x01"
