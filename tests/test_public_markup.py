"""The public pages' markup: what an assistive technology or the Nu HTML Checker reads of it."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every start tag of a page as (tag, attributes), and the text inside each <time>."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.times: list[str] = []
        self._in_time = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "time":
            self._in_time = True
            self.times.append("")

    def handle_endtag(self, tag):
        if tag == "time":
            self._in_time = False

    def handle_data(self, data):
        if self._in_time:
            self.times[-1] += data


def test_every_aria_describedby_of_the_catalogue_points_at_an_element(client):
    page = Elements(client.get("/", {"section": "nowhere"}).content.decode())
    ids = {attrs["id"] for _tag, attrs in page.tags if "id" in attrs}
    described = {attrs["name"]: attrs["aria-describedby"] for _tag, attrs in page.tags if "aria-describedby" in attrs}
    helped = {name: f"id_{name}_helptext" for name in ("q", "department", "item_type", "batch", "base", "on")}
    assert described == {**helped, "section": "id_section_helptext id_section_error"}
    assert {id_ for value in described.values() for id_ in value.split()} <= ids


def test_an_aria_label_is_only_on_an_element_that_may_have_one(client):
    page = Elements(client.get("/", {"section": "transferred"}).content.decode())
    labelled = [(tag, attrs.get("role")) for tag, attrs in page.tags if "aria-label" in attrs]
    # A <div> or <span> has no role of its own, and an aria-label on an element without one is not read.
    assert [(tag, role) for tag, role in labelled if tag in ("div", "span")] == [("div", "group")]
    assert {tag for tag, _role in labelled} == {"div", "nav", "section"}


def test_a_transfer_of_unknown_date_has_no_time_element(client):
    html = client.get("/items/SZ-0216/").content.decode()
    page = Elements(html)
    times = [attrs for tag, attrs in page.tags if tag == "time"]
    assert times == [{"datetime": "2022-08-09"}]
    assert page.times == ["2022年8月9日"]
    assert '<span class="date">随首批划转（朔政发〔2020〕7号）</span>' in html
