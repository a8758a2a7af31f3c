"""Uploading an official-layout workbook in the admin: the preview writes nothing, the confirmation imports."""

import datetime
import html
import os
import re
import time

import pytest
from django.db import transaction
from django.urls import reverse

from approvals.models import ApprovalItem, Department, Jurisdiction, PolicyDocument
from catalog.admin_import import stored
from catalog.exports.xlsx import write_xlsx
from catalog.imports.official import import_official
from catalog.models import Edition
from catalog.rows import CELL_FIELDS
from catalog.tables import Row, Section, Table
from tests.test_access import register_hash
from tests.workbooks import edited_2022, edited_2022_once, official_workbook, return_item

pytestmark = pytest.mark.django_db

URL = "/admin/catalog/edition/import-official/"
NOTICE = "朔政发〔2022〕20号"
NO_DOCUMENT = "本次调整包含退回原部门的事项，需要依据文件（导入页面选择或登记；命令行用 --document）。"
ENTRY_CELLS = ("section", "row", "number", *CELL_FIELDS, "item__code")


@pytest.fixture(autouse=True)
def _uploads_dir(settings, tmp_path):
    settings.IMPORT_UPLOADS_DIR = tmp_path / "uploads"


def _returned_and_retyped(workbook):
    return_item(workbook)
    workbook.worksheets[0]["D7"], workbook.worksheets[0]["E7"] = "行政确认", "市发改委、市能源局"


@pytest.fixture
def adjusted(tmp_path):
    """SZ-0002 returned, a new item in its place, and sub-item SZ-0003-02 retyped and moved: the 2022 workbook
    edited and saved by openpyxl once for the tests of the process."""
    return edited_2022_once(tmp_path, _returned_and_retyped, "returned.xlsx")


def _preview(client, path, **values):
    with open(path, "rb") as upload:
        return client.post(URL, {"file": upload, "slug": "next", "effective_on": "2024-03-01", **values})


def _confirmation(response) -> dict:
    """The hidden fields of the preview's 确认导入 form, as the browser sends them back."""
    form = re.search(r'<form method="post" class="import-confirm">(.*?)</form>', response.content.decode(), re.S)
    assert form, "the preview offers no confirmation"
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1))
    return {name: html.unescape(value) for name, value in fields if name != "csrfmiddlewaretoken"} | {"_confirm": "1"}


def _entries(slug: str) -> list[tuple]:
    return list(Edition.objects.get(slug=slug).entries.order_by("section", "row").values_list(*ENTRY_CELLS))


def _problems(response) -> list[tuple]:
    """The preview's problems as (sheet, row, column, message)."""
    return [(p.sheet, p.row, p.column, p.message) for p in response.context["preview"]["problems"]]


