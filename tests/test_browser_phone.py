"""The catalogue on a phone (390×844) and on a desktop, in Debian's Chromium: the filters fold behind "筛选"
without script, and the first result is on the first screen.

Skips without /usr/bin/chromium unless REQUIRE_BROWSER=1 (CI). Screenshots go to test-output/ (not committed).
"""

from pathlib import Path

import pytest

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("official_data")]


def _shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"))


@pytest.fixture(scope="module")
def no_script(browser):
    """One page without script for the module: a context and a page took Chromium a third of a second each to start
    (a renderer process), and the stylesheet is fetched once. Each test loads its own page in it, and `_open`
    checks that no cookie was left behind, so each starts as in a fresh context."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    yield context.new_page()
    context.close()


def _open(page, live_server, viewport, path="/"):
    assert page.context.cookies() == []  # the public pages set none: nothing carries over from the test before
    page.set_viewport_size(viewport)
    page.goto(live_server.url + path)
    return page


def _within_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_on_a_phone_the_first_result_is_on_the_first_screen_and_the_filters_fold(no_script, live_server):
    page = _open(no_script, live_server, PHONE)
    first = page.locator("table.items tbody tr").first
    assert first.locator("td").nth(1).inner_text().endswith("招标方案核准")
    assert _within_first_screen(page, first)
    assert page.get_by_label("搜索").is_visible()
    assert not page.get_by_label("事项类型").is_visible()
    _shot(page, "phone-catalogue-folded")

    page.locator("summary", has_text="筛选").click()  # no script: the browser's own <details>
    assert page.get_by_label("事项类型").is_visible()
    page.get_by_label("事项类型").select_option(label="行政确认")
    page.get_by_role("button", name="应用筛选").click()
    page.wait_for_url("**item_type=confirmation*")
    assert "共 8 项（主项）" in page.locator(".results-head").inner_text()
    # A filter chosen: the panel stays open to show it, and says how many are chosen.
    assert page.get_by_label("事项类型").is_visible()
    assert page.locator("summary").inner_text() == "筛选（已选 1 个条件）"
    _shot(page, "phone-catalogue-filtered")


def test_on_a_phone_a_search_leaves_the_filters_folded_and_its_first_result_in_view(no_script, live_server):
    page = _open(no_script, live_server, PHONE, "/?q=%E5%8D%B1%E9%99%A9%E8%B4%A7%E7%89%A9")
    assert not page.get_by_label("划转部门").is_visible()
    assert page.locator("summary").inner_text() == "筛选"  # a search is not one of the folded filters
    first = page.locator("table.items tbody tr").first
    assert "危险货物" in first.inner_text()
    assert _within_first_screen(page, first)


def test_on_a_desktop_the_filters_are_open_without_a_click(no_script, live_server):
    page = _open(no_script, live_server, DESKTOP)
    assert page.get_by_label("事项类型").is_visible()
    assert not page.locator("summary", has_text="筛选").is_visible()
    assert _within_first_screen(page, page.locator("table.items tbody tr").first)


def test_page_numbers_fit_a_phone_and_lead_to_their_page(no_script, live_server):
    page = _open(no_script, live_server, PHONE, "/?page=6")
    numbers = page.locator("nav.pages ol")
    assert numbers.inner_text().split() == ["1", "…", "4", "5", "6", "7", "8", "…", "16"]
    assert numbers.bounding_box()["width"] <= PHONE["width"]
    page.get_by_role("link", name="16", exact=True).click()
    page.wait_for_url("**page=16")
    assert page.locator("nav.pages [aria-current=page]").inner_text() == "16"
    assert page.locator("table.items tbody tr").count() == 3
