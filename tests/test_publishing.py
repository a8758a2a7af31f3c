"""Editions: compile from the register, publish (publisher only, then frozen), and the adjustment table."""

import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalItem, Department, ItemType, Jurisdiction, PolicyDocument
from catalog.adjustment_notice import write_notice_xlsx
from catalog.adjustments import editions_diff
from catalog.models import Edition, Entry, Job
from catalog.publishing import compile_table, edition_compile, edition_publish
from catalog.tables import edition_table, mark_first_rows
from tests.conftest import acknowledging
from tests.test_row_heights import short_rows

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 30)


def _cells(table, section: int) -> list[list]:
    rows = table.sections[section - 1].rows
    return [row.cells(section, first_of_item=first) for row, first in mark_first_rows(rows)]


def _item(name: str) -> ApprovalItem:
    return ApprovalItem.objects.get(name=name)


@pytest.fixture
def city():
    return Jurisdiction.objects.get(code="shuozhou")


def make_notice() -> PolicyDocument:
    """朔政发〔2024〕3号, the basis of the adjustment below."""
    return PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        number="朔政发〔2024〕3号",
        title="朔州市人民政府关于再次调整划转事项的通知",
        batch_label="三次划转",
        issued_on=DAY,
    )


@pytest.fixture
def notice():
    return make_notice()


@pytest.fixture
def adjusted(city, notice, clerk):
    return adjust(city, notice, clerk)


def adjust(city: Jurisdiction, notice: PolicyDocument, clerk) -> ApprovalItem:
    """A realistic adjustment after 2022: three items returned, one accepted from the province,
    one returned item brought back, one renamed, one moved to another department."""
    for name in ("招标方案核准", "雷电防护装置设计审核和竣工验收", "道路危险货物运输从业资格认定"):
        services.item_return(item=_item(name), effective_on=datetime.date(2024, 3, 1), document=notice, user=clerk)
    accepted = services.item_create(
        jurisdiction=city,
        name="兽药经营许可（测试承接）",
        item_type=ItemType.LICENSING,
        source_text="省政府下放",
        remarks="承接省政府下放职权",
    )
    services.item_accept(item=accepted, effective_on=datetime.date(2024, 4, 1), document=notice, user=clerk)
    services.item_transfer(item=_item("校车使用许可"), effective_on=datetime.date(2024, 4, 1), document=notice)
    renamed = _item("政府投资项目竣工验收")
    renamed.name = "政府投资项目竣工验收（含决算）"
    renamed.save()
    moved = _item("企业投资项目备案")
    services.item_set_departments(item=moved, departments=[Department.objects.get(short_name="市发改委")])
    return accepted


def test_compiling_the_register_on_the_notice_day_gives_back_the_2022_tables(city):
    official = edition_table(Edition.objects.get(slug="2022"))
    compiled = compile_table(jurisdiction=city, on=datetime.date(2022, 8, 9), title=official.title)
    assert _cells(compiled, 1) == _cells(official, 1)
    printed, register = _cells(official, 2), _cells(compiled, 2)
    assert len(register) == 90
    # The register resolves the alias section (二) prints for two rows; every other cell is equal.
    differing = [(p[3], r[3]) for p, r in zip(printed, register, strict=True) if p != r]
    assert differing == [("市市场监管局", "市市场监督管理局")] * 2
    assert compiled.sections[0].heading == "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）"


def test_a_compiled_draft_follows_the_adjustment(city, notice, adjusted):
    edition = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, document=notice)
    assert (edition.status, edition.published_on) == (Edition.Status.DRAFT, DAY)
    assert edition.section1_heading == "（一）划转至市行政审批服务管理局实施的行政审批事项（212项）"
    assert edition.section2_heading == "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项（3项）"
    section1 = list(edition.entries.filter(section=1).order_by("row"))
    assert section1[0].main_name == "企业投资项目核准"  # 招标方案核准 has left; the rest keep their order
    assert max(e.number for e in section1) == 212
    by_name = {e.main_name: e for e in section1}
    assert (by_name["校车使用许可"].batch, by_name["校车使用许可"].departments) == ("三次划转", "市教育局")
    assert (by_name["兽药经营许可（测试承接）"].batch, by_name["兽药经营许可（测试承接）"].departments) == (
        "承接",
        "省政府下放",
    )
    # New arrivals stand in their department's block: 校车使用许可 after the 市教育局 items of 2022.
    education = [e.main_name for e in section1 if e.departments == "市教育局"]
    assert education[-1] == "校车使用许可"
    section2 = [(e.main_name, e.remarks) for e in edition.entries.filter(section=2).order_by("row")]
    assert [name for name, _ in section2 if _ == "退回"] == [
        "招标方案核准",
        "道路危险货物运输从业资格认定",
        "雷电防护装置设计审核和竣工验收",
    ]
    assert edition.notes.splitlines()[0] == "备注："
    assert any(
        "“三次划转”指依据《朔州市人民政府关于再次调整划转事项的通知》（朔政发〔2024〕3号）" in n
        for n in edition.notes.splitlines()
    )


