"""Search as citizens type it (issue 20 §1): pinyin, near misses, synonyms, and where to ask when nothing is found.

Run on SQLite and, with DATABASE_URL, on PostgreSQL (the index's own checks skip without it).
"""

import io
import re

import pytest
from django.db import connection
from django.utils.html import strip_tags

from approvals.models import ApprovalItem, Department
from approvals.search import near_miss_tsqueries, near_miss_tsquery, pinyin_key, search_key, term_key
from approvals.synonyms import SearchSynonym

pytestmark = pytest.mark.django_db

DANGEROUS_GOODS = ["SZ-0100", "SZ-0108", "SZ-0109", "SZ-0111", "SZ-0113", "SZ-0117", "SZ-0247"]
PINYIN_TERMS = ["xuke", "xk", "weixianhuowu", "wxhw", "WeiXian HuoWu", "xukezheng", "xkz", "zftzxm", "lv", "5wpfm"]


def _codes(queryset) -> list[str]:
    return sorted(queryset.values_list("code", flat=True))


def _scan(term: str) -> set[str]:
    """Main items whose name or a sub-item's name contains the term, or whose pinyin does, tested in Python."""
    key = term_key(term)
    rows = list(ApprovalItem.objects.values_list("id", "parent_id", "code", "name"))
    codes = {pk: code for pk, parent_id, code, name in rows if parent_id is None}
    return {codes[parent_id or pk] for pk, parent_id, code, name in rows if key in search_key(name) + pinyin_key(name)}


def _text(html: str, css_class: str) -> str:
    found = re.search(rf'<p class="{css_class}">(.*?)</p>', html, re.S)
    return " ".join(strip_tags(found.group(1)).split()) if found else ""


def _page(client, **params) -> str:
    response = client.get("/", params)
    assert response.status_code == 200
    return response.content.decode()


# --- pinyin ---------------------------------------------------------------------------------------


def test_a_name_has_its_pinyin_in_full_and_by_initials():
    assert pinyin_key("危险货物运输经营许可") == "weixianhuowuyunshujingyingxuke\nwxhwysjyxk"
    assert pinyin_key("X光机（5万平方米）") == "xguangji5wanpingfangmi\nxgj5wpfm"


def test_pinyin_in_full_and_by_initials_finds_the_items_the_chinese_term_finds():
    chinese = _codes(ApprovalItem.objects.search("危险货物"))
    assert chinese == DANGEROUS_GOODS
    assert _codes(ApprovalItem.objects.search("weixianhuowu")) == DANGEROUS_GOODS
    assert _codes(ApprovalItem.objects.search("wxhw")) == DANGEROUS_GOODS
    assert _codes(ApprovalItem.objects.search("Wei Xian Huo Wu")) == DANGEROUS_GOODS
    assert len(_codes(ApprovalItem.objects.search("xuke"))) == 64  # as 许可 (test_search.py), and 学科's xueke
    assert ApprovalItem.objects.search("xk").count() == 67


def test_a_main_item_is_found_by_its_sub_items_pinyin():
    assert _codes(ApprovalItem.objects.search("zhengfutouzixiangmuchubushejishenpi")) == ["SZ-0003"]
    assert _codes(ApprovalItem.objects.search("zftzxmcbsjsp")) == ["SZ-0003"]


@pytest.mark.parametrize("term", PINYIN_TERMS)
def test_the_index_path_equals_a_plain_scan_for_pinyin_terms(term):
    assert set(ApprovalItem.objects.search(term).values_list("code", flat=True)) == _scan(term)
    assert set(ApprovalItem.objects.search(term, indexed=False).values_list("code", flat=True)) == _scan(term)


def test_a_pinyin_term_uses_the_index_on_postgresql(postgres):
    queryset = ApprovalItem.objects.search("wxhw").order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX approvals_approvalitem_parent_id_90cc72b9")  # rolled back with the test
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "approvals_item_search_bigrams" in plan


def test_a_renamed_item_is_found_by_its_new_pinyin_only(clerk):
    from approvals.bulk import items_update_bulk
    from approvals.services import item_update

    item = ApprovalItem.objects.get(code="SZ-0111")
    items_update_bulk([(item, {"name": "危险化学品运输经营许可"})], user=clerk)
    assert "SZ-0111" not in _codes(ApprovalItem.objects.search("wxhw"))
    assert "SZ-0111" in _codes(ApprovalItem.objects.search("weixianhuaxuepin"))

    item = ApprovalItem.objects.get(code="SZ-0111")
    item.name = "危险废物运输经营许可"
    item_update(item=item, user=clerk)
    assert ApprovalItem.objects.get(code="SZ-0111").name_pinyin == "weixianfeiwuyunshujingyingxuke\nwxfwysjyxk"
    assert "SZ-0111" in _codes(ApprovalItem.objects.search("wxfw"))
    assert "SZ-0111" not in _codes(ApprovalItem.objects.search("weixianhuaxuepin"))


