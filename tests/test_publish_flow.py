"""A draft is seen before it is published, exactly as it will be: the preview in the official layout, its
workbook, the confirmation page with the whole comparison, and the four eyes that publish it."""

import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalItem, Jurisdiction
from catalog.adjustments import editions_diff
from catalog.exports import formats
from catalog.models import Edition
from catalog.publishing import edition_compile, edition_publish
from catalog.tables import edition_table
from tests.conftest import acknowledging, make_user, settings_under

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 30)
HEADING_1 = "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）"
HEADING_2_2022 = "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项 （90项）"
HEADING_2_DRAFT = "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项（0项）"
FOUR_EYES = "目录版本“2024”由publisher生成，需由另一位审核人发布（四眼原则）。"


@pytest.fixture
def city() -> Jurisdiction:
    return Jurisdiction.objects.get(code="shuozhou")


@pytest.fixture
def remark_changed(clerk) -> ApprovalItem:
    """SZ-0100 gets a remark in the register after 2022 (the 2022 table printed none)."""
    item = ApprovalItem.objects.get(code="SZ-0100")
    item.remarks = "须经交通运输部门考核"
    services.item_update(item=item, user=clerk)
    return item


def _draft(city, user=None) -> Edition:
    return edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, user=user)


def _preview(edition: Edition, **query) -> str:
    return reverse("admin:catalog_edition_preview", args=[edition.pk]) + ("?format=xlsx" if query else "")


def _workbook_cells(data: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def _publish(client, edition: Edition, **extra):
    data = {"action": "publish", ACTION_CHECKBOX_NAME: [str(edition.pk)], **extra}
    return client.post(reverse("admin:catalog_edition_changelist"), data, follow=True)


def _state(slug: str) -> tuple:
    return Edition.objects.filter(slug=slug).values_list("status", "published_on", "published_at").get()


# --- the preview ------------------------------------------------------------------------------------


def test_the_preview_shows_the_2022_edition_in_the_official_layout(client, clerk):
    client.force_login(clerk)
    page = client.get(_preview(Edition.objects.get(slug="2022")))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<h2>{HEADING_1}</h2>" in html
    assert f"<h2>{HEADING_2_2022}</h2>" in html
    sections = page.context["sections"]
    assert [len(s["rows"]) for s in sections] == [220, 90]
    spans = {row["head"][0]: row["span"] for row in sections[0]["rows"] if row["span"] > 1}
    assert spans == {3: 3, 202: 2, 204: 4, 212: 2}
    assert '<td rowspan="4">204</td>' in html
    assert "“二次划转”指本次划转的事项。" in html  # the footnotes


def test_the_preview_shows_a_compiled_draft_as_it_will_be_published(client, clerk, city):
    draft = _draft(city, user=clerk)
    client.force_login(clerk)
    page = client.get(_preview(draft))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<h2>{HEADING_1}</h2>" in html
    assert f"<h2>{HEADING_2_DRAFT}</h2>" in html
    assert '<td rowspan="4">204</td>' in html
    assert [len(s["rows"]) for s in page.context["sections"]] == [220, 0]


def test_the_preview_downloads_the_same_workbook_as_the_export(client, clerk, city):
    draft = _draft(city, user=clerk)
    client.force_login(clerk)
    download = client.get(_preview(draft, format="xlsx"))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        "attachment; filename=\"edition-2024.xlsx\"; filename*=UTF-8''" + quote("目录版本2024（草稿）.xlsx")
    )
    writer, content_type = formats()["xlsx"]
    assert download["Content-Type"] == content_type
    expected = io.BytesIO()
    writer(edition_table(draft), expected)
    assert _workbook_cells(download.content) == _workbook_cells(expected.getvalue())


def test_a_draft_is_viewed_on_the_site_through_its_preview(client, clerk, city):
    draft = _draft(city, user=clerk)
    client.force_login(clerk)
    change = client.get(reverse("admin:catalog_edition_change", args=[draft.pk]))
    assert f'href="{_preview(draft)}"' in change.content.decode()


