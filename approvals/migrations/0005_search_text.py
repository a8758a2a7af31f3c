"""Search reads one column, kept by the database: search_text.

search_text is the search key of the item's name (approvals/search.py) and, for a main
item, one line more per sub-item with that sub-item's key. Triggers keep it whatever
writes the table (the admin, an import, a bulk update, a queryset.update() or a fixture),
so a main item is found by its own name or a sub-item's with one condition on one row.

PostgreSQL: a BEFORE row trigger computes a row's own text; statement triggers with
transition tables refresh the parents of the sub-items a statement inserted, renamed,
moved or deleted, once per statement (an import of 100,000 rows is a few statements).
A partial GIN index over the text's characters and character pairs serves every search
term, two-character ones included; it replaces 0004's index over the name.

SQLite: row triggers do the same with the approvals_search_key() function the project's
backend registers (config/sqlite). A table rebuild by a later migration drops triggers
on SQLite: tests/test_search.py fails if they are gone.
"""

from django.db import migrations, models

LINE = "E'\\n'"

POSTGRES = [
    f"""
    CREATE FUNCTION approvals_item_search_text(item_id bigint, item_name text) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT approvals_search_key(item_name) || coalesce(
        (SELECT string_agg({LINE} || approvals_search_key(c.name), '' ORDER BY c.position, c.id)
         FROM approvals_approvalitem c WHERE c.parent_id = item_id), '')
    $$;
    """,
    """
    CREATE FUNCTION approvals_item_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_text := approvals_item_search_text(NEW.id, NEW.name);
      RETURN NEW;
    END $$;
    """,
    """
    CREATE FUNCTION approvals_item_search_parents() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE parents bigint[];
    BEGIN
      IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT parent_id) INTO parents FROM new_rows WHERE parent_id IS NOT NULL;
      ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT parent_id) INTO parents FROM old_rows WHERE parent_id IS NOT NULL;
      ELSE
        SELECT array_agg(DISTINCT p) INTO parents FROM (
          SELECT n.parent_id AS p FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE n.name IS DISTINCT FROM o.name OR n.parent_id IS DISTINCT FROM o.parent_id
          UNION ALL
          SELECT o.parent_id FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE n.parent_id IS DISTINCT FROM o.parent_id
        ) changed WHERE p IS NOT NULL;
      END IF;
      -- The row trigger recomputes each parent's text; their own statement finds no sub-item and stops.
      IF parents IS NOT NULL THEN
        UPDATE approvals_approvalitem SET search_text = '' WHERE id = ANY(parents);
      END IF;
      RETURN NULL;
    END $$;
    """,
    """
    CREATE TRIGGER approvals_item_search_row BEFORE INSERT OR UPDATE ON approvals_approvalitem
    FOR EACH ROW EXECUTE FUNCTION approvals_item_search_row();
    """,
    """
    CREATE TRIGGER approvals_item_search_inserted AFTER INSERT ON approvals_approvalitem
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approvals_item_search_parents();
    """,
    """
    CREATE TRIGGER approvals_item_search_updated AFTER UPDATE ON approvals_approvalitem
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_item_search_parents();
    """,
    """
    CREATE TRIGGER approvals_item_search_deleted AFTER DELETE ON approvals_approvalitem
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION approvals_item_search_parents();
    """,
    "UPDATE approvals_approvalitem SET search_text = '';",
    "DROP INDEX IF EXISTS approvals_item_name_bigrams;",
    """
    CREATE INDEX approvals_item_search_bigrams ON approvals_approvalitem
    USING gin (approvals_bigrams(search_text)) WHERE parent_id IS NULL;
    """,
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS approvals_item_search_bigrams;",
    "DROP TRIGGER IF EXISTS approvals_item_search_deleted ON approvals_approvalitem;",
    "DROP TRIGGER IF EXISTS approvals_item_search_updated ON approvals_approvalitem;",
    "DROP TRIGGER IF EXISTS approvals_item_search_inserted ON approvals_approvalitem;",
    "DROP TRIGGER IF EXISTS approvals_item_search_row ON approvals_approvalitem;",
    "DROP FUNCTION IF EXISTS approvals_item_search_parents();",
    "DROP FUNCTION IF EXISTS approvals_item_search_row();",
    "DROP FUNCTION IF EXISTS approvals_item_search_text(bigint, text);",
    """
    CREATE INDEX approvals_item_name_bigrams ON approvals_approvalitem
    USING gin (approvals_bigrams(approvals_search_key(name)));
    """,
]

# The text of the row being updated; the sub-items' lines in any order (the order never matters to a match).
SQLITE_TEXT = """approvals_search_key(name) || coalesce(
    (SELECT group_concat(char(10) || approvals_search_key(c.name), '')
     FROM approvals_approvalitem c WHERE c.parent_id = approvals_approvalitem.id), '')"""
SQLITE = [
    f"""
    CREATE TRIGGER approvals_item_search_inserted AFTER INSERT ON approvals_approvalitem
    BEGIN
      UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT} WHERE id IN (NEW.id, NEW.parent_id);
    END;
    """,
    f"""
    CREATE TRIGGER approvals_item_search_updated AFTER UPDATE OF name, parent_id ON approvals_approvalitem
    BEGIN
      UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT}
      WHERE id IN (NEW.id, NEW.parent_id, OLD.parent_id);
    END;
    """,
    f"""
    CREATE TRIGGER approvals_item_search_deleted AFTER DELETE ON approvals_approvalitem
    WHEN OLD.parent_id IS NOT NULL
    BEGIN
      UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT} WHERE id = OLD.parent_id;
    END;
    """,
    f"UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT};",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS approvals_item_search_inserted;",
    "DROP TRIGGER IF EXISTS approvals_item_search_updated;",
    "DROP TRIGGER IF EXISTS approvals_item_search_deleted;",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0004_search_index")]

    operations = [
        migrations.AddField(
            model_name="approvalitem",
            name="search_text",
            field=models.TextField(default="", editable=False, verbose_name="检索文本"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="approvalitem",
            index=models.Index(
                condition=models.Q(("parent__isnull", True), ("status__in", ("bureau", "returned"))),
                fields=["jurisdiction", "status", "code"],
                name="item_public_by_place",
            ),
        ),
        migrations.AddIndex(
            model_name="approvalitem",
            index=models.Index(
                condition=models.Q(("parent__isnull", True), ("status__in", ("bureau", "returned"))),
                fields=["status", "code"],
                name="item_public",
            ),
        ),
    ]
