"""The admin's flat exchange format: Chinese headers and labels, permissions, whole-file rollback, duplicate keys."""

import datetime
import io
import zipfile
from urllib.parse import quote

import openpyxl
import pytest
import tablib
from django.contrib.admin import AdminSite, ModelAdmin
from django.urls import path, reverse
from django.utils import timezone

from approvals.admin.flat_io import FlatImportExportMixin, SafeCSV, SafeXLSX
from approvals.models import ApprovalItem, Department, Jurisdiction
from approvals.resources import DepartmentResource, ItemResource
from config.urls import urlpatterns as site_urls
from tests.test_row_heights import short_rows

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
    assert result.problems == [
        "第 2 行“事项编码”列：“SZ-9999”不存在：此处只能修改已登记的事项，新增事项请用官方版式导入或在管理后台新增。"
    ]
    assert not ApprovalItem.objects.filter(code="SZ-9999").exists()


def test_a_county_clerk_cannot_change_city_items_by_import(county_clerk):
    history = ApprovalItem.history.count()
    result = _import(_dataset(("SZ-0002", {}), ("SZ-0001", {"事项名称": "越权修改"})), county_clerk)
    assert result.problems == ["第 3 行“事项编码”列：此行属于“朔州市本级”，您只能导入本辖区（朔城区）的审批事项。"]
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"
    assert ApprovalItem.history.count() == history


def test_an_unchanged_row_of_another_jurisdiction_is_skipped_not_refused(county_clerk):
    # City staff see the counties' items: their export must import back, changing nothing.
    result = _import(_dataset(("SZ-0001", {})), county_clerk)
    assert result.problems == []
    assert [row.import_type for row in result.rows] == ["skip"]


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
        response = client.get(reverse(f"admin:approvals_{model}_{name}"))
        assert response.status_code == 403, name
        assert response["Content-Type"].startswith("text/html")  # the refusal page, not a file
        assert "您没有访问此页面的权限。" in response.content.decode(), name


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
    totals = preview.context["result"].totals
    assert (totals["update"], totals["new"], totals["skip"], totals["invalid"], totals["error"]) == (1, 0, 0, 0, 0)
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"  # only a preview so far
    confirm = preview.context["confirm_form"].initial
    response = client.post(reverse("admin:approvals_approvalitem_process_import"), confirm)
    assert (response.status_code, response["Location"]) == (302, reverse("admin:approvals_approvalitem_changelist"))
    item = ApprovalItem.objects.get(code="SZ-0001")
    assert item.name == "经后台导入的名称"
    assert (item.history.first().name, item.history.first().history_user) == ("经后台导入的名称", clerk)


@on_test_site
def test_a_bad_file_in_the_admin_changes_nothing_and_says_why(client, clerk):
    client.force_login(clerk)
    dataset = _dataset(("SZ-0001", {"事项名称": "不应保存"}), ("SZ-0002", {"事项类型": "行政批准"}))
    data = io.BytesIO(SafeXLSX().export_data(dataset))
    data.name = "items.xlsx"
    response = client.post(
        reverse("admin:approvals_approvalitem_import"), {"import_file": data, "format": "0", "resource": "0"}
    )
    assert "<li>第 3 行“事项类型”列：应填写行政许可、行政处罚、行政强制、" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert ApprovalItem.objects.get(code="SZ-0001").name == "招标方案核准"


@on_test_site
def test_the_template_has_the_import_columns(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:approvals_approvalitem_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.active[1]] == HEADERS
    assert book.active.max_row == 1
    assert short_rows(book) == []
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("审批事项导入模板.xlsx")


@on_test_site
def test_a_flat_export_is_named_in_chinese_with_the_day(client, clerk, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 12, 2))
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalitem_export")
    for fmt, name in (("0", "审批事项-2026-12-02.xlsx"), ("1", "审批事项-2026-12-02.csv")):
        response = client.post(url, {"format": fmt, "resource": "0", "itemresource_code": "on"})
        assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(name)


