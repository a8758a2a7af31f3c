"""Search on PostgreSQL: an indexed key of every item name (see approvals/search.py).

approvals_search_key(name) lowers ASCII and drops whitespace and punctuation;
approvals_bigrams(key) is the tsvector of its characters and character pairs.
A GIN index on their composition serves every search term, two characters
included. SQLite gets nothing: it scans, with the same key computed in SQL.
"""

from django.db import migrations

from approvals.search import sql_punctuation_literal

FORWARD = [
    f"""
    CREATE FUNCTION approvals_search_key(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT translate(translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
                       E'{sql_punctuation_literal().replace(chr(92), chr(92) * 2)}', '')
    $$;
    """,
    """
    CREATE FUNCTION approvals_bigrams(t text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(array_to_tsvector(array_agg(DISTINCT g)), ''::tsvector) FROM (
        SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i
        UNION ALL
        SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
      ) grams WHERE g <> ''
    $$;
    """,
    """
    CREATE INDEX approvals_item_name_bigrams ON approvals_approvalitem
    USING gin (approvals_bigrams(approvals_search_key(name)));
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS approvals_item_name_bigrams;",
    "DROP FUNCTION IF EXISTS approvals_bigrams(text);",
    "DROP FUNCTION IF EXISTS approvals_search_key(text);",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0003_jurisdictions_and_review")]

    operations = [migrations.RunPython(forwards, backwards)]
