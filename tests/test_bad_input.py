"""Bad input in an official-layout workbook is refused before anything is written: in Chinese, naming the
sheet, the row as Excel shows it and the column, through the command and the admin upload alike, with no
traceback shown or logged."""

import datetime
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Edition
from tests.test_access import register_hash
from tests.workbooks import edited_2022, encrypted_workbook, official_2022, with_raw_cells

pytestmark = pytest.mark.django_db

URL = "/admin/catalog/edition/import-official/"
FIRST, SECOND = "（一）划转事项", "（二）调整回原部门事项"
TITLE = "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"
UNSEEN = "它会让名称与登记册对不上，请删除后再导入。"
AS_TEXT = "请把单元格设为“文本”格式后重新输入。"
OUT_OF_RANGE = " 的数值超出范围，无法读取（Excel 能保存的数最大约为 9.99E+307），请重新填写。"
MALFORMED = "文件内容无法解析：工作表已损坏或含有不安全的内容，请另存为新的 Excel 工作簿后再导入。"


@pytest.fixture(autouse=True)
def _uploads_dir(settings, tmp_path):
    settings.IMPORT_UPLOADS_DIR = tmp_path / "uploads"


def _no_traceback(caplog) -> None:
    assert [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info] == []


def _refused_by_command(path, caplog, *arguments: str) -> list[str]:
    """The problems the command names, one a line; the register and the editions as they were."""
    before = register_hash()
    with caplog.at_level(logging.DEBUG), pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path), "--edition", "next", *arguments)
    head, *problems = str(error.value).splitlines()
    assert head == "文件未导入，数据库没有任何改变。发现以下问题："
    assert register_hash() == before
    _no_traceback(caplog)
    return [problem.strip() for problem in problems]