def test_departments_export_and_import_with_chinese_headers(clerk):
    dataset = DepartmentResource().export(queryset=Department.objects.filter(short_name="市市场监督管理局"))
    assert dataset.headers == ["辖区", "网址代码", "简称", "全称", "别名", "排序"]
    assert list(dataset[0]) == ["朔州市本级", "scjgj", "市市场监督管理局", "朔州市市场监督管理局", "市市场监管局", "17"]
    renamed = tablib.Dataset(*dataset, headers=["辖区", "网址代码", "简称", "全称", "别名", "顺序"])
    result = DepartmentResource(user=clerk).import_data(renamed, dry_run=False, rollback_on_validation_errors=True)
    assert result.problems == ["未知的列：“顺序”（列名须与模板完全一致，不能有多余空格）。", "缺少列：“排序”。"]


def test_flat_exports_keep_formula_text_inert_and_whole():
    ApprovalItem.objects.filter(code="SZ-0001").update(name='=HYPERLINK("x")', remarks="@SUM(1)")
    dataset = ItemResource().export(queryset=ApprovalItem.objects.filter(code="SZ-0001"))
    book = openpyxl.load_workbook(io.BytesIO(SafeXLSX().export_data(dataset)))
    sheet = book.active
    assert (sheet["C2"].value, sheet["C2"].data_type) == ('=HYPERLINK("x")', "s")
    assert short_rows(book) == []
    text = SafeCSV().export_data(dataset)
    assert '\'=HYPERLINK(""x"")' in text and "'@SUM(1)" in text


def test_a_flat_export_gives_each_row_the_height_of_its_wrapped_text():
    dataset = ItemResource().export(queryset=ApprovalItem.objects.order_by("pk"))
    book = openpyxl.load_workbook(io.BytesIO(SafeXLSX().export_data(dataset)))
    assert book.active.max_row == 1 + ApprovalItem.objects.count()
    assert short_rows(book) == []
    assert max(dimension.height or 0 for dimension in book.active.row_dimensions.values()) > 30


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


DEPARTMENT_HEADERS = ["辖区", "网址代码", "简称", "全称", "别名", "排序"]
EXPORT_ALL_DEPARTMENT_COLUMNS = {
    f"departmentresource_{name}": "on"
    for name in ("jurisdiction", "slug", "short_name", "full_name", "aliases", "position")
}


def _departments() -> list[tuple]:
    """Every department as stored: compared before and after an import."""
    return list(
        Department.objects.order_by("pk").values_list(
            "jurisdiction__name", "slug", "short_name", "full_name", "position"
        )
    )


def _import_departments(user, *rows, headers=DEPARTMENT_HEADERS):
    dataset = tablib.Dataset(*rows, headers=headers)
    return DepartmentResource(user=user).import_data(dataset, dry_run=False, rollback_on_validation_errors=True)


def _county_department() -> Department:
    return Department.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuocheng"),
        slug="fgj",
        short_name="区发改局",
        full_name="朔城区发展和改革局",
        position=1,
    )


def _xlsx(headers, *rows) -> bytes:
    """A workbook as a clerk saves it; an empty row stays an empty row of the sheet."""
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _upload(client, model: str, content: bytes, fmt: str = "0"):
    data = io.BytesIO(content)
    data.name = "upload.xlsx" if fmt == "0" else "upload.csv"
    return client.post(
        reverse(f"admin:approvals_{model}_import"), {"import_file": data, "format": fmt, "resource": "0"}
    )


def _export_departments(client) -> bytes:
    response = client.post(
        reverse("admin:approvals_department_export"), {"format": "0", "resource": "0", **EXPORT_ALL_DEPARTMENT_COLUMNS}
    )
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response.content


@on_test_site
def test_a_department_export_imports_back_through_the_admin_changing_nothing(client, clerk):
    _county_department()  # city staff export it too, and may not change it: unchanged, it is skipped
    before, history = _departments(), Department.history.count()
    client.force_login(clerk)
    preview = _upload(client, "department", _export_departments(client))
    totals = preview.context["result"].totals
    assert (totals["skip"], totals["new"], totals["update"], totals["invalid"], totals["error"]) == (25, 0, 0, 0, 0)
    response = client.post(
        reverse("admin:approvals_department_process_import"), preview.context["confirm_form"].initial
    )
    assert response.status_code == 302
    assert (_departments(), Department.history.count()) == (before, history)


