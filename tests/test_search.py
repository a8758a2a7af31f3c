"""Search: one definition of a match, the same answer from PostgreSQL's index and from a plain scan."""

import pytest

from approvals.models import ApprovalItem
from approvals.search import search_key, term_key, tsquery

pytestmark = pytest.mark.django_db

TERMS = [
    "许可",
    "审批",
    "备案",
    "危险货物",
    "人防工程竣工验收、备案",
    "人防工程竣工验收",
    "（二级及以下）",
    "二级及以下",
    "5万平方米",
    "%",
    "_",
    "100%",
    "'",
    "许",
    "政府投资项目可行性研究报告审批",
    "不存在的事项名称",
]


def _scan(term: str) -> set[str]:
    """The reference: a plain substring test over every name, in Python."""
    key = term_key(term)
    return {code for code, name in ApprovalItem.objects.values_list("code", "name") if key in search_key(name)}


def test_the_key_drops_punctuation_and_keeps_percent_and_underscore():
    assert search_key("人防工程竣工验收、备案") == "人防工程竣工验收备案"
    assert search_key("房地产开发企业资质核定(二级及以下)") == "房地产开发企业资质核定二级及以下"
    assert search_key("Ab 100%_x") == "ab100%_x"
    assert term_key("a\x00b" + "许" * 500) == "ab" + "许" * 98


def test_a_tsquery_asks_for_every_character_pair():
    assert tsquery("许可证") == "'可证' & '许可'"
    assert tsquery("许") == "'许'"
    assert tsquery("a'b") == "'''b' & 'a'''"


@pytest.mark.parametrize("term", TERMS)
def test_matching_equals_a_plain_substring_scan(term):
    assert set(ApprovalItem.objects.matching(term).values_list("code", flat=True)) == _scan(term)


def test_a_two_character_term_finds_what_a_scan_finds_and_uses_the_index_on_postgresql(postgres):
    from django.db import connection

    assert len(_scan("许可")) == 66
    plan = "\n".join(row[0] for row in _explain(connection, "许可"))
    assert "approvals_item_name_bigrams" in plan


def _explain(connection, term):
    queryset = ApprovalItem.objects.matching(term).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return cursor.fetchall()


def test_search_finds_main_items_by_their_sub_items():
    found = ApprovalItem.objects.main_items().search("政府投资项目初步设计审批")
    assert list(found.values_list("code", flat=True)) == ["SZ-0003"]
    assert ApprovalItem.objects.main_items().search("人防工程竣工验收").count() == 1
    assert ApprovalItem.objects.main_items().search("   ").count() == 320 - 17
