"""The admin's flat exchange format: Chinese headers and labels, permissions, whole-file rollback, duplicate keys."""

import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from approvals.admin_io import SafeCSV, SafeXLSX
from approvals.models import ApprovalItem
from approvals.resources import ItemResource

pytestmark = pytest.mark.django_db

HEADERS = [
    "事项编码",
    "主项编码",
    "事项名称",
    "事项类型",
    "划转部门",
    "事项来源",
    "属于基本目录",
    "备注",
    "当前状态",
    "划转情况",
    "辖区",
    "申请材料",
    "受理条件",
    "办理流程",
    "法定时限",
    "承诺时限",
    "收费",
    "设定依据",
]


def _dataset(*changes, headers=HEADERS) -> tablib.Dataset:
    """The exported rows of the given codes, with changes applied: (code, {header: value})."""
    exported = ItemResource().export(queryset=ApprovalItem.objects.filter(code__in=[c for c, _ in changes]))
    dataset = tablib.Dataset(headers=headers)
    by_code = {row[0]: dict(zip(exported.headers, row, strict=True)) for row in exported}
    for code, values in changes:
        row = {**by_code.get(code, {header: "" for header in headers}), **values}
        dataset.append([row.get(header, "") for header in headers])
    return dataset


def _import(dataset, user, dry_run=False):
    return ItemResource(user=user).import_data(dataset, dry_run=dry_run, rollback_on_validation_errors=True)


def test_the_export_speaks_the_clerks_language():
    dataset = ItemResource().export(queryset=ApprovalItem.objects.filter(code__in=["SZ-0003-01", "SZ-0060"]))
    assert dataset.headers == HEADERS
    rows = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in dataset}
    assert rows["SZ-0003-01"]["主项编码"] == "SZ-0003"
    assert rows["SZ-0060"]["事项类型"] == "行政许可"
    assert rows["SZ-0060"]["划转部门"] == "市住建局、市城市管理局"
    assert (rows["SZ-0060"]["属于基本目录"], rows["SZ-0060"]["当前状态"]) == ("否", "由审批服务管理局实施")


def test_a_valid_file_updates_the_items_with_their_history(clerk):
    dataset = _dataset(
        ("SZ-0001", {"事项名称": "招标方案核准（修订）", "承诺时限": "5个工作日", "划转部门": "市发改委"})
    )
    result = _import(dataset, clerk)
    assert not result.has_errors() and not result.has_validation_errors()
    item = ApprovalItem.objects.get(code="SZ-0001")
    assert (item.name, item.promised_time_limit) == ("招标方案核准（修订）", "5个工作日")
    assert item.history.first().history_user == clerk


def test_one_bad_row_rolls_back_the_whole_file(clerk):
    dataset = _dataset(("SZ-0001", {"事项名称": "应当不被保存"}), ("SZ-0002", {"事项类型": "行政批准"}))
    result = _import(dataset, clerk)
    assert result.has_validation_errors()
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"


def test_a_code_listed_twice_refuses_the_file(clerk):
    dataset = _dataset(("SZ-0001", {"事项名称": "甲"}), ("SZ-0002", {}))
    dataset.append(dataset[0])
    result = _import(dataset, clerk)
    assert result.has_errors()
    assert "事项编码“SZ-0001”在第 2 行和第 4 行重复" in str(result.base_errors[0].error)
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"


@pytest.mark.parametrize(("old", "new"), [("事项名称", " 事项名称"), ("事项名称", "名称")])
def test_a_renamed_or_padded_column_refuses_the_file(clerk, old, new):
    headers = [new if h == old else h for h in HEADERS]
    dataset = _dataset(("SZ-0001", {}), headers=HEADERS)
    dataset.headers = headers
    result = _import(dataset, clerk)
    assert result.has_errors()
    message = str(result.base_errors[0].error)
    assert f"未知的列：“{new}”" in message and "缺少列：“事项名称”" in message


def test_an_unknown_code_is_a_validation_error(clerk):
    result = _import(_dataset(("SZ-9999", {"事项编码": "SZ-9999", "事项名称": "新事项"})), clerk)
    assert result.has_validation_errors()
    assert not ApprovalItem.objects.filter(code="SZ-9999").exists()


def test_a_county_clerk_cannot_change_city_items_by_import(county_clerk):
    result = _import(_dataset(("SZ-0001", {"事项名称": "越权修改"})), county_clerk)
    assert result.has_validation_errors()
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"


def test_staff_without_permission_cannot_import_export_or_get_the_template(client, bare_staff):
    client.force_login(bare_staff)
    for name in ("import", "export", "import_template"):
        assert client.get(reverse(f"admin:approvals_approvalitem_{name}")).status_code == 403


def test_a_clerk_imports_through_the_admin_with_preview_and_confirm(client, clerk):
    client.force_login(clerk)
    data = io.BytesIO(SafeXLSX().export_data(_dataset(("SZ-0001", {"事项名称": "经后台导入的名称"}))))
    data.name = "items.xlsx"
    preview = client.post(
        reverse("admin:approvals_approvalitem_import"), {"import_file": data, "format": "0", "resource": "0"}
    )
    assert preview.status_code == 200
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"  # only a preview so far
    confirm = preview.context["confirm_form"].initial
    response = client.post(reverse("admin:approvals_approvalitem_process_import"), confirm)
    assert response.status_code == 302
    assert ApprovalItem.objects.get(code="SZ-0001").name == "经后台导入的名称"


def test_the_template_has_the_import_columns(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:approvals_approvalitem_import_template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1


def test_flat_exports_keep_formula_text_inert_and_whole():
    ApprovalItem.objects.filter(code="SZ-0001").update(name='=HYPERLINK("x")', remarks="@SUM(1)")
    dataset = ItemResource().export(queryset=ApprovalItem.objects.filter(code="SZ-0001"))
    sheet = openpyxl.load_workbook(io.BytesIO(SafeXLSX().export_data(dataset))).active
    assert (sheet["C2"].value, sheet["C2"].data_type) == ('=HYPERLINK("x")', "s")
    text = SafeCSV().export_data(dataset)
    assert '\'=HYPERLINK(""x"")' in text and "'@SUM(1)" in text


def test_a_formula_in_an_uploaded_file_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(["SZ-0001", "", "=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValueError, match="第 2 行第 3 列是公式"):
        SafeXLSX().create_dataset(buffer.getvalue())


def test_a_non_xlsx_upload_is_refused_before_parsing():
    with pytest.raises(ValueError, match="不是 Excel 工作簿"):
        SafeXLSX().create_dataset(b"a,b\n1,2\n")


def test_a_change_of_departments_alone_is_saved(clerk):
    result = _import(_dataset(("SZ-0001", {"划转部门": "市发改委、市能源局"})), clerk)
    assert not result.has_errors() and not result.has_validation_errors()
    assert ApprovalItem.objects.get(code="SZ-0001").department_text() == "市发改委、市能源局"