def test_the_adjustment_table_compares_register_states_not_rows(city, notice, adjusted, publisher):
    new = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, document=notice)
    edition_publish(edition=new, user=publisher)
    adjustment = editions_diff(Edition.objects.get(slug="2022"), new)
    assert adjustment.counts() == {"added": 2, "returned": 4, "renamed": 1, "moved": 1}
    changes = {(c.category, c.code): c for c in adjustment.changes}
    assert changes[("added", "SZ-0216")].basis == "朔政发〔2024〕3号 2024-04-01"
    assert changes[("added", adjusted.code)].after == "承接"
    assert {code for category, code in changes if category == "returned"} == {
        "SZ-0001",
        "SZ-0100",
        "SZ-0212-01",
        "SZ-0212-02",
    }
    assert changes[("renamed", "SZ-0005")].before == "政府投资项目竣工验收"
    assert (changes[("moved", "SZ-0009")].before, changes[("moved", "SZ-0009")].after) == ("市工信局", "市发改委")
    # The 88 items returned in 2022 and no longer printed in section (二) are not changes.
    assert not any(c.code == "SZ-0214" for c in adjustment.changes)


def test_only_a_publisher_publishes_and_then_nothing_changes(city, notice, clerk, publisher):
    draft = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, document=notice)
    with pytest.raises(PermissionDenied):
        edition_publish(edition=draft, user=clerk)
    published = edition_publish(edition=draft, user=publisher)
    assert published.is_published
    with pytest.raises(ValidationError):
        edition_publish(edition=published, user=publisher)
    published.title = "改写"
    with pytest.raises(ValidationError):
        published.save()
    entry = published.entries.first()
    entry.main_name = "改写"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        published.delete()
    assert Edition.objects.get(slug="2024").title == "2024年版"


