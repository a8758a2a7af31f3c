"""Statistics of the search text's characters and character pairs, for the planner (PostgreSQL 14+).

Without them the planner guesses that any term matches 0.5 % of the items; with them it
knows that 许可 is in a fifth of them. The public list shows the planner's figure as its
count where counting every match would cost more than the page (catalog/paging.py), and
the planner picks between the search index and the list's order by it.
"""

from django.db import migrations

FORWARD = (
    "CREATE STATISTICS IF NOT EXISTS approvals_item_search_pairs "
    "ON (approvals_bigrams(search_text)) FROM approvals_approvalitem;"
)
BACKWARD = "DROP STATISTICS IF EXISTS approvals_item_search_pairs;"


def _supported(schema_editor) -> bool:
    connection = schema_editor.connection
    return connection.vendor == "postgresql" and connection.pg_version >= 140000


def forwards(apps, schema_editor):
    if _supported(schema_editor):
        schema_editor.execute(FORWARD)


def backwards(apps, schema_editor):
    if _supported(schema_editor):
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_search_text")]

    operations = [migrations.RunPython(forwards, backwards)]
