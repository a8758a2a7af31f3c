"""A citizen in a real browser (Debian's Chromium driven by Playwright): search, filter, open, download.

Skips without /usr/bin/chromium unless REQUIRE_BROWSER=1 (CI). Screenshots go to test-output/ (not committed).
"""

from pathlib import Path

import openpyxl
import pytest

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("official_data")]


def _shot(page, name: str) -> None:
    """The window, as the citizen sees the page at that step: the whole page (the list's 20 rows run to several
    screens) took a tenth of a second more a picture, and what the test checks is asserted, not pictured."""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"))


DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def citizen(browser):
    """One page for the module's tests: a context and a page took Chromium a third of a second each to start (a
    renderer process). Each test sets its window and starts without cookies (an item's feedback form sets
    csrftoken), as in a fresh context."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="zh-CN")
    yield context.new_page()
    context.close()


def _fresh(page, viewport) -> None:
    page.context.clear_cookies()
    page.set_viewport_size(viewport)


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", {"width": 390, "height": 844})])
def test_a_citizen_finds_an_item_sees_its_history_and_downloads_the_list(
    citizen, live_server, size, viewport, tmp_path
):
    page = citizen
    _fresh(page, viewport)
    errors = []

    def console_error(message):
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console_error)
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "朔州市本级行政审批事项划转目录"
    _shot(page, f"{size}-catalogue")

    page.get_by_label("搜索").fill("危险货物")
    page.get_by_role("button", name="查找").click()
    page.wait_for_url("**/?q=*")
    assert "共 7 项" in page.locator(".results-head").inner_text()

    if size == "phone":  # on a phone the filters fold behind "筛选" while only a search is chosen
        page.locator("summary", has_text="筛选").click()
    page.get_by_label("划转部门").select_option(label="市交通局")
    page.get_by_role("button", name="应用筛选").click()
    page.wait_for_url("**department=jtj*")
    assert "共 7 项" in page.locator(".results-head").inner_text()
    chips = page.locator(".chips").inner_text()
    assert "搜索：危险货物" in chips and "划转部门：市交通局" in chips
    _shot(page, f"{size}-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel").click()
    target = tmp_path / "filtered.xlsx"
    download_info.value.save_as(target)
    workbook = openpyxl.load_workbook(target)
    downloaded = [row[1] for row in workbook.worksheets[0].iter_rows(min_row=4, values_only=True) if row[1]]
    downloaded += [row[1] for row in workbook.worksheets[1].iter_rows(min_row=4, values_only=True) if row[1]]
    shown = page.locator("table.items tbody tr td:nth-child(2) > a").all_inner_texts()
    assert downloaded == shown

    page.get_by_role("link", name="危险货物运输经营许可", exact=True).click()
    page.wait_for_url("**/items/SZ-0111/")
    assert page.get_by_role("heading", level=1).inner_text() == "危险货物运输经营许可"
    timeline = page.locator("ol.timeline").inner_text()
    assert "划转至审批服务管理局" in timeline and "朔政发〔2020〕7号" in timeline
    assert "由审批服务管理局实施" in page.locator(".lead").inner_text()
    _shot(page, f"{size}-item")
    page.get_by_role("link", name="朔州市交通运输局").click()
    page.wait_for_url("**/departments/jtj/")
    _shot(page, f"{size}-department")
    page.remove_listener("console", console_error)
    assert errors == []  # no console error, CSP violations included


def test_the_catalogue_is_usable_by_keyboard(citizen, live_server):
    page = citizen
    _fresh(page, DESKTOP)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Enter")
    page.keyboard.type("许可")
    page.get_by_label("搜索").press("Enter")
    page.wait_for_url("**q=*")
    assert page.locator("table.items tbody tr").count() == 20
    page.goto(live_server.url + "/stats/")
    _shot(page, "desktop-stats")
