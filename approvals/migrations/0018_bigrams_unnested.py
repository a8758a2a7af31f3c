"""approvals_bigrams again, the same tsvector at about half of 0017's cost.

0017 takes each pair with substr(t, i, 2), which walks the text from its start for every i (the text is
UTF-8: a character is 1–4 bytes): a main item's text of 120–200 characters with its pinyin lines costs
a few thousand steps. Here the text is split into its characters once, and the pairs are the characters
zipped with the same array from its second element (unnest of two arrays runs them side by side; the last
character has no partner and makes no pair). array_to_tsvector still sorts and removes duplicates.

The index is not rebuilt: the function gives exactly 0004's tsvector for every text, NULL and the empty
text included (tests/test_search_bigrams.py). Building the index over 2,750,000 main items costs about
half as long (bench/RESULTS.md, issue 19 §1). SQLite has neither the function nor the index.
"""

from django.db import migrations

NEW = """
CREATE OR REPLACE FUNCTION approvals_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(c) || array_agg(c || n) FILTER (WHERE n IS NOT NULL)), ''::tsvector)
  FROM unnest(string_to_array(t, NULL), (string_to_array(t, NULL))[2:]) AS chars(c, n)
$$;
"""
# As in 0017 (a migration keeps its own copy).
OLD = """
CREATE OR REPLACE FUNCTION approvals_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(
    string_to_array(t, NULL) || ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i)
  ), ''::tsvector)
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEW)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0017_cheaper_bigrams")]

    operations = [migrations.RunPython(forwards, backwards)]
