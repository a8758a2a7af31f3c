"""The admin's flat exchange format: Chinese headers and labels, permissions, whole-file rollback, duplicate keys."""

import io

import openpyxl
import pytest
import tablib
from django.contrib.admin import AdminSite, ModelAdmin
from django.urls import path, reverse

from approvals.admin_io import FlatImportExportMixin, SafeCSV, SafeXLSX
from approvals.models import ApprovalItem, Department
from approvals.resources import DepartmentResource, ItemResource
from config.urls import urlpatterns as site_urls

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


# A test-only admin site with the mixin plugged in, so that these tests do not depend on approvals/admin.py.
# It is named "admin" because django-import-export's templates reverse "admin:…" names.
test_site = AdminSite(name="admin")


class ItemIOAdmin(FlatImportExportMixin, ModelAdmin):
    resource_classes = [ItemResource]


class DepartmentIOAdmin(FlatImportExportMixin, ModelAdmin):
    resource_classes = [DepartmentResource]


test_site.register(ApprovalItem, ItemIOAdmin)
test_site.register(Department, DepartmentIOAdmin)
# The public pages stay (the 403 page links to them); the real admin is left out.
urlpatterns = [path("io-admin/", test_site.urls), *(p for p in site_urls if getattr(p, "namespace", None) != "admin")]
on_test_site = pytest.mark.urls("tests.test_flat_io")


@on_test_site
@pytest.mark.parametrize("model", ["approvalitem", "department"])
def test_staff_without_permission_cannot_import_export_or_get_the_template(client, bare_staff, model):
    client.force_login(bare_staff)
    for name in ("import", "export", "import_template"):
        assert client.get(reverse(f"admin:approvals_{model}_{name}")).status_code == 403


def test_import_needs_the_add_permission_and_export_the_view_permission(rf, clerk, bare_staff):
    model_admin = ItemIOAdmin(ApprovalItem, test_site)
    for user, allowed in ((clerk, True), (bare_staff, False)):
        request = rf.get("/")
        request.user = user
        assert (model_admin.has_import_permission(request), model_admin.has_export_permission(request)) == (
            allowed,
            allowed,
        )


@on_test_site
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


@on_test_site
def test_a_bad_file_in_the_admin_changes_nothing_and_says_why(client, clerk):
    client.force_login(clerk)
    dataset = _dataset(("SZ-0001", {"事项名称": "不应保存"}), ("SZ-0002", {"事项类型": "行政批准"}))
    data = io.BytesIO(SafeXLSX().export_data(dataset))
    data.name = "items.xlsx"
    response = client.post(
        reverse("admin:approvals_approvalitem_import"), {"import_file": data, "format": "0", "resource": "0"}
    )
    assert "“事项类型”应为：行政许可" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"


@on_test_site
def test_the_template_has_the_import_columns(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:approvals_approvalitem_import_template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1


def test_departments_export_and_import_with_chinese_headers(clerk):
    dataset = DepartmentResource().export(queryset=Department.objects.filter(short_name="市市场监督管理局"))
    assert dataset.headers == ["辖区", "网址代码", "简称", "全称", "别名", "排序"]
    assert list(dataset[0]) == ["朔州市本级", "scjgj", "市市场监督管理局", "朔州市市场监督管理局", "市市场监管局", "17"]
    renamed = tablib.Dataset(*dataset, headers=["辖区", "网址代码", "简称", "全称", "别名", "顺序"])
    result = DepartmentResource(user=clerk).import_data(renamed, dry_run=False, rollback_on_validation_errors=True)
    assert result.has_errors() and "未知：顺序" in str(result.base_errors[0].error)


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


@on_test_site
def test_the_admin_shows_why_a_file_could_not_be_read(client, clerk, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(["SZ-0001", "=1+1"])
    path = tmp_path / "formula.xlsx"
    book.save(path)
    client.force_login(clerk)
    with path.open("rb") as data:
        response = client.post(
            reverse("admin:approvals_approvalitem_import"), {"import_file": data, "format": "0", "resource": "0"}
        )
    assert "第 2 行第 2 列是公式，请改为直接填写的值。" in response.content.decode()


def test_a_non_xlsx_upload_is_refused_before_parsing():
    with pytest.raises(ValueError, match="不是 Excel 工作簿"):
        SafeXLSX().create_dataset(b"a,b\n1,2\n")


def test_a_change_of_departments_alone_is_saved(clerk):
    result = _import(_dataset(("SZ-0001", {"划转部门": "市发改委、市能源局"})), clerk)
    assert not result.has_errors() and not result.has_validation_errors()
    assert ApprovalItem.objects.get(code="SZ-0001").department_text() == "市发改委、市能源局"


@on_test_site
@pytest.mark.parametrize("fmt, writer", [("0", SafeXLSX), ("1", SafeCSV)])
def test_a_file_above_the_online_limit_is_refused_before_any_row_is_read(client, clerk, settings, fmt, writer):
    settings.ADMIN_FLAT_MAX_ROWS = 2
    client.force_login(clerk)
    dataset = _dataset(*[(f"SZ-000{n}", {"备注": "批量"}) for n in (1, 2, 3)])
    content = writer().export_data(dataset)
    data = io.BytesIO(content if isinstance(content, bytes) else content.encode("utf-8"))
    data.name = "items.xlsx" if fmt == "0" else "items.csv"
    response = client.post(
        reverse("admin:approvals_approvalitem_import"), {"import_file": data, "format": fmt, "resource": "0"}
    )
    assert "在线导入最多 2 行，请分批导入；整张官方版式的目录请在服务器上用 manage.py import_catalogue 导入。" in (
        response.content.decode()
    )
    assert not ApprovalItem.objects.filter(remarks="批量").exists()


@on_test_site
def test_an_export_above_the_online_limit_says_how_to_get_it(client, clerk, settings):
    settings.ADMIN_FLAT_MAX_ROWS = 10
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalitem_export")
    response = client.post(url, {"format": "0", "resource": "0", "itemresource_code": "on"}, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "在线导出最多 10 行，请先筛选；整个目录请在服务器上用 manage.py export_catalogue 导出。" in (
        response.content.decode()
    )