def test_a_county_clerk_does_not_see_the_citys_draft(client, county_clerk, city):
    draft = _draft(city)
    client.force_login(county_clerk)
    assert client.get(_preview(draft)).status_code == 404


# --- the comparison ---------------------------------------------------------------------------------


def test_the_comparison_lists_a_changed_remark_before_and_after(city, remark_changed):
    adjustment = editions_diff(Edition.objects.get(slug="2022"), _draft(city))
    assert [(c.category, c.code, c.before, c.after) for c in adjustment.changes] == [
        ("edited", "SZ-0100", "备注：", "备注：须经交通运输部门考核")
    ]
    assert [(cell.column, cell.before, cell.after) for cell in adjustment.changes[0].cells] == [
        ("备注", "", "须经交通运输部门考核")
    ]


# --- publishing: confirm, then four eyes ------------------------------------------------------------


def test_publishing_asks_for_confirmation_with_the_whole_comparison(client, clerk, publisher, city, remark_changed):
    draft = _draft(city, user=clerk)
    before = _state("2024")
    client.force_login(publisher)
    page = _publish(client, draft)
    assert page.templates[0].name == "admin/catalog/edition/publish_confirm.html"
    html = page.content.decode()
    assert "共 220 行。" in html
    assert "与上一版（" + Edition.objects.get(slug="2022").title + "）相比，共 1 行有变动：" in html
    assert "其他内容变更（1 行）" in html
    assert "<td>SZ-0100</td><td>道路危险货物运输从业资格认定</td>" in html
    assert "<td>备注：</td><td>备注：须经交通运输部门考核</td>" in html
    assert f'<input type="hidden" name="{ACTION_CHECKBOX_NAME}" value="{draft.pk}">' in html
    assert _state("2024") == before  # nothing is published before the confirmation

    page = _publish(client, draft, confirm="yes", **acknowledging(draft))
    assert Edition.objects.get(slug="2024").is_published
    assert "已发布：2024。" in [str(m) for m in page.context["messages"]]


def test_the_one_who_compiled_a_draft_cannot_publish_it(client, publisher, city):
    draft = _draft(city, user=publisher)
    assert draft.created_by == publisher
    before = _state("2024")
    with pytest.raises(ValidationError) as refused:
        edition_publish(edition=draft, user=publisher)
    assert (refused.value.messages, refused.value.code) == ([FOUR_EYES], "four_eyes")
    client.force_login(publisher)
    page = _publish(client, draft, confirm="yes", **acknowledging(draft))
    assert [str(m) for m in page.context["messages"]] == [FOUR_EYES]
    assert _state("2024") == before

    edition_publish(edition=draft, user=make_user("second_publisher", groups=["审核人"]))
    assert Edition.objects.get(slug="2024").is_published


def test_the_confirmation_warns_the_one_who_compiled_it(client, publisher, city):
    draft = _draft(city, user=publisher)
    client.force_login(publisher)
    assert "此草稿由您生成，需由另一位审核人发布（四眼原则）。" in _publish(client, draft).content.decode()


def test_a_one_person_office_turns_the_four_eyes_off(publisher, city, settings):
    settings.PUBLISH_FOUR_EYES = False
    draft = _draft(city, user=publisher)
    assert edition_publish(edition=draft, user=publisher).is_published


def test_the_four_eyes_are_on_unless_the_environment_says_0():
    assert settings_under()["PUBLISH_FOUR_EYES"] is True
    assert settings_under(DJANGO_PUBLISH_FOUR_EYES="0")["PUBLISH_FOUR_EYES"] is False


def test_deleting_the_account_that_compiled_a_published_edition_only_forgets_the_name(clerk, publisher, city):
    edition_publish(edition=_draft(city, user=clerk), user=publisher)
    frozen = _state("2024")
    clerk.delete()
    published = Edition.objects.get(slug="2024")
    assert (published.created_by, _state("2024")) == (None, frozen)