def test_the_edition_list_links_to_the_upload(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:catalog_edition_changelist"))
    assert reverse("admin:catalog_edition_import_official") == URL
    assert f'<a href="{URL}">导入官方版式工作簿</a>' in response.content.decode()


def test_the_preview_lists_the_adjustment_and_writes_nothing(client, clerk, adjusted):
    client.force_login(clerk)
    before = register_hash()
    notice = PolicyDocument.objects.get(number=NOTICE)
    response = _preview(client, adjusted, document=notice.pk)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["summary"] == "共 311 行：新增 1 项，退回 1 项，重新划转 0 项，变更 1 项，未变 302 项。"
    assert {heading: rows for heading, rows in preview["lists"] if rows} == {
        "新增事项": [("", "企业投资项目核准（改）（市发改委）", "", "新增")],
        "退回原部门": [("SZ-0002", "企业投资项目核准（市发改委）", "", "退回")],
        "事项类型变更": [
            (
                "SZ-0003-02",
                "政府固定资产投资项目审批（市发改委） / 政府投资项目初步设计审批",
                "其他行政权力",
                "行政确认",
            )
        ],
        "划转部门变更": [
            (
                "SZ-0003-02",
                "政府固定资产投资项目审批（市发改委） / 政府投资项目初步设计审批",
                "市发改委",
                "市发改委、市能源局",
            )
        ],
    }
    assert preview["problems"] == []
    body = response.content.decode()
    assert "确认导入" in body and "已上传：returned.xlsx" in body
    assert register_hash() == before


def test_the_confirmation_makes_the_draft_import_official_makes(client, clerk, adjusted):
    notice = PolicyDocument.objects.get(number=NOTICE)
    with transaction.atomic():
        import_official(adjusted, slug="next", document=notice, effective_on=datetime.date(2024, 3, 1), user=clerk)
        expected = _entries("next")
        transaction.set_rollback(True)
    client.force_login(clerk)
    preview = _preview(client, adjusted, document=notice.pk)
    token = preview.context["form"]["token"].value()
    response = client.post(URL, _confirmation(preview), follow=True)
    edition = Edition.objects.get(slug="next")
    assert response.redirect_chain == [(reverse("admin:catalog_edition_change", args=[edition.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "已导入草稿“next”。共 311 行：新增 1 项，退回 1 项，重新划转 0 项，变更 1 项，未变 302 项。"
        "核对无误后由审核人发布。"
    ]
    assert _entries("next") == expected and len(expected) == 311
    assert (edition.status, edition.document, str(edition.published_on)) == ("draft", notice, "2024-03-01")
    assert ApprovalItem.objects.get(code="SZ-0002").transfers.latest("pk").document == notice
    assert stored(token, clerk) is None  # the upload is gone once imported


def test_a_document_registered_in_the_form_is_written_with_the_import(client, clerk, adjusted):
    client.force_login(clerk)
    before = register_hash()
    new = {"new_number": "朔政发〔2024〕3号", "new_title": "关于调整划转事项的通知", "new_issuer": "朔州市人民政府"}
    preview = _preview(client, adjusted, **new, new_issued_on="2024-02-20")
    assert preview.context["preview"]["problems"] == []
    assert register_hash() == before  # the document too waits for the confirmation
    client.post(URL, _confirmation(preview))
    document = PolicyDocument.objects.get(number="朔政发〔2024〕3号")
    assert (document.jurisdiction.code, document.title, document.issuer, str(document.issued_on)) == (
        "shuozhou",
        "关于调整划转事项的通知",
        "朔州市人民政府",
        "2024-02-20",
    )
    assert Edition.objects.get(slug="next").document == document
    assert ApprovalItem.objects.get(code="SZ-0002").transfers.latest("pk").document == document


def test_a_document_both_chosen_and_registered_is_refused_by_the_form(client, clerk, adjusted):
    client.force_login(clerk)
    notice = PolicyDocument.objects.get(number=NOTICE)
    response = _preview(client, adjusted, document=notice.pk, new_number="朔政发〔2024〕3号", new_title="通知")
    assert response.context["form"].non_field_errors() == ["请选择一个已登记的依据文件，或者登记新文件，不要两者都填。"]
    assert response.context["preview"] is None


def test_a_missing_document_is_a_problem_of_the_preview_and_refuses_the_confirmation(client, clerk, adjusted):
    client.force_login(clerk)
    before = register_hash()
    preview = _preview(client, adjusted)
    assert preview.context["preview"]["summary"].startswith("共 311 行：新增 1 项，退回 1 项")
    assert _problems(preview) == [("", None, None, NO_DOCUMENT)]
    assert 'class="import-confirm"' not in preview.content.decode()
    token = preview.context["form"]["token"].value()
    refused = client.post(URL, {"token": token, "slug": "next", "effective_on": "2024-03-01", "_confirm": "1"})
    assert _problems(refused) == [("", None, None, NO_DOCUMENT)]
    assert "文件未导入，数据库没有任何改变" in refused.content.decode()
    assert register_hash() == before


def test_a_bad_workbook_shows_its_problem_with_sheet_row_and_column(client, clerk, tmp_path):
    def unknown_department(workbook):
        return_item(workbook)
        workbook.worksheets[0]["E4"] = "市发改局"

    path = edited_2022(tmp_path, unknown_department, "returned.xlsx")
    sheet = official_workbook().worksheets[0].title
    client.force_login(clerk)
    before = register_hash()
    response = _preview(client, path, document=PolicyDocument.objects.get(number=NOTICE).pk)
    [(where, row, column, message)] = _problems(response)
    assert (where, row, column) == (sheet, 4, "划转部门") and "未知的部门“市发改局”" in message
    assert f"<td>{sheet}</td><td>4</td><td>划转部门</td>" in response.content.decode()
    assert "summary" not in response.context["preview"]
    assert register_hash() == before


def test_a_file_that_is_not_a_workbook_is_named_in_the_problem(client, clerk, tmp_path):
    path = tmp_path / "说明.xlsx"
    path.write_text("not a workbook")
    client.force_login(clerk)
    [(_sheet, _row, _column, message)] = _problems(_preview(client, path))
    assert message.startswith("文件“说明.xlsx”")


def test_a_county_clerk_imports_into_their_own_county_only(client, county_clerk, tmp_path):
    county = Jurisdiction.objects.get(code="shuocheng")
    Department.objects.create(jurisdiction=county, slug="fgj", short_name="区发改局", full_name="朔城区发改局")
    rows = [Row(1, "区级投资项目备案", "", "行政许可", "区发改局", "承接", "基本目录事项", "", "")]
    path = tmp_path / "shuocheng.xlsx"
    write_xlsx(Table("朔城区目录", [Section(1, "（一）", rows, []), Section(2, "（二）", [])]), path)
    city_items = list(ApprovalItem.objects.filter(jurisdiction__code="shuozhou").values_list())
    client.force_login(county_clerk)
    city = Jurisdiction.objects.get(code="shuozhou")
    preview = _preview(client, path, jurisdiction=city.pk)  # a field the county clerk does not have
    assert "jurisdiction" not in preview.context["form"].fields
    assert preview.context["preview"]["summary"].startswith("共 1 行：新增 1 项")
    client.post(URL, _confirmation(preview))
    edition = Edition.objects.get(slug="next")
    assert (edition.jurisdiction, edition.title) == (county, "朔城区目录")
    assert list(ApprovalItem.objects.filter(jurisdiction=county).values_list("name", flat=True)) == ["区级投资项目备案"]
    assert list(ApprovalItem.objects.filter(jurisdiction__code="shuozhou").values_list()) == city_items


def test_staff_who_may_not_add_editions_are_refused(client, bare_staff):
    client.force_login(bare_staff)
    assert client.get(URL).status_code == 403


def test_a_token_of_another_user_or_made_up_is_refused(client, clerk, publisher, adjusted):
    client.force_login(clerk)
    token = _preview(client, adjusted).context["form"]["token"].value()
    client.force_login(publisher)
    for forged in (token, "../../etc/passwd", "x" * 30):
        response = client.post(URL, {"token": forged, "slug": "next", "effective_on": "2024-03-01", "_confirm": "1"})
        assert response.context["form"].errors["token"] == ["上传的文件已不存在（超过一天会被清理），请重新选择文件。"]
    assert not Edition.objects.filter(slug="next").exists()


def test_uploads_older_than_a_day_are_removed_by_the_next(client, clerk, adjusted, settings):
    client.force_login(clerk)
    old = _preview(client, adjusted).context["form"]["token"].value()
    folder = stored(old, clerk).parent
    os.utime(folder, (time.time() - 25 * 3600,) * 2)
    new = _preview(client, adjusted).context["form"]["token"].value()
    assert (stored(old, clerk), stored(new, clerk).name) == (None, "returned.xlsx")


def test_the_superuser_chooses_the_jurisdiction(client, admin_user):
    client.force_login(admin_user)
    form = client.get(URL).context["form"]
    assert form.fields["jurisdiction"].initial == Jurisdiction.objects.get(code="shuozhou")
