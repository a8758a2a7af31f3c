"""The official-layout import as an adjustment: sub-item changes, escapes, permissions, one transaction."""

import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals.models import ApprovalItem, ItemDepartment, ItemType, Jurisdiction, PolicyDocument, Transfer
from catalog.exports.xlsx import write_xlsx
from catalog.imports import official
from catalog.imports.official import import_official
from catalog.imports.planner import make_plan
from catalog.imports.snapshot import read_snapshot
from catalog.imports.workbook import ImportRefused, read_workbook
from catalog.models import Edition, Entry
from catalog.tables import Row, Section, Table
from tests.workbooks import edited_2022, edited_2022_once, official_2022, with_item_returned

pytestmark = pytest.mark.django_db


@pytest.fixture
def official_xlsx(tmp_path):
    return official_2022(tmp_path)


def _edit(path, change):
    """The official workbook (`path`) with `change(its first sheet)` applied by openpyxl, saved next to it."""
    return edited_2022(path.parent, lambda workbook: change(workbook.worksheets[0]))


def _snapshot():
    return (
        Transfer.objects.count(),
        Entry.objects.count(),
        Edition.objects.count(),
        list(ApprovalItem.objects.order_by("code").values_list("code", "name", "status", "item_type", "remarks")),
    )


def _sub_item_changed(workbook):
    # Row 7 is the second sub-item of item 3 (SZ-0003-02).
    workbook.worksheets[0]["D7"], workbook.worksheets[0]["E7"] = "行政确认", "市发改委、市能源局"


def _with_sub_item_changed(tmp_path):
    """The 2022 workbook with `_sub_item_changed`, saved by openpyxl: the same file for four tests, made once."""
    return edited_2022_once(tmp_path, _sub_item_changed)


def test_a_changed_sub_item_is_reported_by_the_dry_run(tmp_path):
    report = import_official(_with_sub_item_changed(tmp_path), slug="sub", dry_run=True)
    assert report.changed == [
        "SZ-0003-02 政府固定资产投资项目审批（市发改委） / 政府投资项目初步设计审批："
        "事项类型：其他行政权力→行政确认；划转部门：市发改委→市发改委、市能源局"
    ]
    assert report.unchanged == 303 and not Edition.objects.filter(slug="sub").exists()


def test_a_changed_sub_item_is_applied_and_the_edition_keeps_the_cells(tmp_path):
    import_official(_with_sub_item_changed(tmp_path), slug="sub")
    sub = ApprovalItem.objects.get(code="SZ-0003-02")
    assert (sub.item_type, sub.department_text()) == (ItemType.CONFIRMATION, "市发改委、市能源局")
    entry = Edition.objects.get(slug="sub").entries.get(section=1, row=4)
    assert (entry.item.code, entry.item_type, entry.departments) == ("SZ-0003-02", "行政确认", "市发改委、市能源局")


def test_the_departments_an_import_changes_are_in_their_history_with_who_imported(official_xlsx, clerk):
    # SZ-0003-02 gets a second department, 市能源局, beside 市发改委; then 市发改委 leaves it.
    import_official(_with_sub_item_changed(official_xlsx.parent), slug="sub", user=clerk)

    def only_energy(sheet):
        sheet["D7"], sheet["E7"] = "行政确认", "市能源局"

    import_official(_edit(official_xlsx, only_energy), slug="sub2", user=clerk)
    links = ItemDepartment.history.filter(item__code="SZ-0003-02").order_by("history_id")
    assert [(h.history_type, h.department.short_name, h.position, h.history_user) for h in links] == [
        ("+", "市发改委", 0, None),  # as the 2022 catalogue was loaded
        ("+", "市能源局", 1, clerk),
        ("-", "市发改委", 0, clerk),
        ("~", "市能源局", 0, clerk),
    ]
    assert ApprovalItem.objects.get(code="SZ-0003-02").department_text() == "市能源局"


def test_a_write_refused_by_a_service_rolls_everything_back(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationError("服务拒绝了这次修改。")

    monkeypatch.setattr(official, "edition_create_draft", refuse)
    before = _snapshot()
    with pytest.raises(ImportRefused, match="服务拒绝了这次修改"):
        import_official(_with_sub_item_changed(tmp_path), slug="sub")
    assert _snapshot() == before


def test_a_clerk_of_another_jurisdiction_is_refused(official_xlsx, county_clerk):
    before = _snapshot()
    with pytest.raises(ImportRefused, match="您只能修改本辖区的事项登记"):
        import_official(official_xlsx, slug="other", user=county_clerk)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("slug", "title", "message"),
    [("2024 版", None, "只能由字母、数字、连字符和下划线组成"), ("ok", " ", "请用 --title 指定版本标题")],
)
def test_a_bad_slug_or_an_empty_title_is_refused(official_xlsx, slug, title, message):
    before = _snapshot()
    with pytest.raises(ImportRefused, match=message):
        import_official(official_xlsx, slug=slug, title=title)
    assert _snapshot() == before


def _escapes_workbook(tmp_path, names):
    rows = [
        Row(i, name, "", "行政许可", "市发改委", "首次划转", "基本目录事项", "", "") for i, name in enumerate(names, 1)
    ]
    target = tmp_path / "escapes.xlsx"
    write_xlsx(Table("标题", [Section(1, "（一）", rows, []), Section(2, "（二）", [])]), target)
    return target


def test_text_that_needs_escaping_reads_back_as_written(tmp_path):
    names = ["_x0041_ 原样", "=1+1", "-2", "_x005F_"]
    assert [row.main_name for row in read_workbook(_escapes_workbook(tmp_path, names)).rows] == names


