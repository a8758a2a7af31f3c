"""Search: one definition of a match, the same answer from PostgreSQL's index and from a plain scan."""

import pytest

from approvals.models import ApprovalItem
from approvals.search import pinyin_key, search_key, term_key, tsquery

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
    "xuke",
    "xk",
    "Wei Xian Huo Wu",
    "wxhw",
    "zhengfutouzi",
    "5wpfm",
    "xukezheng",
]


def _scan(term: str) -> set[str]:
    """The reference: main items whose name or a sub-item's name (or its pinyin) contains the term, in Python."""
    key = term_key(term)
    rows = list(ApprovalItem.objects.values_list("id", "parent_id", "code", "name"))
    codes = {pk: code for pk, parent_id, code, name in rows if parent_id is None}
    return {codes[parent_id or pk] for pk, parent_id, code, name in rows if key in _lines(name)}


def _lines(name: str) -> str:
    """The lines one name adds to the search text: its key, its pinyin in full and by initials."""
    return search_key(name) + "\n" + pinyin_key(name)


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
def test_search_equals_a_plain_substring_scan(term):
    assert set(ApprovalItem.objects.search(term).values_list("code", flat=True)) == _scan(term)


def test_a_two_character_term_finds_what_a_scan_finds_and_uses_the_index_on_postgresql(postgres):
    from django.db import connection

    assert len(_scan("许可")) == 64  # main items whose name or a sub-item name has 许可
    assert set(ApprovalItem.objects.search("许可").values_list("code", flat=True)) == _scan("许可")
    plan = "\n".join(row[0] for row in _explain(connection, "许可"))
    assert "approvals_item_search_bigrams" in plan


def _explain(connection, term):
    queryset = ApprovalItem.objects.search(term).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # On 320 rows any plan is cheap: leave the planner only the GIN index to choose (rolled back).
        cursor.execute("DROP INDEX approvals_approvalitem_parent_id_90cc72b9")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return cursor.fetchall()


def test_search_finds_main_items_by_their_sub_items():
    found = ApprovalItem.objects.search("政府投资项目初步设计审批")
    assert list(found.values_list("code", flat=True)) == ["SZ-0003"]
    assert ApprovalItem.objects.main_items().search("人防工程竣工验收").count() == 1
    assert ApprovalItem.objects.main_items().search("   ").count() == 320 - 17


def _found(term: str) -> list[str]:
    return sorted(ApprovalItem.objects.search(term).values_list("code", flat=True))


def test_the_database_keeps_the_search_text_whatever_writes_the_names(clerk):
    """Triggers (migration 0005) keep search_text: a rebuilt table without them fails here."""
    from approvals.bulk import items_update_bulk
    from approvals.services import item_create

    main = ApprovalItem.objects.get(code="SZ-0003")
    other = ApprovalItem.objects.filter(parent__isnull=True, children__isnull=True).exclude(pk=main.pk).first()
    assert _found("量子测绘") == []

    # A new sub-item (save): its parent is found by its name.
    child = item_create(
        jurisdiction=main.jurisdiction,
        name="量子测绘（甲级）",
        item_type=main.item_type,
        parent=main,
        source_text="省政府下放",
        user=clerk,
    )
    assert _found("量子测绘") == ["SZ-0003"]
    assert ApprovalItem.objects.get(pk=main.pk).search_text.endswith("\n量子测绘甲级\nliangzicehuijiaji\nlzchjj")
    assert _found("liangzicehui") == ["SZ-0003"]

    # Renamed by a bulk update (one UPDATE for many rows): the old name is gone, the new one found.
    items_update_bulk([(child, {"name": "星际测绘"})], user=clerk)
    assert _found("量子测绘") == [] and _found("星际测绘") == ["SZ-0003"]
    assert _found("lzch") == [] and _found("xjch") == ["SZ-0003"]

    # Moved to another main item by queryset.update().
    ApprovalItem.objects.filter(pk=child.pk).update(parent=other)
    assert _found("星际测绘") == [other.code]

    # The main item renamed by save() with a stale search_text in memory: the database recomputes it.
    other.refresh_from_db()
    other.search_text = "stale"
    other.name = "X光机辐射安全许可"
    other.save()
    assert _found("x光机辐射") == [other.code] and _found("星际测绘") == [other.code]
    assert _found("xguangjifushe") == [other.code]

    # An update of other fields keeps the text; a stale copy written back with them is replaced.
    ApprovalItem.objects.filter(pk=other.pk).update(remarks="备注")
    assert _found("星际测绘") == [other.code]
    ApprovalItem.objects.filter(pk=other.pk).update(remarks="再备注", search_text="stale")
    assert _found("星际测绘") == [other.code] and _found("stale") == []

    # Deleted: its parent no longer matches.
    ApprovalItem.objects.filter(pk=child.pk).delete()
    assert _found("星际测绘") == []
    assert ApprovalItem.objects.get(pk=other.pk).search_text == "x光机辐射安全许可\nxguangjifusheanquanxuke\nxgjfsaqxk"


def test_every_stored_search_text_equals_its_names_keys():
    """The fixture loaded through the triggers: each main item's text is its lines, then its sub-items'.

    A name's lines are its key and its pinyin in full and by initials (`pinyin_key`, in the fixture).
    """
    children: dict[int, list[str]] = {}
    for parent_id, name in ApprovalItem.objects.filter(parent__isnull=False).values_list("parent_id", "name"):
        children.setdefault(parent_id, []).append(_lines(name))
    for pk, name, text in ApprovalItem.objects.main_items().values_list("pk", "name", "search_text"):
        lines = text.split("\n")
        names = ["\n".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
        assert names[0] == _lines(name)
        assert sorted(names[1:]) == sorted(children.get(pk, []))