def test_the_list_and_the_api_find_items_by_pinyin(client):
    response = client.get("/", {"q": "wxhw", "jurisdiction": "shuozhou"})
    assert sorted(row["code"] for row in response.context["page"].items) == DANGEROUS_GOODS
    data = client.get("/api/items/", {"q": "weixianhuowu", "jurisdiction": "shuozhou"}).json()
    assert sorted(item["code"] for item in data["results"]) == DANGEROUS_GOODS


# --- near misses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("危险货勿", "危险货物"),  # one character wrong, at the end
        ("危险物", "危险货物"),  # one missing: an edit inside beats 危险货 (the end replaced)
        ("危险货货物", "危险货物"),  # one too many
        ("人防工成", "人防工程"),
        ("许可正", "许可证"),
        ("wxhv", "wxhw"),
        # Six characters or more: the index is asked one alternative at a time (a UNION ALL on PostgreSQL).
        ("人防工成竣工验收", "人防工程竣工验收"),
        ("rfgcjgyx", "rfgcjgys"),
    ],
)
def test_a_near_miss_suggests_the_words_one_edit_away(typed, meant):
    assert ApprovalItem.objects.search(typed).count() == 0
    assert ApprovalItem.objects.near_miss(typed) == meant


@pytest.mark.parametrize("typed, meant", [("危险货勿", "危险货物"), ("人防工成竣工验收", "人防工程竣工验收")])
def test_a_near_miss_without_the_index_finds_what_the_index_finds(typed, meant, django_assert_num_queries):
    """For one jurisdiction's items, which its own index narrows (public/search_help.py)."""
    items = ApprovalItem.objects.filter(jurisdiction__code="shuozhou")
    assert items.near_miss(typed) == meant
    with django_assert_num_queries(1) as captured:
        assert items.near_miss(typed, indexed=False) == meant
    assert "approvals_bigrams" not in captured.captured_queries[0]["sql"]


def test_no_near_miss_for_a_short_term_or_one_far_from_every_name():
    assert ApprovalItem.objects.near_miss("货勿") == ""
    assert ApprovalItem.objects.near_miss("公章刻制") == ""


@pytest.mark.parametrize("typed", ["许可*+^$#&~=", "%_%x", "$$$", "+++许可"])
def test_a_term_with_regular_expression_characters_is_matched_literally(typed):
    assert ApprovalItem.objects.near_miss(typed) == ""


def test_a_near_miss_tsquery_keeps_the_pairs_around_each_position():
    assert near_miss_tsquery("危险物") == "('危' & '物') | ('危险') | ('险物')"
    assert near_miss_tsquery("ab") == "('a') | ('b')"
    assert near_miss_tsqueries("危险物") == ["'危' & '物'", "'危险'", "'险物'"]
    assert near_miss_tsqueries("a") == [] and near_miss_tsquery("a") == ""


def test_a_long_near_miss_asks_the_index_one_alternative_at_a_time(postgres, django_assert_num_queries):
    """An OR of eight alternatives reads every posting of every pair; each alone skips along its rarest pair."""
    with django_assert_num_queries(1) as captured:
        assert ApprovalItem.objects.near_miss("人防工成竣工验收") == "人防工程竣工验收"
    assert (
        captured.captured_queries[0]["sql"].count("UNION ALL") == len(near_miss_tsqueries("人防工成竣工验收")) - 1 == 7
    )
    with django_assert_num_queries(1) as captured:
        assert ApprovalItem.objects.near_miss("危险货勿") == "危险货物"
    assert "UNION" not in captured.captured_queries[0]["sql"]


def test_the_page_asks_did_you_mean_with_a_link_that_finds_it(client):
    html = _page(client, q="危险货勿", jurisdiction="shuozhou")
    assert _text(html, "suggestion") == "您是不是要找：危险货物"
    href = re.search(r'<p class="suggestion">[^<]*<a href="\?([^"]+)"', html).group(1)
    assert href == "q=%E5%8D%B1%E9%99%A9%E8%B4%A7%E7%89%A9&amp;jurisdiction=shuozhou"
    response = client.get("/?" + href.replace("&amp;", "&"))
    assert sorted(row["code"] for row in response.context["page"].items) == DANGEROUS_GOODS


def test_a_near_miss_is_looked_for_among_the_filtered_items_only(client):
    # 道路危险货物 is in transferred items' names only: the returned SZ-0247 has 危险货物 without 道路.
    assert _text(_page(client, q="道路危险货勿", jurisdiction="shuozhou"), "suggestion") == "您是不是要找：道路危险货物"
    html = _page(client, q="道路危险货勿", jurisdiction="shuozhou", section="returned")
    assert "没有找到符合条件的事项。" in html and _text(html, "suggestion") == ""


# --- synonyms -------------------------------------------------------------------------------------


def test_the_migration_seeds_synonyms_that_find_the_catalogue_words():
    assert SearchSynonym.objects.filter(term="环评", canonical="环境影响评价").exists()
    assert _codes(ApprovalItem.objects.search("环评")) == ["SZ-0029", "SZ-0033", "SZ-0034", "SZ-0121"]
    assert _codes(ApprovalItem.objects.search("环评文件")) == ["SZ-0029", "SZ-0034"]