def test_control_characters_stored_as_excel_escapes_are_read_back_and_refused(tmp_path):
    with pytest.raises(ImportRefused) as refused:
        read_workbook(_escapes_workbook(tmp_path, ["\rCR", "控制\x01字符"]))
    assert [str(problem) for problem in refused.value.problems] == [
        "工作表“（一）划转事项”第 4 行“主项名称”列：单元格 B4 含有看不见的字符 U+000D（换行符），在第 1 个字符处："
        "它会让名称与登记册对不上，请删除后再导入。",
        "工作表“（一）划转事项”第 5 行“主项名称”列：单元格 B5 含有看不见的字符 U+0001（控制字符），在第 3 个字符处："
        "它会让名称与登记册对不上，请删除后再导入。",
    ]


def test_a_title_repeated_on_a_pasted_page_is_skipped(official_xlsx):
    def paste(sheet):
        sheet.insert_rows(20)
        sheet["A20"] = sheet["A1"].value

    report = import_official(_edit(official_xlsx, paste), slug="pasted", dry_run=True)
    assert (report.rows, report.unchanged) == (310, 303)


def test_a_sheet_that_declares_a_wrong_dimension_is_read_whole(official_xlsx, tmp_path):
    wrong = tmp_path / "dimension.xlsx"
    with zipfile.ZipFile(official_xlsx) as source, zipfile.ZipFile(wrong, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
            target.writestr(member, data)
    assert import_official(wrong, slug="dimension", dry_run=True).rows == 310


def test_long_runs_report_their_progress(official_xlsx, settings):
    messages = []
    import_official(official_xlsx, slug="progress", progress=messages.append)
    assert messages[0] == "正在读取 2022.xlsx……"
    assert "已读取 310 行，正在与登记册比对……" in messages
    assert messages[-1] == "已生成草稿版本“progress”。"


def _counts():
    return ApprovalItem.objects.count(), Transfer.objects.count(), Edition.objects.count(), Entry.objects.count()


NO_DOCUMENT = "本次调整包含退回原部门的事项，需要依据文件（导入页面选择或登记；命令行用 --document）。"


def test_a_dry_run_without_a_document_previews_the_returns_with_the_problem(tmp_path):
    before = _counts()
    report = import_official(with_item_returned(tmp_path), slug="next", dry_run=True)
    assert report.returned == ["SZ-0002 企业投资项目核准（市发改委）"]
    assert report.added == ["企业投资项目核准（改）（市发改委）"]
    assert (report.rows, report.unchanged, report.changed) == (311, 302, [])
    assert [str(problem) for problem in report.problems] == [NO_DOCUMENT]
    assert _counts() == before


def test_the_real_run_without_a_document_still_writes_nothing(tmp_path):
    before = _counts()
    with pytest.raises(ImportRefused) as refused:
        import_official(with_item_returned(tmp_path), slug="next")
    assert [str(problem) for problem in refused.value.problems] == [NO_DOCUMENT]
    assert _counts() == before


def test_the_command_dry_run_prints_the_preview_and_the_missing_document(tmp_path, capsys):
    workbook = with_item_returned(tmp_path)
    capsys.readouterr()  # the export's message
    before = _counts()
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(workbook), "--edition", "next", "--dry-run")
    assert capsys.readouterr().out.splitlines() == [
        "【试运行，未写入】",
        "共 311 行：新增 1 项，退回 1 项，重新划转 0 项，变更 0 项，未变 302 项。",
        "  新增：企业投资项目核准（改）（市发改委）",
        "  退回：SZ-0002 企业投资项目核准（市发改委）",
    ]
    assert str(error.value) == f"试运行发现以下问题，正式导入时文件将被拒绝：\n  {NO_DOCUMENT}"
    assert _counts() == before


def test_the_command_dry_run_with_the_document_reports_no_problem(tmp_path, capsys):
    call_command(
        "import_catalogue",
        str(with_item_returned(tmp_path)),
        "--edition",
        "next",
        "--dry-run",
        "--document",
        "朔政发〔2022〕20号",
    )
    assert "退回：SZ-0002 企业投资项目核准（市发改委）" in capsys.readouterr().out


def test_a_dry_run_shows_a_taken_slug_with_the_adjustment(official_xlsx):
    report = import_official(official_xlsx, slug="2022", dry_run=True)
    assert report.unchanged == 303
    assert [str(problem) for problem in report.problems] == ["版本代码“2022”已存在。"]


def test_a_dry_run_with_a_row_it_cannot_read_is_refused_as_before(official_xlsx):
    bad = _edit(official_xlsx, lambda sheet: sheet.__setitem__("E4", "市发改局"))
    with pytest.raises(ImportRefused, match="未知的部门“市发改局”"):
        import_official(bad, slug="next", dry_run=True)


def test_the_register_is_read_in_five_queries_and_planned_in_none(tmp_path, django_assert_num_queries):
    parsed = read_workbook(with_item_returned(tmp_path))
    city = Jurisdiction.objects.get(code="shuozhou")
    with django_assert_num_queries(5):
        snapshot = read_snapshot(city, slug="next")
    assert (len(snapshot.items), snapshot.departments["市市场监管局"].short_name) == (320, "市市场监督管理局")
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    with django_assert_num_queries(0):
        plan = make_plan(parsed, snapshot, slug="next", document_id=notice.pk)
    assert (plan.problems, [listed.code for listed in plan.returned], len(plan.rows)) == ((), ["SZ-0002"], 311)
