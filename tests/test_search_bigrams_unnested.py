"""approvals 0018: the search index's function pairs the characters by unnest and still gives 0004's tsvector."""

import importlib
import random

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

unnested = importlib.import_module("approvals.migrations.0018_bigrams_unnested")
cheaper = importlib.import_module("approvals.migrations.0017_cheaper_bigrams")

EDGES = ["", "a", "ab", "aaa", "许", "许可", "许许许", "\n", "a\n", "\na", "许可\nxuke\nxk", "'\\%_", "𠀀字𠀀"]


def _texts() -> list[str]:
    """Edge cases and random texts of characters a search text holds: Chinese, ASCII, line breaks."""
    rng = random.Random(19)
    alphabet = "许可证建设工程危险货物道路运输abcxyz0123\n"
    return EDGES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(300)]


def test_the_installed_function_is_0018s_and_gives_0004s_tsvector_for_every_text(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'approvals_bigrams'")
        assert "unnest(string_to_array(t, NULL)" in cursor.fetchone()[0]
        cursor.execute(cheaper.OLD.replace("FUNCTION approvals_bigrams(", "FUNCTION pg_temp.bigrams_0004("))
        cursor.execute(
            "SELECT t, approvals_bigrams(t)::text, pg_temp.bigrams_0004(t)::text FROM unnest(%s::text[]) AS t "
            "UNION ALL SELECT NULL, approvals_bigrams(NULL)::text, pg_temp.bigrams_0004(NULL)::text",
            [_texts()],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(_texts()) + 1
    assert [row for row in rows if row[1] != row[2]] == []
    found = {text: grams for text, grams, _old in rows}
    assert found["aaa"] == "'a' 'aa'" and found["\na"] == "'\n' '\na' 'a'" and found[""] == found[None] == ""
