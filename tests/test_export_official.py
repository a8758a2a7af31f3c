"""The exports reproduce the official tables: every cell, the merges, the print set-up; nothing is a formula."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import call_command

from catalog.exports.csv import write_csv
from catalog.exports.json import write_json
from catalog.exports.xlsx import write_xlsx
from catalog.models import Edition
from catalog.tables import Row, Section, Table, edition_table
from tests import official_text

pytestmark = pytest.mark.django_db

MULTI_ROW_ITEMS = {3: 3, 202: 2, 204: 4, 212: 2}  # 序号 → rows; items 19–21, 155–157 have one sub-item, one row


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, django_db_setup, django_db_blocker):
    """The export of the official data, written once: the tests only read it."""
    target = tmp_path_factory.mktemp("export") / "2022.xlsx"
    with django_db_blocker.unblock():
        call_command("export_catalogue", "-o", str(target))
    return openpyxl.load_workbook(target)


def _body(sheet, width: int) -> list[list[str]]:
    """The data rows as the gazette text prints them: blank cells as '', 序号 as text."""
    rows = []
    for values in sheet.iter_rows(min_row=4, values_only=True):
        if values[0] == "备注：":
            break
        rows.append(["" if v is None else str(v) for v in values[:width]])
    return rows


def test_the_workbook_has_the_official_title_headings_and_headers(workbook):
    first, second = workbook.worksheets
    title = "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"
    assert [first["A1"].value, second["A1"].value] == [title, title]
    assert first["A2"].value == "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）"
    assert second["A2"].value == "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项 （90项）"
    assert [c.value for c in first[3]] == [
        "序号",
        "主项名称",
        "子项名称",
        "事项类型",
        "划转部门",
        "划转情况",
        "对应基本目录情况",
        "备注",
    ]
    assert [c.value for c in second[3]][:7] == [
        "序号",
        "事项名称",
        "事项类型",
        "划转部门",
        "划转情况",
        "对应基本目录情况",
        "备注",
    ]
    assert first["A3"].font.bold and first["A3"].alignment.horizontal == "center"


def test_every_cell_of_both_sections_equals_the_printed_text(workbook):
    source = official_text.table_rows()
    assert _body(workbook.worksheets[0], 8) == source[1]
    assert _body(workbook.worksheets[1], 7) == source[2]
    numbers = [c.value for c in workbook.worksheets[0]["A"][3:] if isinstance(c.value, int)]
    assert numbers == list(range(1, 214))  # 序号 are numbers, not text


def test_main_items_are_merged_down_over_their_sub_item_rows(workbook):
    sheet = workbook.worksheets[0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    row_of = {cell.value: cell.row for cell in sheet["A"] if isinstance(cell.value, int)}
    expected = set()
    for number, rows in MULTI_ROW_ITEMS.items():
        first = row_of[number]
        expected |= {f"A{first}:A{first + rows - 1}", f"B{first}:B{first + rows - 1}"}
    data_merges = {m for m in merged if not m.endswith(("H1", "H2")) and ":H" not in m}
    assert data_merges == expected


def test_the_footnotes_follow_section_one(workbook):
    sheet = workbook.worksheets[0]
    tail = [row[0] for row in sheet.iter_rows(min_row=sheet.max_row - 3, values_only=True)]
    assert tail[0] == "备注："
    assert tail[1].startswith("1. “首次划转”指依据《朔州市人民政府关于印发首批划转")
    assert tail[3].endswith("基本目录（205项）》。")


def test_it_prints_on_a4_landscape_fitted_to_width_with_repeated_headers(workbook):
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1)  # absent means 1 page wide
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$3:$3"
        assert sheet.freeze_panes == "A4"
        assert sheet.column_dimensions["B"].width > 30
        assert sheet["C4"].alignment.wrap_text and sheet["C4"].border.left.style == "thin"


def _hostile_table() -> Table:
    names = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tTAB", "\rCR", "控制\x01字符\x1f", "孤立\ud800代理", "正常名称"]
    rows = [
        Row(i, name, "", "行政许可", "市发改委", "首次划转", "基本目录事项", "", f"X-{i}")
        for i, name in enumerate(names, 1)
    ]
    return Table(title="=标题", sections=[Section(1, "（一）", rows, ["备注："]), Section(2, "（二）", [])])


def test_no_xlsx_cell_is_a_formula_and_no_character_is_lost(tmp_path):
    target = tmp_path / "hostile.xlsx"
    write_xlsx(_hostile_table(), target)
    sheet = openpyxl.load_workbook(target).worksheets[0]
    cells = [sheet.cell(row=r, column=2) for r in range(4, 13)]
    assert all(cell.data_type == "s" for cell in cells)
    # CR and C0 controls are stored as Excel's own escapes (_x000D_), which Excel reads back as the character.
    assert [cell.value for cell in cells][:7] == [
        "=1+1",
        "+SUM(A1)",
        "-2",
        "@cmd",
        "\tTAB",
        "_x000D_CR",
        "控制_x0001_字符_x001F_",
    ]
    assert sheet["A1"].value == "=标题" and sheet["A1"].data_type == "s"
    raw = openpyxl.load_workbook(target, read_only=True)  # the XML itself carries no <f> element
    assert all(c.data_type != "f" for row in raw.worksheets[0].iter_rows() for c in row)


def test_control_characters_do_not_break_any_export(tmp_path):
    for writer in (write_xlsx, write_csv, write_json):
        with open(tmp_path / "out", "wb") as out:
            writer(_hostile_table(), out)
    records = json.loads((tmp_path / "out").read_text("utf-8"))
    assert records[6]["主项名称"] == "控制\x01字符\x1f"
    assert records[7]["主项名称"] == "孤立\ufffd代理"  # a lone surrogate cannot be encoded by any format


def test_csv_has_a_bom_and_neutralises_formula_text(tmp_path):
    buffer = io.BytesIO()
    write_csv(_hostile_table(), buffer)
    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["部分", "序号", "主项名称"]
    assert [r[2] for r in rows[1:7]] == ["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\tTAB", "'\rCR"]


def test_the_2022_csv_and_json_carry_every_row_with_its_item_code(tmp_path):
    for fmt in ("csv", "json"):
        call_command("export_catalogue", "-o", str(tmp_path / f"e.{fmt}"), "--format", fmt, "--edition", "2022")
    rows = list(csv.reader(io.StringIO((tmp_path / "e.csv").read_text("utf-8-sig"))))
    assert len(rows) == 1 + 220 + 90
    assert rows[4] == [
        "1",
        "3",
        "政府固定资产投资项目审批",
        "政府投资项目初步设计审批",
        "其他行政权力",
        "市发改委",
        "首次划转",
        "基本目录事项",
        "",
        "SZ-0003-02",
    ]
    text = (tmp_path / "e.json").read_text("utf-8")
    assert "\\u" not in text  # UTF-8, not escaped
    records = json.loads(text)
    assert len(records) == 310
    assert records[-1] == {
        "部分": 2,
        "序号": 90,
        "事项类型": "其他行政权力",
        "划转部门": "市新闻出版局",
        "划转情况": "首次划转",
        "对应基本目录情况": "基本目录外事项",
        "备注": "退回",
        "事项编码": "SZ-0303",
        "事项名称": "报刊记者站的设立初审",
    }


def test_the_command_refuses_an_unknown_edition_in_chinese(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有版本代码为“1999”的目录版本"):
        call_command("export_catalogue", "-o", str(tmp_path / "x.xlsx"), "--edition", "1999")


def test_streaming_export_cells_equal_the_reference_rows(tmp_path):
    """What the streamed workbook holds equals the edition's rows read back from the database."""
    edition = Edition.objects.get(slug="2022")
    target = tmp_path / "s.xlsx"
    write_xlsx(edition_table(edition), target)
    sheet = openpyxl.load_workbook(target, read_only=True).worksheets[1]
    cells = [list(r[:7]) for r in sheet.iter_rows(min_row=4, values_only=True)]
    expected = [[e.number, *e.cells()] for e in edition.entries.filter(section=2).order_by("row")]
    assert [[v if v is not None else "" for v in row] for row in cells] == expected
