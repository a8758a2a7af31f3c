"""Issue 15: an adjustment from upload to the public site, in a real browser (Debian's Chromium, Playwright).

A city clerk uploads the 2022 table with one item returned and one remark changed, registers the basis
document in the same form, previews (nothing written), confirms and checks the draft in the official layout;
a reviewer sees the whole comparison and publishes it (the clerk may not: four eyes); citizens see the new
edition and the returned item. Skips without /usr/bin/chromium unless REQUIRE_BROWSER=1; screenshots go
to test-output/flow-*.png.
"""

import openpyxl
import pytest
from django.contrib.auth.models import Group

from approvals.models import PolicyDocument
from catalog.models import Edition
from tests.conftest import log_in
from tests.test_access import register_hash
from tests.test_browser import OUTPUT
from tests.workbooks import edited_2022_once, return_item

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("official_data")]

PASSWORD = "x-test-password"  # tests.conftest.make_user's
TITLE = "朔州市相对集中行政许可权改革市级划转事项调整目录（2024年版）"
TITLE_2022 = "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"
DOCUMENT = ("朔政发〔2024〕3号", "朔州市人民政府关于调整市行政审批服务管理局划转事项的通知", "朔州市人民政府")
REMARK = "须经交通运输部门考核"
HEADING_1 = "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）"
HEADING_2 = "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项（91项）"
SUMMARY = "共 311 行：新增 1 项，退回 1 项，重新划转 0 项，变更 1 项，未变 301 项。"
FOUR_EYES = "目录版本“2024”由clerk生成，需由另一位审核人发布（四眼原则）。"


@pytest.fixture(autouse=True)
def _four_eyes_and_uploads(settings, tmp_path):
    settings.PUBLISH_FOUR_EYES = True
    settings.IMPORT_UPLOADS_DIR = tmp_path / "uploads"


def _adjust(workbook: openpyxl.Workbook) -> None:
    """企业投资项目核准 (SZ-0002) returned and a new item in its place (`return_item`), a remark on
    道路危险货物运输从业资格认定 (SZ-0100, row 105) and section (二)'s heading counting 91, as a clerk edits it."""
    return_item(workbook)
    assert workbook.worksheets[0]["B105"].value == "道路危险货物运输从业资格认定"
    workbook.worksheets[0]["H105"] = REMARK
    workbook.worksheets[1]["A2"] = HEADING_2


@pytest.fixture
def adjustment(tmp_path):
    """The 2022 table as `_adjust` edits it, made once per process (a workbook loaded and saved again cost half a
    second)."""
    return edited_2022_once(tmp_path, _adjust, "returned.xlsx")


def _shot(page, name: str, *, at=None) -> None:
    """The whole page; for the long tables only the window, scrolled to `at`."""
    OUTPUT.mkdir(exist_ok=True)
    if at is not None:
        at.evaluate("element => element.scrollIntoView()")
    page.screenshot(path=str(OUTPUT / f"flow-{name}.png"), full_page=at is None)


