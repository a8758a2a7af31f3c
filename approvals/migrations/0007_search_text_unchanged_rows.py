"""The search text is recomputed when the name or the text itself is written, not on every update.

PostgreSQL: migration 0005's row trigger recomputed it on every update, a sub-query per row: an
import that changes 92,000 items' remarks paid for it on each. It now keeps the text when neither
the name nor the text changes, and recomputes it when anything writes the text (a parent's
refresh, or an update carrying a stale copy), so it stays right whatever writes the row.
SQLite: the update trigger also fires when the text itself is written, for the same reason.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION approvals_item_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name
     AND NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
    RETURN NEW;
  END IF;
  NEW.search_text := approvals_item_search_text(NEW.id, NEW.name);
  RETURN NEW;
END $$;
"""
BACKWARD = """
CREATE OR REPLACE FUNCTION approvals_item_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := approvals_item_search_text(NEW.id, NEW.name);
  RETURN NEW;
END $$;
"""

# As in 0005 (a migration keeps its own copy).
SQLITE_TEXT = """approvals_search_key(name) || coalesce(
    (SELECT group_concat(char(10) || approvals_search_key(c.name), '')
     FROM approvals_approvalitem c WHERE c.parent_id = approvals_approvalitem.id), '')"""


def _sqlite_update_trigger(columns: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS approvals_item_search_updated;",
        f"""
        CREATE TRIGGER approvals_item_search_updated AFTER UPDATE OF {columns} ON approvals_approvalitem
        BEGIN
          UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT}
          WHERE id IN (NEW.id, NEW.parent_id, OLD.parent_id);
        END;
        """,
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = [FORWARD]
    else:  # the trigger's own UPDATE does not fire it again: SQLite's recursive_triggers is off
        statements = _sqlite_update_trigger("name, parent_id, search_text")
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = [BACKWARD]
    else:
        statements = _sqlite_update_trigger("name, parent_id")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0006_search_statistics")]

    operations = [migrations.RunPython(forwards, backwards)]
