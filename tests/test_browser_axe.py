"""The public pages as axe-core (the accessibility engine browsers' own audits use) reads them in Chromium.

Skips without Chromium or node_modules/axe-core (`make checkers`) unless REQUIRE_BROWSER / REQUIRE_AXE (CI)."""

import pytest

from tests.checkers import axe_problems, public_pages, require_axe, with_axe

SAME_TEMPLATE = {"/?q=危险货物", "/?section=returned&item_type=licensing", "/?jurisdiction=all"}

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("official_data")]


@pytest.fixture(scope="module")
def axe_page(browser):
    """One page for both sizes, axe-core in each document it loads (`with_axe`): a context and a page took Chromium
    a third of a second each to start. bypass_csp: the site allows no inline script, and axe is injected as one
    (the test's, not the site's)."""
    require_axe()
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    with_axe(context)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("size", "viewport"), [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
)
def test_every_kind_of_public_page_has_no_accessibility_violation(axe_page, live_server, size, viewport):
    page = axe_page
    page.context.clear_cookies()  # each size starts as in a fresh context (an item's feedback form sets csrftoken)
    page.set_viewport_size(viewport)
    # One page per template and state (the Nu HTML Checker reads them all, tests/test_html_valid.py): the list
    # searched or filtered is the list's template again, a sub-item's page its main item's.
    pages = [url for url in public_pages() if url not in SAME_TEMPLATE]
    if size == "phone":  # the pages whose layout a narrow screen changes: the list with its filters, an item
        pages = [url for url in pages if url in ("/", "/stats/") or url.startswith("/items/")][:3]
    found = {}
    for url in pages:
        page.goto(live_server.url + url)
        problems = axe_problems(page)
        if problems:
            found[url] = problems
    assert found == {}