def _refused_by_upload(client, clerk, path, caplog) -> list[tuple]:
    """The upload's preview: its problems as (sheet, row, column, message), nothing written, no confirmation."""
    client.force_login(clerk)
    before = register_hash()
    with caplog.at_level(logging.DEBUG), open(path, "rb") as upload:
        response = client.post(URL, {"file": upload, "slug": "next", "effective_on": "2024-03-01"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert "summary" not in preview and 'class="import-confirm"' not in response.content.decode()
    assert register_hash() == before
    _no_traceback(caplog)
    problems = [(p.sheet, p.row, p.column, p.message) for p in preview["problems"]]
    for sheet, row, column, _message in problems:
        assert f"<td>{sheet or '—'}</td><td>{row or '—'}</td><td>{column or '—'}</td>" in response.content.decode()
    return problems


def _hidden_row_and_column(workbook):
    sheet = workbook.worksheets[0]
    sheet.row_dimensions[5].hidden = True
    sheet.column_dimensions["H"].hidden = True
    sheet["H9"] = "藏起来的备注"


def _invisible_characters(workbook):
    first, second = workbook.worksheets
    first["B4"] = "招标方案\u200b核准"
    first["C7"] = "\ufeff政府投资项目初步设计审批"
    second["B5"] = "\u202e粮油仓储单位从业备案"
    second["G6"] = "退回_xD800_"  # Excel's escape of a lone surrogate, which no database stores


def _beyond_the_table(workbook):
    workbook.worksheets[0]["I5"] = "经办人备忘"
    workbook.worksheets[0]["J7"] = 3
    workbook.worksheets[1]["H4"] = "另注"


def test_content_on_a_hidden_sheet_is_refused(tmp_path, caplog):
    def hide(workbook):
        spare = workbook.create_sheet("备用")
        spare["B3"] = "招标方案核准"
        spare.sheet_state = "veryHidden"  # not even listed by Excel's 取消隐藏

    assert _refused_by_command(edited_2022(tmp_path, hide), caplog) == [
        "工作表“备用”第 3 行“B”列：工作表已隐藏，但单元格 B3 有内容：隐藏的内容看不到，却会随文件导入。"
        "请取消隐藏并核对，或删除此工作表后再导入。"
    ]


def test_content_in_hidden_rows_and_columns_is_refused(tmp_path, caplog):
    assert _refused_by_command(edited_2022(tmp_path, _hidden_row_and_column), caplog) == [
        f"工作表“{FIRST}”第 3 行“H”列：H 列已隐藏，但单元格 H3 有内容：隐藏的列看不到，却会随文件导入。"
        "请取消隐藏并核对后再导入。",
        f"工作表“{FIRST}”第 5 行“A”列：第 5 行已隐藏（或被筛选隐藏），但单元格 A5 有内容：隐藏的行看不到，"
        "却会随文件导入。请取消隐藏（或清除筛选）并核对后再导入。",
    ]


def test_invisible_characters_in_names_are_refused_not_removed(tmp_path, caplog):
    assert _refused_by_command(edited_2022(tmp_path, _invisible_characters), caplog) == [
        f"工作表“{FIRST}”第 4 行“主项名称”列：单元格 B4 含有看不见的字符 U+200B（零宽空格），在第 5 个字符处：{UNSEEN}",
        f"工作表“{FIRST}”第 7 行“子项名称”列：单元格 C7 含有看不见的字符 U+FEFF（零宽不换行空格（BOM）），"
        f"在第 1 个字符处：{UNSEEN}",
        f"工作表“{SECOND}”第 5 行“事项名称”列：单元格 B5 含有看不见的字符 U+202E（文字方向控制符），"
        f"在第 1 个字符处：{UNSEEN}",
        f"工作表“{SECOND}”第 6 行“备注”列：单元格 G6 含有看不见的字符 U+D800（无效字符），在第 3 个字符处：{UNSEEN}",
    ]


def test_dates_and_numbers_where_text_is_expected_are_refused(tmp_path, caplog):
    def retype(workbook):
        first, second = workbook.worksheets
        first["H5"] = datetime.date(2024, 3, 1)
        first["E9"] = 12
        second["B4"] = datetime.datetime(2024, 1, 5)

    assert _refused_by_command(edited_2022(tmp_path, retype), caplog) == [
        f"工作表“{FIRST}”第 5 行“备注”列：单元格 H5 应填文字，实际是日期或时间 2024-03-01"
        f"（Excel 把输入的内容当成了日期或时间）：{AS_TEXT}",
        f"工作表“{FIRST}”第 9 行“划转部门”列：单元格 E9 应填文字，实际是数字 12"
        f"（Excel 把输入的内容当成了数字）：{AS_TEXT}",
        f"工作表“{SECOND}”第 4 行“事项名称”列：单元格 B4 应填文字，实际是日期或时间 2024-01-05"
        f"（Excel 把输入的内容当成了日期或时间）：{AS_TEXT}",
    ]


def test_values_beyond_the_last_column_are_refused(tmp_path, caplog):
    assert _refused_by_command(edited_2022(tmp_path, _beyond_the_table), caplog) == [
        f"工作表“{FIRST}”第 5 行“I”列：单元格 I5 在表格之外（表格最后一列是 H 列“备注”），却有内容“经办人备忘”："
        "表格外的内容不会导入，请删除或移入表格后再导入。",
        f"工作表“{FIRST}”第 7 行“J”列：单元格 J7 在表格之外（表格最后一列是 H 列“备注”），却有内容“3”："
        "表格外的内容不会导入，请删除或移入表格后再导入。",
        f"工作表“{SECOND}”第 4 行“H”列：单元格 H4 在表格之外（表格最后一列是 G 列“备注”），却有内容“另注”："
        "表格外的内容不会导入，请删除或移入表格后再导入。",
    ]


def test_a_cover_sheet_before_the_table_never_gives_the_title(tmp_path, caplog):
    def cover(workbook):
        sheet = workbook.create_sheet("封面", 0)
        sheet["A1"] = "报送说明：数据在后面的工作表"

    call_command("import_catalogue", str(edited_2022(tmp_path, cover, "cover.xlsx")), "--edition", "covered")
    assert Edition.objects.get(slug="covered").title == TITLE

    def untitled(workbook):
        cover(workbook)
        for sheet in workbook.worksheets[1:]:
            sheet["A1"] = None

    # Without a title on the table's own sheet, the cover's text is not taken for one.
    assert _refused_by_command(edited_2022(tmp_path, untitled), caplog) == [
        "工作簿没有标题行，请用 --title 指定版本标题。"
    ]


def test_text_longer_than_its_field_is_refused_on_every_database(tmp_path, caplog):
    def lengthen(workbook):
        sheet = workbook.worksheets[0]
        sheet["A1"] = "标" * 201
        sheet["B4"] = "长" * 301
        sheet["H4"] = "备" * 301

    assert _refused_by_command(edited_2022(tmp_path, lengthen), caplog) == [
        f"工作表“{FIRST}”第 1 行“A”列：单元格 A1 有 201 个字符，超过此栏的上限 200 个字符。",
        f"工作表“{FIRST}”第 4 行“主项名称”列：单元格 B4 有 301 个字符，超过此栏的上限 300 个字符。",
        f"工作表“{FIRST}”第 4 行“备注”列：单元格 H4 有 301 个字符，超过此栏的上限 300 个字符。",
    ]
    # What the command line gives instead of the file, too.
    before = register_hash()
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(official_2022(tmp_path)), "--edition", "x" * 41, "--title", "题" * 201)
    assert str(error.value).splitlines()[1:] == [
        "  版本代码有 41 个字符，超过上限 40 个字符。",
        "  标题有 201 个字符，超过上限 200 个字符。",
    ]
    assert register_hash() == before


def test_numbers_out_of_range_are_refused_by_their_cell(tmp_path, caplog):
    # openpyxl reads 1e400 as inf, and stops the whole sheet at "nan": neither is a number Excel holds.
    def mark(workbook):
        sheet = workbook.worksheets[0]
        sheet["A5"], sheet["D4"], sheet["H4"] = 987654321, 987654322, 987654323

    path = with_raw_cells(
        edited_2022(tmp_path, mark),
        {
            b"<v>987654321</v>": b"<v>1e400</v>",
            b"<v>987654322</v>": b"<v>nan</v>",
            b"<v>987654323</v>": b"<v>-1E+400</v>",
        },
    )
    assert _refused_by_command(path, caplog) == [
        f"工作表“{FIRST}”第 4 行“事项类型”列：单元格 D4{OUT_OF_RANGE}",
        f"工作表“{FIRST}”第 4 行“备注”列：单元格 H4{OUT_OF_RANGE}",
        f"工作表“{FIRST}”第 5 行“序号”列：单元格 A5{OUT_OF_RANGE}",
        f"工作表“{FIRST}”第 6 行“序号”列：序号应为 2，实际为 3（序号缺失或顺序不对）。",
    ]


def test_encrypted_legacy_and_malformed_workbooks_are_refused(tmp_path, caplog):
    assert _refused_by_command(encrypted_workbook(tmp_path / "加密.xlsx"), caplog) == [
        "文件“加密.xlsx”已加密（设有打开密码），无法读取。请在 Excel 中去掉密码（文件 → 信息 → 保护工作簿 → "
        "用密码进行加密，清空密码）后保存，再导入。"
    ]
    legacy = tmp_path / "old.xlsx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    assert _refused_by_command(legacy, caplog) == [
        "文件“old.xlsx”是旧版 Excel 97-2003 工作簿（.xls），请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后再导入。"
    ]
    broken = with_raw_cells(official_2022(tmp_path), {b"</sheetData>": b"</sheetDat>"})
    assert _refused_by_command(broken, caplog) == [f"工作表“{FIRST}”：{MALFORMED}"]
    assert "refused while reading: ParseError" in caplog.text  # for the operator: the kind, no traceback