@on_test_site
def test_a_changed_full_name_is_applied_with_its_history(client, clerk):
    before = _departments()
    client.force_login(clerk)
    book = openpyxl.load_workbook(io.BytesIO(_export_departments(client)))
    row = next(row for row in book.active.iter_rows(min_row=2) if row[1].value == "fgw")
    row[3].value = "朔州市发展和改革委员会（更名）"
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _upload(client, "department", buffer.getvalue())
    assert preview.context["result"].totals["update"] == 1
    client.post(reverse("admin:approvals_department_process_import"), preview.context["confirm_form"].initial)
    changed = [(b, a) for b, a in zip(before, _departments(), strict=True) if b != a]
    assert changed == [
        (
            ("朔州市本级", "fgw", "市发改委", "朔州市发展和改革委员会", 1),
            ("朔州市本级", "fgw", "市发改委", "朔州市发展和改革委员会（更名）", 1),
        )
    ]
    assert Department.history.filter(slug="fgw").first().history_user == clerk  # after its loading row


@pytest.mark.parametrize(
    "row",
    [
        ["朔州市本级", "fgw", "市发改委", "越权修改的全称", "", "1"],  # another jurisdiction's department
        ["朔州市本级", "xfj", "市信访局", "越权新增的部门", "", "30"],  # a new one in another jurisdiction
    ],
)
def test_a_county_clerk_cannot_create_or_change_another_jurisdictions_department(county_clerk, row):
    before = _departments()
    result = _import_departments(county_clerk, ["朔城区", "sfj", "区司法局", "朔城区司法局", "", "2"], row)
    assert result.problems == ["第 3 行“辖区”列：此行属于“朔州市本级”，您只能导入本辖区（朔城区）的部门。"]
    assert _departments() == before  # the county's own valid row is rolled back with it


def test_a_county_clerk_adds_and_changes_departments_of_their_own_jurisdiction(county_clerk):
    _county_department()
    result = _import_departments(
        county_clerk,
        ["朔城区", "fgj", "区发改局", "朔城区发展和改革局（更名）", "", "1"],
        ["朔城区", "sfj", "区司法局", "朔城区司法局", "", "2"],
    )
    assert result.problems == []
    assert list(
        Department.objects.filter(jurisdiction__code="shuocheng").order_by("position").values_list("slug", "full_name")
    ) == [("fgj", "朔城区发展和改革局（更名）"), ("sfj", "朔城区司法局")]
    assert Department.history.filter(slug="sfj").first().history_user == county_clerk  # the latest row


def test_bad_department_cells_are_named_by_row_and_column_and_change_nothing(clerk):
    before = _departments()
    result = _import_departments(
        clerk,
        ["朔州市本级", "fgw", "市发改委", "不应保存", "", "1"],
        ["朔州", "jyj", "市教育局", "朔州市教育局", "", "2"],
        ["朔州市本级", "gxj", "市工信局", "朔州市工业和信息化局", "", "第三"],
        ["朔州市本级", "mzj", "", "朔州市民政局", "", 4],
    )
    known = "、".join(Jurisdiction.objects.values_list("name", flat=True))
    assert result.problems == [
        f"第 3 行“辖区”列：应填写{known}之一，实际为“朔州”。",
        "第 4 行“排序”列：应填写不小于 0 的整数，实际为“第三”。",
        "第 5 行“简称”列：此字段不能为空。",
    ]
    assert _departments() == before


def test_an_id_column_or_a_key_listed_twice_refuses_the_department_file(clerk):
    row = ["朔州市本级", "fgw", "市发改委", "朔州市发展和改革委员会", "", "1"]
    with_id = _import_departments(clerk, [*row, "3"], headers=[*DEPARTMENT_HEADERS, "id"])
    assert with_id.problems == ["未知的列：“id”（列名须与模板完全一致，不能有多余空格）。"]
    twice = _import_departments(clerk, row, row)
    assert twice.problems == ["辖区“朔州市本级”、网址代码“fgw”在第 2 行和第 3 行重复。"]


@on_test_site
def test_the_admin_names_the_sheets_row_and_the_columns_heading_without_a_traceback(client, clerk):
    exported = _dataset(("SZ-0001", {}), ("SZ-0002", {"事项类型": "行政批准"}))
    client.force_login(clerk)
    response = _upload(client, "approvalitem", _xlsx(HEADERS, exported[0], [], exported[1]))
    page = response.content.decode()
    assert (
        "<li>第 4 行“事项类型”列：应填写行政许可、行政处罚、行政强制、行政征收、行政给付、行政检查、行政确认、"
        "行政奖励、行政裁决、其他行政权力之一，实际为“行政批准”。</li>"
    ) in page  # row 3 of the sheet is blank
    assert "<td>4</td>" in page and "文件有问题，没有导入" in page
    for leak in ("某些行验数据证失败", "Traceback", "site-packages", "['", "None", "item_type"):
        assert leak not in page, leak


