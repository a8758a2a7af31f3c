"""The search index's function, approvals_bigrams, the same tsvector at a fraction of the cost.

0004's body collected a text's characters and character pairs with two generate_series and an
array_agg(DISTINCT …), a sort per call; PostgreSQL runs it for every version of a main item's row that
enters the GIN index (an import writes 80,000). This body takes the characters with string_to_array and
the pairs with one substr each, and leaves sorting and removing duplicates to array_to_tsvector, which
does both. tests/test_search.py compares the two bodies over every name of the gazette and edge cases.
The index is rebuilt with the new function. SQLite has neither the function nor the index.
"""

from django.db import migrations

NEW = """
CREATE OR REPLACE FUNCTION approvals_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(
    string_to_array(t, NULL) || ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i)
  ), ''::tsvector)
$$;
"""
# As in 0004 (a migration keeps its own copy; tests/test_search.py compares against it).
OLD = """
CREATE OR REPLACE FUNCTION approvals_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT g)), ''::tsvector) FROM (
    SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i
    UNION ALL
    SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
  ) grams WHERE g <> ''
$$;
"""
REINDEX = "REINDEX INDEX approvals_item_search_bigrams;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEW)
        schema_editor.execute(REINDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD)
        schema_editor.execute(REINDEX)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0016_register_version")]

    operations = [migrations.RunPython(forwards, backwards)]