def test_the_official_edition_is_read_only_in_the_admin(client, publisher):
    client.force_login(publisher)
    edition = Edition.objects.get(slug="2022")
    url = reverse("admin:catalog_edition_change", args=[edition.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.post(url, {"title": "改写"}).status_code == 403
    assert Edition.objects.get(slug="2022").title.startswith("朔州市相对集中行政许可权改革")


def test_the_admin_compiles_a_draft_and_the_publisher_publishes_it(client, clerk, publisher, notice, city, settings):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:catalog_edition_compile"),
        {"slug": "2024", "title": "2024年版", "jurisdiction": city.pk, "on": "2024-06-30", "document": notice.pk},
    )
    assert response.status_code == 302
    draft = Edition.objects.get(slug="2024")
    assert draft.entries.count() == 220
    changelist = reverse("admin:catalog_edition_changelist")
    # A clerk has no publish action at all.
    action_form = client.get(changelist).context["action_form"]
    assert action_form is None or "publish" not in dict(action_form.fields["action"].choices)
    client.force_login(publisher)
    settings.EXPORT_ONLINE_MAX_ROWS = 200  # the new edition's 220 rows are too many to write online
    selected = {"action": "publish", ACTION_CHECKBOX_NAME: [str(draft.pk)]}
    client.post(changelist, selected)  # the confirmation page with the comparison (tests/test_publish_flow.py)
    assert not Edition.objects.get(slug="2024").is_published
    response = client.post(changelist, {**selected, "confirm": "yes", **acknowledging(draft)}, follow=True)
    assert Edition.objects.get(slug="2024").is_published
    notes = [str(message) for message in response.context["messages"]]
    job = Job.objects.get(kind=Job.Kind.DOWNLOADS)
    assert job.params == {"edition": draft.pk}
    url = reverse("admin:catalog_job_change", args=[job.pk])
    assert f'“2024”较大，公众下载的文件正在后台生成：<a href="{url}">准备下载文件 #{job.pk}</a>。' in notes


def test_the_admin_shows_and_downloads_the_adjustment_table(client, clerk, city, notice, adjusted, publisher):
    new = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, document=notice)
    client.force_login(clerk)
    page = client.get(reverse("admin:catalog_edition_diff"), {"old": "2022", "new": "2024"})
    assert "退回原部门（4 项）" in page.content.decode()
    download = client.get(reverse("admin:catalog_edition_diff"), {"old": "2022", "new": new.slug, "format": "xlsx"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    title = "朔州市相对集中行政许可权改革市级划转事项调整对照表（2022年版→2024年版）"
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(f"{title}（明细）.xlsx")
    notice_file = client.get(reverse("admin:catalog_edition_diff"), {"old": "2022", "new": "2024", "format": "notice"})
    assert notice_file["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(f"{title}.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(notice_file.content)).active["A1"].value == title


def test_diff_editions_writes_the_adjustment_table(tmp_path, city, notice, adjusted, capsys):
    edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, document=notice)
    target = tmp_path / "adjustment.xlsx"
    call_command("diff_editions", "2022", "2024", "-o", str(target))
    assert "新增划转或承接 2 项，退回原部门 4 项，名称变更 1 项，划转部门变更 1 项" in capsys.readouterr().out
    book = openpyxl.load_workbook(target)
    assert short_rows(book) == []
    rows = list(book.active.iter_rows(values_only=True))
    header = rows.index(("类别", "事项编码", "事项名称", "划转部门", "调整前", "调整后", "依据"))
    body = rows[header + 1 :]
    assert len(body) == 8
    assert (
        "名称变更",
        "SZ-0005",
        "政府投资项目竣工验收（含决算）",
        "市发改委",
        "政府投资项目竣工验收",
        "政府投资项目竣工验收（含决算）",
        "朔政发〔2024〕3号",
    ) in body


def test_the_register_on_a_past_day_is_shown_in_the_admin(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("admin:approvals_approvalitem_on_date"), {"date": "2022-08-08"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 213 - 19 + 90
    assert "共 284 项" in page.content.decode()


def test_entries_of_a_draft_can_still_change(city, notice):
    draft = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, document=notice)
    entry = draft.entries.first()
    entry.remarks = "草稿修订"
    entry.save()
    assert Entry.objects.get(pk=entry.pk).remarks == "草稿修订"


def test_compile_edition_command_writes_a_draft(notice, adjusted, capsys):
    call_command("compile_edition", "2024", "--title", "2024年版", "--date", "2024-06-30", "--document", notice.number)
    out = capsys.readouterr().out
    assert "（一）划转至市行政审批服务管理局实施的行政审批事项（212项）" in out
    assert Edition.objects.get(slug="2024").status == Edition.Status.DRAFT


def test_compile_edition_command_refuses_an_unknown_document_in_chinese():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有文号为“朔政发〔2099〕1号”的政策文件"):
        call_command("compile_edition", "2099", "--title", "x", "--document", "朔政发〔2099〕1号")
    assert not Edition.objects.filter(slug="2099").exists()


def test_the_adjustment_notice_table_has_a_part_per_kind_numbered_by_main_item(tmp_path, city, notice, adjusted):
    title = "朔州市相对集中行政许可权改革市级划转事项调整目录（2024年版）"
    new = edition_compile(slug="2024", title=title, jurisdiction=city, on=DAY, document=notice)
    target = tmp_path / "notice.xlsx"
    write_notice_xlsx(editions_diff(Edition.objects.get(slug="2022"), new), target)
    book = openpyxl.load_workbook(target)
    sheet = book.active
    rows = [tuple(cell for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)]
    assert rows[:2] == [
        ("朔州市相对集中行政许可权改革市级划转事项调整对照表（2022年版→2024年版）",),
        ("依据：朔政发〔2024〕3号\u3000日期：2024年6月30日",),
    ]
    headings = [row[0] for row in rows if row and str(row[0])[1:2] == "、"]
    assert headings == ["一、新增划转或承接 2 项", "二、退回原部门 3 项（含子项 2 个）", "三、变更 2 项"]
    returned = rows[rows.index(("序号", "主项名称", "子项名称", "划转情况", "划转部门", "依据"), 5) + 1 :][:4]
    basis = "朔政发〔2024〕3号 2024-03-01"
    assert returned == [
        (1, "招标方案核准", "首次划转", "市发改委", basis),
        (2, "道路危险货物运输从业资格认定", "首次划转", "市交通局", basis),
        (3, "雷电防护装置设计审核和竣工验收", "雷电防护装置设计审核", "首次划转", "市气象局", basis),
        ("雷电防护装置竣工验收", "首次划转", "市气象局", basis),
    ]
    assert {"A13:A14", "B13:B14"} <= {str(merged) for merged in sheet.merged_cells.ranges}
    assert rows[-1] == (2, "企业投资项目备案", "划转部门变更", "市工信局", "市发改委", "朔政发〔2024〕3号")
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert short_rows(book) == []