@on_test_site
def test_a_file_refused_as_a_whole_is_told_in_sentences_not_a_python_list(client, clerk):
    client.force_login(clerk)
    headers = ["名称" if h == "事项名称" else h for h in HEADERS]
    page = _upload(client, "approvalitem", _xlsx(headers, _dataset(("SZ-0001", {}))[0])).content.decode()
    assert "<li>未知的列：“名称”（列名须与模板完全一致，不能有多余空格）。</li>" in page
    assert "<li>缺少列：“事项名称”。</li>" in page
    for leak in ("Traceback", "ValidationError", "site-packages", "['"):
        assert leak not in page, leak


@on_test_site
def test_an_unexpected_error_is_a_sentence_for_the_clerk_and_a_traceback_in_the_log(client, clerk, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("/srv/app/secret.py went wrong")

    monkeypatch.setattr(DepartmentResource, "before_save_instance", broken)
    client.force_login(clerk)
    content = _xlsx(DEPARTMENT_HEADERS, ["朔州市本级", "fgw", "市发改委", "新的全称", "", "1"])
    page = _upload(client, "department", content).content.decode()
    assert "<li>第 2 行：系统无法处理这一行，错误已记录，请联系系统管理员。</li>" in page
    assert "secret.py" not in page and "RuntimeError" not in page
    assert "RuntimeError: /srv/app/secret.py went wrong" in caplog.text


@on_test_site
@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        (
            "1",
            "辖区,网址代码,简称,全称,别名,排序\n朔州市本级,fgw,市发改委,朔州市发展和改革委员会,,1\n".encode("gbk"),
            "CSV 文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或直接上传 xlsx 文件。",
        ),
        ("0", _xlsx(DEPARTMENT_HEADERS), "文件只有表头，没有数据行。"),
        (
            "0",
            _zip({"xl/workbook.xml": "<not a workbook"}),
            "无法读取文件：请确认所选格式（xlsx 或 csv）与文件一致，且文件没有损坏。",
        ),
    ],
    ids=["gbk-csv", "header-only", "broken-xlsx"],
)
def test_a_file_that_cannot_be_read_is_refused_in_chinese(client, clerk, fmt, content, message):
    client.force_login(clerk)
    form = _upload(client, "department", content, fmt).context["form"]
    assert form.errors["import_file"] == [message]


@on_test_site
def test_a_file_that_fails_when_confirmed_changes_nothing_and_says_why(client, clerk):
    client.force_login(clerk)
    preview = _upload(client, "department", _xlsx(DEPARTMENT_HEADERS, ["朔州市本级", "xfj", "市信访局", "", "", "30"]))
    # Between the preview and the confirmation someone adds the same department under another 网址代码.
    Department.objects.create(jurisdiction=Jurisdiction.objects.get(code="shuozhou"), slug="xf", short_name="市信访局")
    before = _departments()
    response = client.post(
        reverse("admin:approvals_department_process_import"), preview.context["confirm_form"].initial, follow=True
    )
    assert response.redirect_chain == [(reverse("admin:approvals_department_import"), 302)]
    assert [str(m) for m in response.context["messages"]] == ["第 2 行：包含 辖区 和 简称 的 部门 已经存在。"]
    assert _departments() == before


def test_a_changed_status_is_refused_and_points_to_the_status_actions(clerk):
    item = ApprovalItem.objects.get(code="SZ-0001")
    before = (item.status, item.transfers.count())
    result = _import(_dataset(("SZ-0001", {"当前状态": "已退回原部门实施"})), clerk)
    assert result.problems == [
        "第 2 行“当前状态”列：当前状态不能在导入中修改（表中为“已退回原部门实施”，登记册为“由审批服务管理局实施”）。"
        "请在“审批事项”列表中选中事项，用“退回原部门”“取消事项”等操作登记，并填写生效日期和依据文件。"
    ]
    item.refresh_from_db()
    assert (item.status, item.transfers.count()) == before
    # The status as exported, unchanged, is no problem.
    assert _import(_dataset(("SZ-0001", {"备注": "改一下备注"})), clerk).problems == []
