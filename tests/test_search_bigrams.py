"""The search index's function (approvals 0017) gives exactly the tsvector of 0004's, over every name and edge case."""

import importlib

import pytest
from django.db import connection

from approvals.models import ApprovalItem
from approvals.search import pinyin_key, search_key

pytestmark = pytest.mark.django_db

cheaper = importlib.import_module("approvals.migrations.0017_cheaper_bigrams")

EDGES = ["", "a", "aa", "aaaa", "许", "许许许许", "ab\nab", "a\nb", "\n", "\n\n", "许可\nxuke\nxk", "a'b\\c", "%_"]
EDGES += ["x光机", "\x01许", "𠀀字𠀀"]  # pypinyin's marker, characters outside the BMP


def _old_function(cursor) -> None:
    cursor.execute(cheaper.OLD.replace("FUNCTION approvals_bigrams(", "FUNCTION pg_temp.bigrams_0004("))


def test_the_function_equals_0004s_over_every_name_and_text_of_the_gazette(postgres):
    texts = set(EDGES)
    for name, text in ApprovalItem.objects.values_list("name", "search_text"):
        texts |= {name, text, search_key(name), pinyin_key(name)}
    assert len(texts) > 600
    with connection.cursor() as cursor:
        _old_function(cursor)
        cursor.execute(
            "SELECT t, approvals_bigrams(t)::text, pg_temp.bigrams_0004(t)::text FROM unnest(%s::text[]) AS t",
            [sorted(texts)],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT approvals_bigrams(NULL)::text, pg_temp.bigrams_0004(NULL)::text")
        rows.append((None, *cursor.fetchone()))
    assert len(rows) == len(texts) + 1
    assert [row for row in rows if row[1] != row[2]] == []
    # Not vacuous: the function gives characters and pairs, once each.
    assert dict((t, new) for t, new, _old in rows)["aaaa"] == "'a' 'aa'"
    assert dict((t, new) for t, new, _old in rows)[""] == ""


def test_the_index_is_built_on_the_function(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'approvals_item_search_bigrams'")
        (definition,) = cursor.fetchone()
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'approvals_bigrams'")
        (body,) = cursor.fetchone()
    assert "approvals_bigrams(search_text)" in definition
    assert "string_to_array" in body
