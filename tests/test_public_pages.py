"""The public catalogue: counts, search, filters, pages, downloads, hostile input, query counts."""

import csv
import io
import re

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.templatetags.static import static
from django.urls import reverse

from approvals.models import ApprovalItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # filter choices and the latest edition are cached between requests
    yield
    cache.clear()


def _names(response) -> list[str]:
    return [row["name"] for row in response.context["rows"]]


def test_the_catalogue_shows_the_counts_of_the_2022_edition(client):
    response = client.get("/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.at_bureau, summary.returned) == (213, 90)
    assert summary.rows_by_type == [("行政许可", 172), ("其他行政权力", 40), ("行政确认", 8)]
    assert response.context["page"].count == 303
    page = response.content.decode()
    assert "<strong>213</strong> 项（主项）由审批服务管理局实施" in page


def test_the_list_shows_numbers_names_sub_items_types_departments_and_status(client):
    response = client.get("/", {"per_page": 10})
    rows = response.context["rows"]
    assert [(row["number"], row["name"]) for row in rows[:3]] == [
        (1, "招标方案核准"),
        (2, "企业投资项目核准"),
        (3, "政府固定资产投资项目审批"),
    ]
    assert [name for _url, name in rows[2]["subs"]] == [
        "政府投资项目建议书审批",
        "政府投资项目初步设计审批",
        "政府投资项目可行性研究报告审批",
    ]
    third = {key: rows[2][key] for key in ("code", "type", "departments", "status_label", "batch")}
    assert third == {
        "code": "SZ-0003",
        "type": "其他行政权力",
        "departments": [("/departments/fgw/", "市发改委")],
        "status_label": "由审批服务管理局实施",
        "batch": "首次划转",
    }
    assert rows[2]["subs"][0][0] == "/items/SZ-0003-01/"
    page = response.content.decode()
    assert "政府投资项目初步设计审批" in page and "其他行政权力" in page and "由审批服务管理局实施" in page


def test_search_matches_names_and_sub_item_names_as_substrings(client):
    assert _names(client.get("/", {"q": "危险货物"})) == [
        "道路危险货物运输从业资格认定",
        "道路危险货物运输企业异地经营（运输线路起讫点均不在企业注册地市域内）累计3个月以上备案",
        "道路危险货物运输企业或者单位变更法定代表人、名称、地址等工商登记事项备案",
        "危险货物运输经营许可",
        "道路危险货物运输企业设立分公司备案",
        "危险货物道路运输从业人员资格许可",
        "道路运输证（客运、危险货物、汽车租赁）审验",
    ]
    assert _names(client.get("/", {"q": "初步设计审批"})) == ["政府固定资产投资项目审批"]  # by its sub-item
    assert len(_names(client.get("/", {"q": "初步设计"}))) == 4


def test_chinese_punctuation_in_the_term_does_not_matter(client):
    assert _names(client.get("/", {"q": "人防工程竣工验收、备案"})) == ["人防工程竣工验收、备案"]
    assert _names(client.get("/", {"q": "人防工程竣工验收"})) == ["人防工程竣工验收、备案"]


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"section": "transferred"}, 213),
        ({"section": "returned"}, 90),
        ({"department": "jtj"}, 43 + 11),
        ({"department": "scjgj", "section": "returned"}, 2),
        ({"item_type": "confirmation"}, 8),
        ({"batch": "first", "section": "transferred"}, 192),
        ({"batch": "second"}, 19),
        ({"batch": "accepted"}, 2),
        ({"base": "yes", "section": "transferred"}, 183),
        ({"base": "no", "section": "returned"}, 87),
        ({"q": "许可", "section": "transferred", "item_type": "licensing"}, 54),
    ],
)
def test_each_filter_narrows_the_list(client, params, count):
    assert client.get("/", params).context["page"].count == count


def test_active_filters_are_shown_and_removable(client):
    response = client.get("/", {"q": "许可", "section": "returned"})
    chips = response.context["chips"]
    assert [(label, value) for label, value, _ in chips] == [("搜索", "许可"), ("部分", "（二）调整回原部门")]
    assert chips[0][2] == "section=returned"
    assert 'href="?section=returned"' in response.content.decode()


def test_an_empty_result_says_so_and_suggests_removing_filters(client):
    page = client.get("/", {"q": "不存在的事项", "section": "returned"}).content.decode()
    assert "没有找到符合条件的事项" in page and "可以去掉部分筛选条件" in page