def test_a_sub_item_row_under_an_item_without_sub_items_is_refused(tmp_path, caplog):
    def add_sub_item(workbook):
        sheet = workbook.worksheets[0]
        sheet.insert_rows(5)  # under 招标方案核准 (row 4), which has no sub-items
        for column, value in enumerate(
            [None, None, "招标方案备案", "行政许可", "市发改委", "首次划转", "基本目录事项"], 1
        ):
            sheet.cell(5, column).value = value

    assert _refused_by_command(edited_2022(tmp_path, add_sub_item), caplog) == [
        f"工作表“{FIRST}”第 5 行“序号”列：序号留空的行是上一个事项（第 4 行）的子项，但第 4 行没有填子项名称："
        "没有子项的事项只占一行。本行如是另一个事项，请填写序号；如是子项，请在第 4 行也填写子项名称。"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_hidden_row_and_column, [(FIRST, 3, "H", "H 列已隐藏"), (FIRST, 5, "A", "第 5 行已隐藏")]),
        (
            _invisible_characters,
            [
                (FIRST, 4, "主项名称", "U+200B"),
                (FIRST, 7, "子项名称", "U+FEFF"),
                (SECOND, 5, "事项名称", "U+202E"),
                (SECOND, 6, "备注", "U+D800"),
            ],
        ),
        (
            _beyond_the_table,
            [(FIRST, 5, "I", "单元格 I5"), (FIRST, 7, "J", "单元格 J7"), (SECOND, 4, "H", "单元格 H4")],
        ),
    ],
)
def test_the_upload_shows_the_same_problems_by_sheet_row_and_column(client, clerk, tmp_path, caplog, change, expected):
    path = edited_2022(tmp_path, change)
    problems = _refused_by_upload(client, clerk, path, caplog)
    assert [(sheet, row, column) for sheet, row, column, _message in problems] == [e[:3] for e in expected]
    assert all(part in message for (*_where, message), (*_, part) in zip(problems, expected, strict=True))


def test_the_upload_names_an_encrypted_workbook(client, clerk, tmp_path, caplog):
    problems = _refused_by_upload(client, clerk, encrypted_workbook(tmp_path / "加密.xlsx"), caplog)
    [(sheet, row, column, message)] = problems
    assert (sheet, row, column) == ("", None, None)
    assert message.startswith("文件“加密.xlsx”已加密（设有打开密码），无法读取。")


def test_a_section_heading_whose_count_differs_from_its_items_is_refused(tmp_path, caplog):
    # A clerk moved an item to section (二) but left its heading at 90: the draft would publish "（90项）" over 91.
    def move(workbook):
        workbook.worksheets[1].append(
            [91, "企业投资项目核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"]
        )
        workbook.worksheets[0]["B5"] = "企业投资项目核准（改）"

    assert _refused_by_command(edited_2022(tmp_path, move), caplog, "--dry-run") == [
        f"工作表“{SECOND}”第 2 行“A”列：标题写的是 90 项，但这一部分实际有 91 个事项（按序号计）："
        "请更正标题中的项数后再导入。"
    ]
