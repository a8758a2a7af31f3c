"""Issue 20: a citizen on a phone reports that an item's page is out of date, in a real browser (Debian's Chromium,
Playwright), without JavaScript, and the clerk of the item's jurisdiction finds the message in the admin's queue.
Skips without /usr/bin/chromium unless REQUIRE_BROWSER=1; screenshots go to test-output/feedback-*.png."""

import pytest

from catalog.models import Feedback
from tests.conftest import log_in, make_user
from tests.test_browser import OUTPUT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("official_data")]

MESSAGE = "<b>窗口</b>已搬到政务服务中心二楼"
THANKS = "感谢您的留言！已转给朔州市本级的工作人员核实处理。"


def test_a_citizen_reports_an_outdated_page_and_the_clerk_finds_it(browser, live_server):
    # No script is needed: the form is posted with JavaScript switched off.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/items/SZ-0216/")
    where = page.locator("section.where").inner_text()
    assert "去哪里办" in where and "朔州市教育局" in where and "暂未公布" in where
    form = page.locator("#feedback")
    assert form.get_by_role("heading", level=2).inner_text() == "这条信息有误或已过时？"
    form.get_by_label("哪里有误或已过时？").fill(MESSAGE)
    form.get_by_label("联系方式（选填）").fill("0349-1234567")
    form.get_by_role("button", name="提交留言").click()
    page.wait_for_url("**/items/SZ-0216/#feedback")
    assert page.get_by_role("status").inner_text() == THANKS
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "feedback-thanks.png"))  # the window the browser scrolled to the thanks
    feedback = Feedback.objects.get()
    assert (feedback.item.code, feedback.jurisdiction.code, feedback.message) == ("SZ-0216", "shuozhou", MESSAGE)

    # Too long: the browser itself stops at 1000 characters (maxlength); the server says so too (tests/test_feedback).
    form.get_by_label("哪里有误或已过时？").fill("长" * 1200)
    assert len(form.get_by_label("哪里有误或已过时？").input_value()) == 1000
    context.close()

    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    log_in(admin, live_server, make_user("clerk", groups=["经办人"]))  # the log-in form is not this story's
    desk = admin.new_page()
    desk.goto(live_server.url + "/admin/")
    queue = desk.locator("#queues").inner_text()
    assert "群众留言" in queue and "1 条待处理（新收到、处理中）" in queue
    desk.locator("#queues").get_by_role("link", name="群众留言").click()
    desk.wait_for_url("**/admin/catalog/feedback/?state=open")
    assert MESSAGE in desk.locator("#result_list").inner_text()  # the markup as text, not bold
    assert desk.locator("#result_list b").count() == 0
    desk.screenshot(path=str(OUTPUT / "feedback-admin.png"), full_page=True)
    admin.close()
