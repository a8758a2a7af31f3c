"""Browsing the catalogue: page numbers, filters that offer only values with items, the 辖区 column,
labels that say what is counted, and the words of a history (issue 20 §3)."""

import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from approvals import register_version
from approvals.models import ApprovalItem, Department, ItemStatus, ItemType, Jurisdiction
from approvals.queries import batch_choices
from public import paging
from public.paging import Count, ListPage
from public.selectors import filter_choices

pytestmark = pytest.mark.django_db

CHOICE_FILTERS = ("section", "department", "item_type", "batch", "base")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # filter choices, batches and the summary are cached between requests
    yield
    cache.clear()


class _Page(HTMLParser):
    """The parts of the list page these tests read: the page links, the options of each select, the table."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str, bool]] = []  # (text, href, current) inside nav.pages
        self.gaps = 0
        self.options: dict[str, list[str]] = {}
        self.headings: list[str] = []
        self.first_cells: list[tuple[str, str]] = []  # (data-label, text) of each row's first cell
        self._in_nav = self._select = self._link = self._th = self._first = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("class") == "pages":
            self._in_nav = True
        elif self._in_nav and tag == "a":
            self._link, self._text = (attrs["href"], "aria-current" in attrs), ""
        elif self._in_nav and tag == "li" and attrs.get("class") == "gap":
            self.gaps += 1
        elif tag == "select":
            self._select = attrs["name"]
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(attrs["value"])
        elif tag == "th" and attrs.get("scope") == "col":
            self._th, self._text = True, ""
        elif tag == "tr":
            self._first = "row"
        elif tag == "td" and self._first == "row":
            self._first, self._text = attrs.get("data-label", ""), ""

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = None
        elif tag == "a" and self._link:
            self.links.append((self._text, *self._link))
            self._link = None
        elif tag == "select":
            self._select = None
        elif tag == "th" and self._th:
            self.headings.append(self._text)
            self._th = None
        elif tag == "td" and self._first not in (None, "row", "done"):
            self.first_cells.append((self._first, self._text))
            self._first = "done"

    def handle_data(self, data):
        self._text += data


def _page(client, params=None) -> tuple[_Page, object]:
    response = client.get("/", params or {})
    assert response.status_code == 200
    return _Page(response.content.decode()), response


def _city() -> Jurisdiction:
    return Jurisdiction.objects.get(code="shuozhou")


# Page numbers


@pytest.mark.parametrize(
    ("number", "has_next", "count", "expected"),
    [
        (6, True, 303, [1, None, 4, 5, 6, 7, 8, None, 16]),
        (1, True, 303, [1, 2, 3, None, 16]),
        (4, True, 303, [1, 2, 3, 4, 5, 6, None, 16]),  # a gap of one page shows it
        (16, False, 303, [1, None, 14, 15, 16]),
        (1, False, 7, [1]),
    ],
)
def test_page_numbers_show_the_first_the_last_and_two_either_side(number, has_next, count, expected):
    page = ListPage([], number, 20, count, Count.EXACT, has_next)
    assert page.page_range() == expected


@pytest.mark.parametrize(("kind", "number", "expected"), [(Count.ESTIMATE, 6, [1, None, 4, 5, 6, 7, None])])
def test_without_an_exact_count_the_numbers_stop_at_the_next_page(kind, number, expected):
    assert ListPage([], number, 20, 5000, kind, True).page_range() == expected
    assert ListPage([], 1, 20, 5000, Count.MORE_THAN, True).page_range() == [1, 2, None]


def test_the_list_links_its_page_numbers_with_the_filters_kept(client):
    page, _response = _page(client, {"page": 6})
    assert page.links == [
        ("上一页", "?page=5", False),
        ("1", "?page=1", False),
        ("4", "?page=4", False),
        ("5", "?page=5", False),
        ("6", "?page=6", True),
        ("7", "?page=7", False),
        ("8", "?page=8", False),
        ("16", "?page=16", False),
        ("下一页", "?page=7", False),
    ]
    assert page.gaps == 2
    filtered, _response = _page(client, {"q": "许可", "per_page": 10, "page": 7})  # 64 matches: 7 pages
    assert [(text, href) for text, href, _current in filtered.links] == [
        ("上一页", "?q=%E8%AE%B8%E5%8F%AF&per_page=10&page=6"),
        ("1", "?q=%E8%AE%B8%E5%8F%AF&per_page=10&page=1"),
        ("5", "?q=%E8%AE%B8%E5%8F%AF&per_page=10&page=5"),
        ("6", "?q=%E8%AE%B8%E5%8F%AF&per_page=10&page=6"),
        ("7", "?q=%E8%AE%B8%E5%8F%AF&per_page=10&page=7"),
    ]


def test_a_list_not_counted_exactly_promises_no_last_page_and_says_so(client, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 30)  # 64 matches of 许可: more than can be counted
    page, response = _page(client, {"q": "许可", "per_page": 10, "page": 3})
    assert response.context["page"].count_kind == Count.MORE_THAN
    assert [text for text, _href, _current in page.links] == ["上一页", "1", "2", "3", "4", "下一页"]
    assert page.gaps == 1  # after 4: the pages not counted
    html = response.content.decode()
    assert "超过 30 项（主项），结果较多，未逐一清点，第 3 页" in html
    assert "结果较多，未逐一清点，末页页码未知。" in html


# Filters that offer only values with items


def test_each_filter_offers_exactly_the_values_that_have_items(client):
    page, _response = _page(client)
    listed = ApprovalItem.objects.listed().filter(jurisdiction=_city())
    assert page.options["item_type"] == ["", "licensing", "confirmation", "other"]  # 3 of the 10 types
    assert page.options["section"] == ["", "transferred", "returned"]
    assert page.options["batch"] == ["", "first", "second", "accepted"]
    assert page.options["base"] == ["", "yes", "no"]
    assert len(page.options["department"]) == 1 + 23
    for name in CHOICE_FILTERS:
        for value in page.options[name][1:]:
            shown = client.get("/", {name: value}).context["page"].count
            assert shown > 0, (name, value)
    # Compared with a count per option made here, without the page's code; rendered again (not the copies the
    # loop above left in the page cache) to read their context.
    cache.clear()
    for value, _label in ItemType.choices:
        count = listed.filter(item_type=value).count()
        assert (value in page.options["item_type"]) == (count > 0), value
        if count:
            assert client.get("/", {"item_type": value}).context["page"].count == count


def test_a_department_without_listed_items_is_not_offered_but_its_link_still_works(client):
    Department.objects.create(jurisdiction=_city(), slug="kong", short_name="市空部门", full_name="朔州市空部门")
    page, _response = _page(client)
    assert "kong" not in page.options["department"]
    chosen, response = _page(client, {"department": "kong"})
    assert "kong" in chosen.options["department"]  # chosen by a link: kept, and its empty list shown
    assert response.context["page"].count == 0 and response.context["ignored"] == []


def test_a_type_chosen_without_items_shows_an_empty_list_not_an_ignored_value(client):
    page, response = _page(client, {"item_type": "penalty"})
    assert page.options["item_type"] == ["", "licensing", "penalty", "confirmation", "other"]
    assert response.context["page"].count == 0 and response.context["ignored"] == []


def test_a_returned_type_disappears_from_the_options_once_it_has_no_listed_items(client):
    ApprovalItem.objects.filter(jurisdiction=_city(), item_type="confirmation", parent=None).update(
        status=ItemStatus.CANCELLED
    )
    page, _response = _page(client)
    assert page.options["item_type"] == ["", "licensing", "other"]  # 行政确认 no longer


def test_the_filter_values_are_found_in_four_queries(django_assert_num_queries):
    city = _city()
    batch_choices()  # cached on its own, and warm on any list page
    with register_version.reading(register_version.current()), django_assert_num_queries(4):  # the request's version
        choices = filter_choices(city)
    assert choices["present"] == {
        "section": {"transferred", "returned"},
        "department": {slug for slug, _name in choices["departments"]},
        "item_type": {"licensing", "other", "confirmation"},
        "base": {"yes", "no"},
        "batch": {"first", "second", "accepted"},
    }
    with register_version.reading(register_version.current()), django_assert_num_queries(0):
        filter_choices(city)


def test_the_catalogue_page_runs_a_bounded_number_of_queries_with_cold_caches(client, django_assert_max_num_queries):
    # The register's version (public/caching.py), the summary (2), the filter choices (4) and batches (1), the
    # jurisdiction, the latest edition, the page (3), the search's synonyms: the same whatever the register's size.
    with django_assert_max_num_queries(14):
        client.get("/", {"item_type": "licensing"})


@pytest.mark.parametrize(
    ("params", "summary"),
    [
        ({}, '<details class="filter-panel">\n  <summary>筛选</summary>'),
        ({"q": "许可"}, '<details class="filter-panel">\n  <summary>筛选</summary>'),
        (
            {"q": "许可", "item_type": "licensing", "base": "yes"},
            '<details class="filter-panel" open>\n  <summary>筛选<span class="chosen">（已选 2 个条件）</span>',
        ),
        ({"section": "nonsense"}, '<details class="filter-panel" open>\n  <summary>筛选</summary>'),
    ],
)
def test_the_filters_fold_unless_one_is_chosen_or_not_understood(client, params, summary):
    assert summary in client.get("/", params).content.decode()


# The 辖区 column


def test_the_jurisdiction_column_appears_only_when_all_jurisdictions_are_listed(client):
    every, _response = _page(client, {"jurisdiction": "all"})
    assert every.headings == ["辖区", "序号", "事项名称", "事项类型", "划转部门", "状态"]
    assert len(every.first_cells) == 20
    assert set(every.first_cells) == {("辖区", "朔州市本级")}
    one, _response = _page(client, {"jurisdiction": "shuozhou"})
    assert one.headings == ["序号", "事项名称", "事项类型", "划转部门", "状态"]
    assert one.first_cells[0] == ("序号", "1")


def test_the_jurisdiction_column_is_in_the_page_and_nowhere_else(client):
    first = client.get("/api/items/", {"jurisdiction": "all"}).json()["results"][0]
    assert "place" not in first and "辖区" not in first
    csv = client.get("/export.csv", {"jurisdiction": "all"})
    header = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header == "部分,序号,主项名称,子项名称,事项类型,划转部门,划转情况,对应基本目录情况,备注,事项编码"


# Labels


def test_the_home_page_labels_main_items_and_table_rows(client):
    html = client.get("/").content.decode()
    assert "<strong>213</strong> 项（主项）由审批服务管理局实施" in html
    assert "<strong>90</strong> 项（主项）已调整回原部门实施" in html
    assert re.findall(r"<span>(\S+ \d+ [^<]+)</span>", html) == [
        "行政许可 172 行（含子项）",
        "其他行政权力 40 行（含子项）",
        "行政确认 8 行（含子项）",
    ]
    assert '<p role="status">共 303 项（主项），第 1 / 16 页</p>' in html


def test_the_stats_page_labels_every_count_as_main_items(client):
    html = client.get("/stats/").content.decode()
    assert re.findall(r'<h2 id="\w+-heading">([^<]+)</h2>', html) == [
        "各部门在审批局实施的主项数：共 213 项（主项）",
        "各类型在审批局实施的主项数：共 213 项（主项）",
        "各批次划转的主项数：共 213 项（主项）",
    ]
    assert html.count('<th scope="col">项（主项）</th>') == 3


# The words of a history


def test_a_first_batch_transfer_of_unknown_date_says_it_came_with_the_first_batch(client):
    html = client.get("/items/SZ-0111/").content.decode()
    assert '<li><span class="date">随首批划转（朔政发〔2020〕7号）</span>' in html
    assert "日期不详" not in html


def test_an_accepted_item_of_unknown_date_still_says_the_date_is_unknown(client):
    html = client.get("/items/SZ-0143/").content.decode()
    assert '<span class="date">日期不详</span>' in html and "随首批划转" not in html


def test_the_first_batch_label_follows_the_documents_number(client):
    from approvals.models import PolicyDocument

    PolicyDocument.objects.filter(number="朔政发〔2020〕7号").update(number="朔政发〔2020〕8号")
    html = client.get("/items/SZ-0111/").content.decode()
    assert "随首批划转（朔政发〔2020〕8号）" in html


def test_a_returned_item_on_its_department_page_shows_its_return_not_its_old_batch(client):
    html = client.get("/departments/scjgj/").content.decode()
    own = html.split("由本部门实施：2 项（主项）</h2>")[1]
    assert re.findall(r"<small>([^<]+)</small>", own) == [
        "SZ-0284 · 行政许可 · 2022年8月9日退回",
        "SZ-0285 · 其他行政权力 · 2022年8月9日退回",
    ]
    at_bureau = html.split("由本部门实施")[0]
    assert "已划转至审批服务管理局实施：19 项（主项）</h2>" in at_bureau
    assert "退回" not in at_bureau.split("</h2>", 2)[-1]


def test_the_item_page_writes_its_date_without_spaces(client):
    html = client.get("/items/SZ-0216/").content.decode()
    assert "已退回原部门实施</span>，自2022年8月9日起，依据朔政发〔2022〕20号。</p>" in html
    assert '<time datetime="2022-08-09">2022年8月9日</time>' in html