def _logged_in(chromium, live_server, user, *, by_form: bool = False):
    """A page of `user`'s own browser, logged in: through the log-in form (the page is then on the admin's index)
    or, `by_form` false, by a session made on the server (tests.conftest.log_in: two page loads and a post less)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(10_000)
    if not by_form:
        log_in(context, live_server, user)
    page = context.new_page()
    if by_form:
        page.goto(live_server.url + "/admin/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(live_server.url + "/admin/")
    return page


def _messages(page) -> list[str]:
    return page.locator("ul.messagelist li").all_inner_texts()


def _rows(table) -> list[list[str]]:
    """Each body row's cells as inner_text() reads them (innerText), in one call to Chromium: a locator per row
    took a round trip each, seconds for the 311 rows of a draft."""
    cells = "rows => rows.map(row => Array.from(row.querySelectorAll('td'), cell => cell.innerText))"
    return table.locator("tbody tr").evaluate_all(cells)


def _choose_publish(page, edition: Edition) -> None:
    """On the edition list: tick the draft, choose 发布所选草稿, 执行."""
    page.locator(f'input[name="_selected_action"][value="{edition.pk}"]').check()
    page.locator('select[name="action"]').select_option(label="发布所选草稿")
    page.get_by_role("button", name="执行").click()
    page.wait_for_load_state()


def test_a_clerk_imports_an_adjustment_a_reviewer_publishes_it_and_citizens_see_it(
    browser,  # noqa: F811
    live_server,
    clerk,
    publisher,
    adjustment,
    tmp_path,
):
    errors: list[str] = []

    # The clerk uploads the workbook and registers the basis document in the same form.
    # Through the form once in the suite's browser: the only log-in whose CSRF cookie and token a browser sends
    # (the test client skips the check; tests/test_security.py holds the refusal without them).
    clerk_page = _logged_in(browser, live_server, clerk, by_form=True)
    clerk_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    clerk_page.reload()  # the index again, now with the console listened to
    clerk_page.get_by_role("link", name="目录版本").first.click()
    clerk_page.wait_for_url("**/admin/catalog/edition/")
    assert clerk_page.get_by_text("发布所选草稿").count() == 0  # a clerk does not publish
    _shot(clerk_page, "1-edition-list")
    clerk_page.get_by_role("link", name="导入官方版式工作簿").click()
    clerk_page.wait_for_url("**/admin/catalog/edition/import-official/")
    clerk_page.locator("#id_file").set_input_files(adjustment)
    clerk_page.locator("#id_slug").fill("2024")
    clerk_page.locator("#id_title").fill(TITLE)
    clerk_page.locator("#id_effective_on").fill("2024-03-01")
    number, title, issuer = DOCUMENT
    clerk_page.locator("#id_new_number").fill(number)
    clerk_page.locator("#id_new_title").fill(title)
    clerk_page.locator("#id_new_issuer").fill(issuer)
    clerk_page.locator("#id_new_issued_on").fill("2024-02-20")
    _shot(clerk_page, "2-import-form")
    before = register_hash()
    clerk_page.get_by_role("button", name="预览调整").click()
    clerk_page.wait_for_selector(".import-summary")

    # The preview: the exact counts and every changed row, and nothing written yet.
    assert clerk_page.locator(".import-summary").inner_text() == SUMMARY
    assert clerk_page.locator("h3").all_inner_texts() == ["新增事项（1 项）", "退回原部门（1 项）", "备注变更（1 项）"]
    tables = clerk_page.locator("h3 + table")
    assert [_rows(tables.nth(i)) for i in range(3)] == [
        [["", "企业投资项目核准（改）（市发改委）", "", "新增"]],
        [["SZ-0002", "企业投资项目核准（市发改委）", "", "退回"]],
        [["SZ-0100", "道路危险货物运输从业资格认定（市交通局）", "—", REMARK]],
    ]
    assert clerk_page.locator(".import-problems").count() == 0
    assert "已上传：returned.xlsx" in clerk_page.locator("#content").inner_text()
    assert register_hash() == before
    assert not PolicyDocument.objects.filter(number=number).exists()
    _shot(clerk_page, "3-import-preview")

    # The confirmation writes the draft and lands on it.
    clerk_page.get_by_role("button", name="确认导入").click()
    draft = Edition.objects.get(slug="2024")
    clerk_page.wait_for_url(f"**/admin/catalog/edition/{draft.pk}/change/")
    assert _messages(clerk_page) == [f"已导入草稿“2024”。{SUMMARY}核对无误后由审核人发布。"]
    assert (draft.status, draft.title, str(draft.published_on)) == ("draft", TITLE, "2024-03-01")
    assert draft.created_by == clerk
    document = PolicyDocument.objects.get(number=number)
    assert (document.title, document.issuer, str(document.issued_on), draft.document) == (
        title,
        issuer,
        "2024-02-20",
        document,
    )
    _shot(clerk_page, "4-draft", at=clerk_page.locator("#header"))

    # The draft in the official layout: both sections, counts in the headings, 序号 and 主项名称 merged.
    clerk_page.locator(f'#content a[href="/admin/catalog/edition/{draft.pk}/preview/"]').click()  # view on site
    clerk_page.wait_for_url(f"**/admin/catalog/edition/{draft.pk}/preview/")
    assert clerk_page.locator("#content h1").all_inner_texts() == [f"预览：{TITLE}", TITLE]
    assert clerk_page.locator("#content h2").all_inner_texts() == [HEADING_1, HEADING_2]
    sections = clerk_page.locator("table.items")
    assert [sections.nth(i).locator("tbody tr").count() for i in range(2)] == [220, 91]
    merged = sections.nth(0).locator("tbody tr").nth(2).locator("td")  # 3 政府固定资产投资项目审批, three sub-items
    assert (merged.nth(0).get_attribute("rowspan"), merged.nth(0).inner_text(), merged.nth(1).inner_text()) == (
        "3",
        "3",
        "政府固定资产投资项目审批",
    )
    assert _rows(sections.nth(0))[1][:2] == ["2", "企业投资项目核准（改）"]
    returned = ["91", "企业投资项目核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"]
    assert _rows(sections.nth(1))[-1] == returned
    _shot(clerk_page, "5-draft-preview", at=clerk_page.locator("#header"))
    _shot(clerk_page, "5-draft-preview-section-2", at=clerk_page.locator("#content h2").nth(1))
    with clerk_page.expect_download() as download_info:
        clerk_page.get_by_role("link", name="下载 Excel（官方版式）").click()
    target = tmp_path / "draft.xlsx"
    download_info.value.save_as(target)
    assert download_info.value.suggested_filename == "目录版本2024（草稿）.xlsx"
    workbook = openpyxl.load_workbook(target)
    assert [workbook.worksheets[1]["A2"].value, workbook.worksheets[0]["H105"].value] == [HEADING_2, REMARK]

    # The clerk, made a reviewer too, may still not publish their own import: four eyes.
    clerk.groups.add(Group.objects.get(name="审核人"))
    clerk_page.goto(live_server.url + "/admin/catalog/edition/")
    _choose_publish(clerk_page, draft)
    assert "此草稿由您生成，需由另一位审核人发布（四眼原则）。" in clerk_page.locator("#content").inner_text()
    clerk_page.get_by_label("我已阅读“2024”的发布前提醒，确认发布。").check()
    clerk_page.get_by_role("button", name="确认发布").click()
    clerk_page.wait_for_url("**/admin/catalog/edition/")
    assert _messages(clerk_page) == [FOUR_EYES]
    assert Edition.objects.get(slug="2024").status == "draft"
    _shot(clerk_page, "6-four-eyes-refused")

    # The reviewer sees the whole comparison with the edition before, then publishes.
    reviewer_page = _logged_in(browser, live_server, publisher)
    reviewer_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    reviewer_page.goto(live_server.url + "/admin/catalog/edition/")
    _choose_publish(reviewer_page, draft)
    content = reviewer_page.locator("#content")
    assert content.locator("h1").inner_text() == "确认发布目录版本"
    text = content.inner_text()
    assert "共 311 行。" in text and "生成人：clerk。" in text
    assert f"与上一版（{TITLE_2022}）相比，共 3 行有变动：" in text
    assert "四眼原则" not in text
    headings = ["新增划转或承接（1 行）", "退回原部门（1 行）", "其他内容变更（1 行）"]
    assert content.locator("h3").all_inner_texts() == ["发布前检查", *headings]
    checks = _rows(content.locator("table.prepublication"))
    assert [row[0] for row in checks] == [
        "各部分标题中的事项数与所列主项数一致",
        "基本目录外事项经本级人民政府同意方可退回",
        "办理时限为结构化的工作日、自然日或即办，承诺时限不长于法定时限",
        "基本目录事项退回须说明理由",
        "事项应有设定依据",
    ]
    assert [row[2].split("\n")[0] for row in checks[:3]] == ["通过", "通过", "通过"]
    comparison = [_rows(content.locator("h3 + table").nth(i + 1)) for i in range(3)]
    assert comparison[0] == [["SZ-0304", "企业投资项目核准（改）", "市发改委", "", "首次划转", "朔政发〔2020〕7号"]]
    assert comparison[1] == [["SZ-0002", "企业投资项目核准", "市发改委", "首次划转", "", f"{number} 2024-03-01"]]
    remark = ["SZ-0100", "道路危险货物运输从业资格认定", "市交通局", "备注：", f"备注：{REMARK}", number]
    assert comparison[2] == [remark]
    assert Edition.objects.get(slug="2024").status == "draft"  # nothing published before the confirmation
    _shot(reviewer_page, "7-publish-confirmation")
    reviewer_page.get_by_label("我已阅读“2024”的发布前提醒，确认发布。").check()
    reviewer_page.get_by_role("button", name="确认发布").click()
    reviewer_page.wait_for_url("**/admin/catalog/edition/")
    assert _messages(reviewer_page) == ["已发布：2024。"]
    published = Edition.objects.get(slug="2024")
    assert (published.status, published.published_by.username) == ("published", "publisher")
    listed = published.entries.values("item").distinct().count()  # no item has its 设定依据 on record yet
    assert published.acknowledged_warnings.splitlines()[-1] == f"事项应有设定依据：{listed} 项"
    _shot(reviewer_page, "8-published")

    # Citizens: the new edition first among the editions, the returned item counted and marked returned.
    public = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    public.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    public.goto(live_server.url + "/editions/")
    newest = public.locator("section.edition").first
    assert newest.locator("h2").inner_text() == TITLE
    assert f"发布日期 2024年3月1日 · 依据 {number}《{title}》" in newest.inner_text()
    assert f"与上一版（{TITLE_2022}）的调整对照表" in newest.inner_text()
    _shot(public, "9-public-editions")
    public.goto(live_server.url + "/")
    counts = public.locator(".summary .counts").inner_text()
    assert "213 项（主项）由审批服务管理局实施" in counts and "91 项（主项）已调整回原部门实施" in counts
    public.get_by_label("搜索").fill("企业投资项目核准")
    public.get_by_role("button", name="查找").click()
    public.wait_for_url("**/?q=*")
    found = {row[1].splitlines()[0]: row[4] for row in _rows(public.locator("table.items"))}
    assert found == {
        "企业投资项目核准（改）": "由审批服务管理局实施\n首次划转",
        "企业投资项目核准": "已退回原部门实施\n首次划转",
    }
    _shot(public, "10-public-search")
    public.get_by_role("link", name="企业投资项目核准", exact=True).click()
    public.wait_for_url("**/items/SZ-0002/")
    assert public.locator(".lead .status").inner_text() == "已退回原部门实施"
    assert public.locator(".lead").inner_text().endswith(f"自2024年3月1日起，依据{number}。")
    assert f"{TITLE}：（二）调整回原行业主管部门实施 序号 91" in public.locator("main").inner_text()
    _shot(public, "11-public-item")
    assert errors == []  # no console error, CSP violations included
    public.close()
    reviewer_page.context.close()
    clerk_page.context.close()