@pytest.mark.parametrize(
    "params",
    [
        {"page": "999"},
        {"page": "-1"},
        {"page": "abc"},
        {"section": "nonsense"},
        {"department": "<script>"},
        {"item_type": "x"},
        {"batch": "'; DROP TABLE x;--"},
        {"base": "maybe"},
        {"jurisdiction": "nowhere"},
        {"q": "%"},
        {"q": "_"},
        {"q": "\"'<>&"},
        {"q": "许" * 10000},
        {"per_page": "100000"},
    ],
)
def test_hostile_or_unknown_input_gets_a_normal_page(client, params):
    response = client.get("/", params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_unknown_filter_values_are_named_as_ignored(client):
    page = client.get("/", {"section": "nonsense", "jurisdiction": "nowhere"}).content.decode()
    assert "以下条件的取值无法识别，已忽略：部分、辖区" in page


def test_percent_and_underscore_match_literally(client):
    ApprovalItem.objects.filter(code="SZ-0001").update(name="招标方案核准100%_测试")
    assert _names(client.get("/", {"q": "100%_"})) == ["招标方案核准100%_测试"]
    assert client.get("/", {"q": "%"}).context["page"].count == 1


def test_markup_from_the_database_is_escaped(client):
    ApprovalItem.objects.filter(code="SZ-0001").update(name='<script>alert("x")</script>')
    for url in ("/", "/items/SZ-0001/", "/departments/fgw/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize("per_page", [10, 100])
def test_the_catalogue_runs_a_constant_number_of_queries(client, per_page, django_assert_num_queries):
    client.get("/", {"q": "审批"})  # fill the caches of filter choices, latest edition and search synonyms
    # The register's version (public/caching.py), the ids of the matches, the page with its 序号, sub-items,
    # departments: a city is too small to estimate.
    with django_assert_num_queries(5):
        response = client.get("/", {"per_page": per_page, "q": "许可"})
    assert len(response.context["rows"]) == min(per_page, 64)


def test_an_item_page_shows_everything_about_it(client, django_assert_num_queries):
    with django_assert_num_queries(7):  # the first of a version: also the batches (for the timeline's words)
        client.get("/items/SZ-0001/")
    # The version, the item with its jurisdiction's bureau, its departments, its events, its sub-items, the editions'
    # rows (public/item_page.py).
    with django_assert_num_queries(6):
        response = client.get("/items/SZ-0216/")
    page = response.content.decode()
    assert "校车使用许可" in page and "已退回原部门实施" in page
    assert "，自2022年8月9日起，依据朔政发〔2022〕20号。" in page
    assert '<a href="/departments/jyj/">朔州市教育局</a>' in page
    assert "朔政发〔2020〕7号《朔州市人民政府关于印发首批划转市行政审批服务管理局行政许可及关联事项目录的通知》" in page
    assert "（二）调整回原行业主管部门实施 序号 3" in page


def test_each_page_marks_its_own_link_in_the_header_however_often_the_header_was_drawn(client):
    # The header is drawn once per process for each page name ({% once %}), then reused.
    visits = [("/stats/", "/stats/"), ("/", "/"), ("/items/SZ-0001/", None), ("/stats/", "/stats/")]
    for url, marked in [*visits, ("/editions/", "/editions/"), ("/items/SZ-0216/", None), ("/", "/")]:
        page = client.get(url).content.decode()
        assert page.count('<header class="site">') == 1 and page.count('<footer class="site">') == 1
        header = page[page.index('<header class="site">') : page.index("</header>")]
        assert re.findall(r'<a href="([^"]+)" aria-current="page">', header) == ([marked] if marked else []), url


def test_a_sub_item_page_links_its_main_item_and_the_main_its_sub_items(client):
    sub = client.get("/items/SZ-0003-02/").content.decode()
    assert '<a href="/items/SZ-0003/">SZ-0003 政府固定资产投资项目审批</a>' in sub
    main = client.get("/items/SZ-0003/").content.decode()
    assert '<a href="/items/SZ-0003-02/">SZ-0003-02 政府投资项目初步设计审批</a>' in main


def test_service_guide_fields_appear_when_filled(client):
    ApprovalItem.objects.filter(code="SZ-0001").update(promised_time_limit="5个工作日", fees="不收费")
    page = client.get("/items/SZ-0001/").content.decode()
    assert "办事指南" in page and "5个工作日" in page and "不收费" in page
    empty = client.get("/items/SZ-0002/").content.decode()
    assert "办事指南（申请材料、受理条件、办理流程、时限、收费、设定依据）尚未公布" in empty


def test_a_department_page_lists_its_items_at_the_bureau_and_its_own(client):
    response = client.get("/departments/scjgj/")
    assert len(response.context["at_bureau"]) == 19
    assert [row["name"] for row in response.context["itself"]] == ["重要工业产品生产许可", "合同文本备案"]
    assert "也写作：市市场监管局" in response.content.decode()


def test_the_editions_page_offers_downloads(client):
    page = client.get("/editions/").content.decode()
    links = [f'href="/editions/2022/download.{fmt}"' for fmt in ("xlsx", "docx", "csv", "json")]
    assert all(link in page for link in links)
    assert sorted(links, key=page.index) == links  # the workbook first
    assert ">Word（通知附件）</a>" in page and ">CSV（UTF-8 编码，带 BOM）</a>" in page
    assert "朔政发〔2022〕20号" in page and "2022年8月9日" in page
    response = client.get("/editions/2022/download.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet["B4"].value == "招标方案核准"


def test_the_edition_page_prints_the_official_rows(client):
    response = client.get("/editions/2022/")
    assert response.context["page"].paginator.count == 213 + 90  # paged by main item
    assert "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）" in response.content.decode()


def test_the_edition_page_merges_a_main_item_over_its_sub_items_and_links_it(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # the version, the edition, the page's count, its main items, its rows
        page = client.get("/editions/2022/").content.decode()
    start = page.index('<td class="number" rowspan="3">3</td>')
    body = page[page.rindex("<tbody>", 0, start) : page.index("</tbody>", start)]
    assert body.count("<tr>") == 3 and body.count('rowspan="3"') == 2
    assert '<a href="/items/SZ-0003/">政府固定资产投资项目审批</a>' in body
    subs = ["政府投资项目建议书审批", "政府投资项目初步设计审批", "政府投资项目可行性研究报告审批"]
    assert [body.index(f'<td class="sub">{name}</td>') for name in subs] == sorted(
        body.index(f'<td class="sub">{name}</td>') for name in subs
    )
    assert "/items/SZ-0003-01/" not in page
    assert page.count('<td class="number"') == 200  # 200 main items a page; 序号 once for each
    last = client.get("/editions/2022/", {"page": 2}).content.decode()
    assert last.count('<td class="number"') == 13 + 90 and '<td class="sub"></td>' in last


def test_the_stats_page_draws_charts_with_tables(client):
    response = client.get("/stats/")
    charts = {chart.slug: chart for chart in response.context["charts"]}
    assert dict(charts["batches"].rows) == {"首次划转": 192, "二次划转": 19, "承接": 2}
    assert dict(charts["types"].rows) == {"行政许可": 167, "其他行政权力": 38, "行政确认": 8}
    assert charts["departments"].total == 213
    page = response.content.decode()
    assert page.count("<svg") == 3 and page.count('<table class="numbers">') == 3


def test_the_filtered_excel_download_holds_the_same_rows(client):
    response = client.get("/export.xlsx", {"q": "危险货物"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    names = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert names == _names(client.get("/", {"q": "危险货物"}))[:-1]  # the last one is returned: section (二)
    second = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get("/export.xlsx", {"q": "危险货物"}).streaming_content))
    )
    assert [r[1] for r in second.worksheets[1].iter_rows(min_row=4, values_only=True)] == [
        "道路运输证（客运、危险货物、汽车租赁）审验"
    ]


def test_the_filtered_csv_download_has_a_bom_and_the_rows(client):
    response = client.get("/export.csv", {"section": "returned", "department": "scjgj"})
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["重要工业产品生产许可", "合同文本备案"]


def test_unknown_pages_answer_a_chinese_404(client):
    for url in ("/items/NOPE/", "/departments/nope/", "/editions/nope/", "/editions/2022/download.exe"):
        response = client.get(url)
        assert response.status_code == 404
        assert "您要找的页面或事项不存在，可能已经调整。" in response.content.decode()


def test_no_page_has_an_inline_script(client):
    for url in ("/", "/items/SZ-0001/", "/stats/", "/editions/", "/departments/fgw/"):
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url


def test_all_jurisdictions_can_be_listed_at_once(client):
    from approvals.models import Jurisdiction
    from catalog.counties import county_derive

    county_derive(county=Jurisdiction.objects.get(code="shuocheng"))
    city = client.get("/")
    every = client.get("/", {"jurisdiction": "all", "q": "招标方案核准"})
    assert city.context["page"].count == 303
    assert [(row["code"], row["number"]) for row in every.context["rows"]] == [("SC-0001", None), ("SZ-0001", 1)]
    assert every.context["summary"].at_bureau == 213 * 2
    shuocheng = client.get("/", {"jurisdiction": "shuocheng"})
    assert shuocheng.context["page"].count == 213


def test_a_register_without_a_published_edition_lists_its_items_without_numbers(client, monkeypatch):
    from public import selectors

    monkeypatch.setattr(selectors, "latest_editions", lambda: {})
    response = client.get("/", {"per_page": 10})
    rows = response.context["rows"]
    assert [(row["name"], row["number"]) for row in rows[:2]] == [("招标方案核准", None), ("企业投资项目核准", None)]
    assert '<td data-label="序号">—</td>' in response.content.decode()


def test_an_item_with_two_departments_lists_both_in_the_tables_order(client):
    response = client.get("/", {"q": "临时性建筑物搭建"})
    [row] = response.context["rows"]
    assert (row["number"], [name for _url, name in row["departments"]]) == (60, ["市住建局", "市城市管理局"])
    first, second = (url for url, _name in row["departments"])
    assert f'<a href="{first}">市住建局</a>、<a href="{second}">市城市管理局</a>' in response.content.decode()
    assert client.get(second).status_code == 200


def test_the_province_issues_documents_but_is_no_register_to_choose(client):
    # 山西省 owns 晋政发〔2021〕47号 (the issuer of a document), and keeps no catalogue of its own here.
    page = client.get("/").content.decode()
    assert '<option value="shuocheng"' in page and 'value="shanxi"' not in page and "山西省" not in page
    asked = client.get("/", {"jurisdiction": "shanxi"})
    assert asked.context["page"].count == 303  # an unknown register: the city's list, as for any unknown code


def test_the_browsers_favicon_request_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, static("favicon.svg"))
    # Served by WhiteNoise once collectstatic has run; here it is enough that the file is there to collect.
    assert finders.find("favicon.svg")


def test_a_constant_translation_prints_what_djangos_tag_prints_in_each_language_and_escaping(settings):
    # public/templatetags/i18n_once.py keeps a literal's output per language and autoescape; every other form of the
    # tag is Django's. Rendered alternately, so that a kept output of one language would show in the other.
    from django.template import Context, Template
    from django.utils import translation

    body = (
        '{% translate "Home" %}|{% translate "Home" as home %}{{ home }}|{% translate word %}|'
        '{% translate "Home" noop %}|{% translate "May" context "abbrev. month" %}|{% translate "<b>50%" %}'
    )
    ours = Template("{% load i18n i18n_once %}" + body)
    django = Template("{% load i18n %}" + body)
    expected = {"zh-hans": "首页|首页|首页|Home|五月|<b>50%", "en": "Home|Home|Home|Home|May|<b>50%"}
    for language in ["zh-hans", "en", "zh-hans", "en"]:
        for autoescape in (True, False):
            with translation.override(language):
                context = {"word": "Home"}
                printed = ours.render(Context(context, autoescape=autoescape))
                assert printed == django.render(Context(context, autoescape=autoescape)) == expected[language]
    constant = [node for node in ours.nodelist if type(node).__name__ == "ConstantTranslateNode"]
    assert len(constant) == 2  # "Home" and "<b>50%": the others have `as`, a variable, noop or a context
    assert [node._rendered for node in constant] == [
        {("zh-hans", True): "首页", ("zh-hans", False): "首页", ("en", True): "Home", ("en", False): "Home"},
        {key: "<b>50%" for key in [("zh-hans", True), ("zh-hans", False), ("en", True), ("en", False)]},
    ]
    # With DEBUG on (the development server reloads a changed catalogue) nothing is kept.
    settings.DEBUG = True
    fresh = Template("{% load i18n i18n_once %}" + body)
    assert fresh.render(Context({"word": "Home"})) == expected["zh-hans"]
    assert [node._rendered for node in fresh.nodelist if type(node).__name__ == "ConstantTranslateNode"] == [{}, {}]


def test_an_item_page_links_its_json_ld_and_its_api_record_and_the_index(client):
    for code in ["SZ-0003", "SZ-0003-02"]:
        page = client.get(f"/items/{code}/").content.decode()
        jsonld, api = reverse("opendata:item", args=[code]), reverse("api:item-detail", args=[code])
        assert f'<a href="{jsonld}">机器可读数据（CPSV-AP JSON-LD）</a> · <a href="{api}">接口数据（JSON）</a>' in page
        assert '<nav class="crumbs" aria-label="位置"><a href="/">事项目录</a>' in page
        assert client.get(jsonld).status_code == client.get(api).status_code == 200