def test_a_synonym_added_in_the_admin_is_found_and_gone_once_deleted(client, clerk):
    assert _codes(ApprovalItem.objects.search("下水道")) == []
    client.force_login(clerk)
    response = client.post("/admin/approvals/searchsynonym/add/", {"term": "下水道", "canonical": "排水管网"})
    assert response.status_code == 302
    synonym = SearchSynonym.objects.get(term="下水道")
    assert _codes(ApprovalItem.objects.search("下水道")) == ["SZ-0038"]
    data = client.get("/api/items/", {"q": "下水道许可", "jurisdiction": "shuozhou"}).json()
    assert [item["code"] for item in data["results"]] == ["SZ-0038"]

    response = client.post(
        "/admin/approvals/searchsynonym/",
        {"action": "delete_selected", "_selected_action": [synonym.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not SearchSynonym.objects.filter(term="下水道").exists()
    assert _codes(ApprovalItem.objects.search("下水道")) == []


def test_the_admin_refuses_a_synonym_of_punctuation_only(client, clerk):
    client.force_login(clerk)
    count = SearchSynonym.objects.count()
    response = client.post("/admin/approvals/searchsynonym/add/", {"term": "、、", "canonical": "排水管网"})
    assert response.status_code == 200
    assert "“群众说法”和“目录用语”都要有文字，不能只有标点或空格。" in response.content.decode()
    assert SearchSynonym.objects.count() == count


def test_the_synonyms_page_is_in_chinese(client, clerk):
    client.force_login(clerk)
    html = client.get("/admin/approvals/searchsynonym/").content.decode()
    assert "搜索同义词" in html and "群众说法" in html and "目录用语" in html and "环境影响评价" in html


# --- nothing found --------------------------------------------------------------------------------


def test_a_search_that_finds_nothing_points_to_12345_and_the_portal(client, settings):
    settings.SERVICE_PORTAL_URL = "https://zwfw.example.gov.cn/"
    html = _page(client, q="公章刻制", jurisdiction="shuozhou")
    assert "没有找到符合条件的事项。" in html
    assert _text(html, "suggestion") == ""
    assert _text(html, "elsewhere") == "可以拨打 12345 政务服务便民热线咨询，或到政务服务网查找。"
    assert '<a href="tel:12345">12345</a>' in html and '<a href="https://zwfw.example.gov.cn/">政务服务网</a>' in html


def test_the_bureaus_phone_is_shown_once_it_is_on_record(client):
    Department.objects.filter(jurisdiction__code="shuozhou", is_bureau=True).update(phone="0349-2222222")
    html = _page(client, q="公章刻制", jurisdiction="shuozhou")
    assert _text(html, "elsewhere") == (
        "可以拨打 12345 政务服务便民热线咨询，或到政务服务网查找。也可以致电朔州市行政审批服务管理局：0349-2222222。"
    )
    # Across all jurisdictions there is no one bureau to call.
    html = _page(client, q="公章刻制", jurisdiction="all")
    assert _text(html, "elsewhere") == "可以拨打 12345 政务服务便民热线咨询，或到政务服务网查找。"


def test_a_list_with_results_or_without_a_term_has_no_such_help(client):
    assert _text(_page(client, q="危险货物", jurisdiction="shuozhou"), "elsewhere") == ""
    html = _page(client, item_type="licensing", section="returned", q="", jurisdiction="shuozhou")
    assert _text(html, "elsewhere") == ""


def test_a_zero_result_page_stays_within_a_few_queries(client, django_assert_max_num_queries):
    client.get("/", {"jurisdiction": "shuozhou"})  # the caches a running server has warm
    with django_assert_max_num_queries(6):
        html = _page(client, q="危险货勿", jurisdiction="shuozhou")
    assert _text(html, "suggestion") == "您是不是要找：危险货物"


def test_the_command_writes_the_pinyin_a_raw_update_left_stale():
    from django.core.management import call_command

    ApprovalItem.objects.filter(code="SZ-0111").update(name_pinyin="")
    assert "SZ-0111" not in _codes(ApprovalItem.objects.search("wxhw"))
    out = io.StringIO()
    call_command("refresh_search_pinyin", stdout=out)
    assert out.getvalue() == "已更新 1 个事项的拼音检索键。\n"
    assert "SZ-0111" in _codes(ApprovalItem.objects.search("wxhw"))
    call_command("refresh_search_pinyin", stdout=out)
    assert out.getvalue().endswith("所有事项的拼音检索键都是最新的。\n")


def test_a_county_clerk_neither_sees_nor_adds_the_citys_synonyms(client, county_clerk):
    client.force_login(county_clerk)
    synonym = SearchSynonym.objects.get(term="环评")
    assert client.get("/admin/approvals/searchsynonym/").status_code == 403
    assert client.get(f"/admin/approvals/searchsynonym/{synonym.pk}/change/").status_code in (302, 403, 404)
    response = client.post("/admin/approvals/searchsynonym/add/", {"term": "排污口", "canonical": "入河"})
    assert response.status_code == 403
    assert not SearchSynonym.objects.filter(term="排污口").exists()
