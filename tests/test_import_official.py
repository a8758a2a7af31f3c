"""Importing official-layout workbooks: round trips, a realistic adjustment, and every bad input refused whole."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals.models import (
    ApprovalItem,
    Department,
    DepartmentAlias,
    ItemStatus,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from catalog.imports.official import import_official
from catalog.imports.workbook import ImportRefused
from catalog.models import Edition, Entry
from tests.workbooks import edited_2022, official_2022, recount

pytestmark = pytest.mark.django_db
NOTICE = "朔政发〔2022〕20号"


@pytest.fixture
def official(tmp_path):
    return official_2022(tmp_path)


def _edit(official, change):
    """The `official` workbook with `change(workbook)` applied by openpyxl, saved next to it as edited.xlsx."""
    return edited_2022(official.parent, change)


def _snapshot():
    return (
        ApprovalItem.objects.count(),
        Transfer.objects.count(),
        Entry.objects.count(),
        Edition.objects.count(),
        list(ApprovalItem.objects.order_by("code").values_list("code", "name", "status", "item_type")),
    )


_READ: dict[bytes, list] = {}  # a file's bytes → its cells and merges: the official export is read once


def _cells_and_merges(path):
    data = path.read_bytes()
    if data not in _READ:
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        _READ[data] = [
            ([list(row) for row in sheet.iter_rows(values_only=True)], sorted(map(str, sheet.merged_cells.ranges)))
            for sheet in workbook.worksheets
        ]
    return _READ[data]


def _refused(path, **kwargs) -> list[str]:
    before = _snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_official(path, slug=kwargs.pop("slug", "next"), **kwargs)
    assert _snapshot() == before
    return [str(problem) for problem in refused.value.problems]


def test_reimporting_the_official_workbook_changes_nothing_and_reproduces_it(official, tmp_path):
    report = import_official(official, slug="again")
    assert (report.added, report.returned, report.brought_back, report.changed) == ([], [], [], [])
    assert report.unchanged == 213 + 90
    again = tmp_path / "again.xlsx"
    call_command("export_catalogue", "-o", str(again), "--edition", "again")
    assert _cells_and_merges(again) == _cells_and_merges(official)
    assert Edition.objects.get(slug="again").status == Edition.Status.DRAFT


def test_a_fresh_register_built_from_the_workbook_exports_it_identically(official, tmp_path):
    city = Jurisdiction.objects.get(code="shuozhou")
    fresh = Jurisdiction.objects.create(code="fresh", name="新登记册", level="city", code_prefix="FR")
    for department in city.departments.all():
        copy = Department.objects.create(
            jurisdiction=fresh,
            slug=department.slug,
            short_name=department.short_name,
            full_name=department.full_name,
            is_bureau=department.is_bureau,
            position=department.position,
        )
        for alias in department.aliases.all():
            DepartmentAlias.objects.create(department=copy, name=alias.name)
    # Its own government's notice: items outside the base catalogue go back on no other (approvals/notice_rules.py).
    notice = PolicyDocument.objects.create(
        jurisdiction=fresh, number="新政发〔2022〕20号", title="调整通知", issuer="新登记册人民政府"
    )
    report = import_official(
        official, slug="fresh", jurisdiction=fresh, document=notice, effective_on=datetime.date(2022, 8, 9)
    )
    assert len(report.added) == 213 + 90
    items = ApprovalItem.objects.filter(jurisdiction=fresh)
    assert items.count() == 320
    assert items.filter(status=ItemStatus.BUREAU).main_items().count() == 213
    assert items.filter(status=ItemStatus.RETURNED).count() == 90
    accepted = items.get(name="床土调酸剂登记")
    assert (accepted.batch_text(), accepted.department_text(), accepted.remarks) == (
        "承接",
        "省政府下放",
        "承接省政府下放职权",
    )
    returned = items.get(name="校车使用许可")
    assert [(t.kind, t.document.number) for t in returned.transfers.order_by("sequence")] == [
        ("transfer", "朔政发〔2020〕7号"),
        ("return", "新政发〔2022〕20号"),
    ]
    again = tmp_path / "fresh.xlsx"
    call_command("export_catalogue", "-o", str(again), "--edition", "fresh")
    assert _cells_and_merges(again) == _cells_and_merges(official)


def test_a_realistic_adjustment_returns_adds_and_brings_back(official, clerk):
    notice = PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        number="朔政发〔2024〕3号",
        title="调整通知",
        batch_label="三次划转",
    )

    def adjust(workbook):
        first, second = workbook.worksheets  # section (二) keeps 90 items: one leaves, one comes
        # 招标方案核准 (row 4) moves to section (二); 校车使用许可 (section (二) row 3) comes back in its place.
        second.append([91, "招标方案核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"])
        first["B4"] = "校车使用许可"
        first["E4"] = "市教育局"
        first["F4"] = "三次划转"
        first["G4"] = "基本目录外事项"
        second.delete_rows(6)  # the printed row of 校车使用许可
        for row in range(6, second.max_row + 1):
            if isinstance(second.cell(row, 1).value, int):
                second.cell(row, 1).value -= 1
        # A new item at the end of section (一), before the footnotes.
        first.insert_rows(first.max_row - 3)
        row = first.max_row - 4
        for column, value in enumerate(
            [214, "新增测试事项", None, "行政许可", "市市场监管局", "三次划转", "基本目录外事项", None], start=1
        ):
            first.cell(row, column).value = value
        recount(first, 214)

    changed = _edit(official, adjust)
    dry = import_official(changed, slug="2024", document=notice, dry_run=True)
    assert (len(dry.added), len(dry.returned), len(dry.brought_back)) == (1, 1, 1)
    assert not Edition.objects.filter(slug="2024").exists()
    report = import_official(changed, slug="2024", document=notice, effective_on=datetime.date(2024, 7, 1), user=clerk)
    assert report.returned == ["SZ-0001 招标方案核准（市发改委）"]
    assert report.brought_back == ["SZ-0216 校车使用许可（市教育局）"]
    assert report.added == ["新增测试事项（市市场监管局）"]
    assert ApprovalItem.objects.get(code="SZ-0001").status == ItemStatus.RETURNED
    back = ApprovalItem.objects.get(code="SZ-0216")
    assert (back.status, back.batch_text()) == (ItemStatus.BUREAU, "三次划转")
    new = ApprovalItem.objects.get(name="新增测试事项")
    assert (new.code, new.department_text(), new.status) == ("SZ-0304", "市市场监督管理局", ItemStatus.BUREAU)
    event = ApprovalItem.objects.get(code="SZ-0001").transfers.get(sequence=2)
    assert (event.kind, event.document, event.effective_on, event.recorded_by) == (
        "return",
        notice,
        datetime.date(2024, 7, 1),
        clerk,
    )
    assert Edition.objects.get(slug="2024").entries.filter(section=1).count() == 221


def test_the_command_prints_the_dry_run_and_writes_nothing(official, capsys):
    before = _snapshot()
    call_command("import_catalogue", str(official), "--edition", "x", "--dry-run")
    assert "【试运行，未写入】" in capsys.readouterr().out
    assert _snapshot() == before


def test_the_command_exits_with_the_problems_and_no_traceback(official, tmp_path):
    bad = _edit(official, lambda wb: wb.worksheets[0].__setitem__("D4", "行政批准"))
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(bad), "--edition", "x")
    assert "文件未导入，数据库没有任何改变" in str(error.value)
    assert "工作表“（一）划转事项”第 4 行“事项类型”列：未知的事项类型“行政批准”" in str(error.value)


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("C3", "子项", "工作表“（一）划转事项”第 3 行“C”列：表头应为“子项名称”，实际为“子项”。"),
        ("C3", " 子项名称", "表头“ 子项名称”前后有多余的空格，应为“子项名称”。"),
        ("H3", None, "缺少表头“备注”。"),
        ("A5", 1, "“序号”列：序号 1 重复。"),
        ("A5", 3, "“序号”列：序号应为 2，实际为 3（序号缺失或顺序不对）。"),
        ("D4", "行政批准", "“事项类型”列：未知的事项类型“行政批准”"),
        ("E4", "市发改局", "“划转部门”列：未知的部门“市发改局”。最接近的已知部门：市发改委"),
        ("F4", "三次划转", "“划转情况”列：未知的划转情况“三次划转”"),
        ("G4", None, "“对应基本目录情况”列：不能为空。"),
        ("G4", "是", "应为“基本目录事项”或“基本目录外事项”"),
        ("B4", '=CONCAT("招标","方案核准")', "“主项名称”列：单元格是公式"),
    ],
)
def test_a_bad_cell_refuses_the_whole_file_with_its_place(official, cell, value, message):
    bad = _edit(official, lambda wb: wb.worksheets[0].__setitem__(cell, value))
    problems = _refused(bad)
    assert any(message in problem for problem in problems), problems


def test_an_item_at_the_bureau_missing_from_both_sections_is_an_error(official):
    bad = _edit(official, lambda wb: wb.worksheets[0].__setitem__("B4", "另一个新事项"))
    problems = _refused(bad)
    assert any("SZ-0001 招标方案核准" in p and "都没有列出" in p for p in problems), problems


def test_the_same_item_twice_is_an_error(official):
    def twice(workbook):
        sheet = workbook.worksheets[0]
        sheet["B5"], sheet["E5"] = "招标方案核准", "市发改委"

    problems = _refused(_edit(official, twice))
    assert any("与第 4 行是同一事项，重复列出" in p for p in problems), problems


def test_returning_without_a_legal_basis_is_refused(official):
    def move(workbook):
        workbook.worksheets[1].append(
            [91, "企业投资项目核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"]
        )
        workbook.worksheets[0]["B5"] = "企业投资项目核准（改）"
        recount(workbook.worksheets[1], 91)

    problems = _refused(_edit(official, move))
    assert "本次调整包含退回原部门的事项，需要依据文件（导入页面选择或登记；命令行用 --document）。" in problems


def test_data_on_a_sheet_that_is_not_the_active_one_is_read(official):
    def hide(workbook):
        cover = workbook.create_sheet("封面", 0)
        cover["A1"] = "说明：数据在后面的工作表"
        workbook.active = 0

    report = import_official(_edit(official, hide), slug="cover", dry_run=True)
    assert report.unchanged == 303


def test_a_formula_without_a_cached_value_is_refused(tmp_path):
    import xlsxwriter

    target = tmp_path / "formula.xlsx"
    book = xlsxwriter.Workbook(str(target))
    sheet = book.add_worksheet("表")
    sheet.write_row(
        0, 0, ["序号", "主项名称", "子项名称", "事项类型", "划转部门", "划转情况", "对应基本目录情况", "备注"]
    )
    sheet.write_formula(1, 0, "=1")  # xlsxwriter stores no cached value by default... (0)
    sheet.write_row(1, 1, ["招标方案核准", "", "行政许可", "市发改委", "首次划转", "基本目录事项", ""])
    book.close()
    problems = _refused(target)
    assert any("第 2 行“序号”列：单元格是公式" in p for p in problems), problems


def test_a_csv_renamed_to_xlsx_is_refused(tmp_path):
    fake = tmp_path / "table.xlsx"
    fake.write_text("序号,主项名称\n1,招标方案核准\n", "utf-8")
    assert "不是 Excel 工作簿（.xlsx）" in _refused(fake)[0]


def test_a_corrupt_zip_is_refused(official, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(official.read_bytes()[:2000])
    problem = _refused(broken)[0]
    assert problem == (
        "文件“broken.xlsx”不是 Excel 工作簿（.xlsx）：可能是 CSV、文本或旧版 .xls 文件改了扩展名，"
        "请在 Excel 中“另存为 Excel 工作簿”后再导入。"
    )


def test_an_empty_workbook_is_refused(tmp_path):
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    assert _refused(empty) == ["工作簿是空的。"]


def test_a_workbook_without_the_official_headers_is_refused(tmp_path):
    other = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "名称"])
    workbook.active.append([1, "招标方案核准"])
    workbook.save(other)
    assert "没有找到官方版式的表头" in _refused(other)[0]


def test_a_file_over_the_size_limit_is_refused_before_parsing(official, settings):
    settings.IMPORT_MAX_BYTES = 1000
    assert "超过上限 1000 字节" in _refused(official)[0]


def test_too_many_rows_are_refused(official, settings):
    settings.IMPORT_MAX_ROWS = 100
    assert any("数据行超过上限 100 行" in p for p in _refused(official))


def test_a_zip_bomb_is_refused_before_parsing(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * 50_000_000 + "</a>")
    assert bomb.stat().st_size < 200_000
    assert "疑似压缩炸弹" in _refused(bomb)[0]


def test_an_xml_entity_bomb_is_refused(official, tmp_path):
    bomb = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(official) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/workbook.xml":
                entities = "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};">' for i in range(1, 30))
                data = f'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY e0 "x">{entities}]>'.encode() + data.split(
                    b"?>", 1
                )[1].replace(b"<sheets>", b"<sheets>&e29;", 1)
            target.writestr(member, data)
    problem = _refused(bomb)[0]
    assert (
        problem == "文件“entities.xlsx”已损坏或内容不安全，无法读取。请在 Excel 中打开并另存为 Excel 工作簿后再导入。"
    )


def test_a_million_blank_rows_from_libreoffice_are_ignored(official, tmp_path):
    padded = tmp_path / "padded.xlsx"
    blank_rows = "".join(f'<row r="{r}"/>' for r in range(400, 400 + 1_048_000, 1000))  # sparse: the reader stops early
    with zipfile.ZipFile(official) as source, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</sheetData>", blank_rows.encode() + b"</sheetData>")
            target.writestr(member, data)
    report = import_official(padded, slug="padded", dry_run=True)
    assert report.rows == 310


def test_an_imported_change_makes_an_open_admin_form_stale(official, client, clerk):
    from django.urls import reverse

    from tests.test_admin import _post_data

    item = ApprovalItem.objects.get(code="SZ-0001")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    client.force_login(clerk)
    stale = _post_data(client.get(url).context["adminform"].form, item, remarks="表单中的修改")
    changed = _edit(official, lambda wb: wb.worksheets[0].__setitem__("H4", "导入的备注"))
    import_official(changed, slug="remark")
    response = client.post(url, stale)
    assert response.status_code == 200 and "保存被拒绝" in response.content.decode()
    item.refresh_from_db()
    assert item.remarks == "导入的备注"
    assert item.history.first().history_type == "~"
