"""A published edition is frozen in the database itself, not only in Django.

Triggers refuse to UPDATE a published edition or any of its entries, and (on
PostgreSQL) to DELETE them, whatever path the SQL comes from: the admin, an
import, a queryset.update() or a hand-written statement. Publishing is allowed
because it updates a row whose old status is still 'draft'. An UPDATE that
changes no value (a reload of the same data) is let through.

SQLite keeps its DELETE unguarded: Django's test flush empties tables with
DELETE there (PostgreSQL uses TRUNCATE, which row triggers do not see), and
Edition.delete()/Entry.delete() refuse in Django already.
"""

from django.db import migrations

MESSAGE = "published edition is frozen"

EDITION_COLUMNS = [
    "id", "slug", "title", "jurisdiction_id", "document_id", "published_on", "status",
    "section1_heading", "section2_heading", "notes", "created_at",
]
ENTRY_COLUMNS = [
    "id", "edition_id", "section", "row", "number", "item_id", "main_name", "sub_name",
    "item_type", "departments", "batch", "base", "remarks",
]
EDITION_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in EDITION_COLUMNS)
ENTRY_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in ENTRY_COLUMNS)

SQLITE = [
    f"""
    CREATE TRIGGER catalog_edition_frozen BEFORE UPDATE ON catalog_edition
    WHEN OLD.status = 'published' AND ({EDITION_CHANGED})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
    f"""
    CREATE TRIGGER catalog_entry_frozen BEFORE UPDATE ON catalog_entry
    WHEN ((SELECT status FROM catalog_edition WHERE id = OLD.edition_id) = 'published'
      OR (SELECT status FROM catalog_edition WHERE id = NEW.edition_id) = 'published')
      AND ({ENTRY_CHANGED})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_edition_frozen;",
    "DROP TRIGGER IF EXISTS catalog_entry_frozen;",
]

POSTGRES = [
    f"""
    CREATE FUNCTION catalog_edition_frozen() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN RETURN NEW; END IF;
      IF OLD.status = 'published' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER catalog_edition_frozen BEFORE UPDATE OR DELETE ON catalog_edition
    FOR EACH ROW EXECUTE FUNCTION catalog_edition_frozen();
    """,
    f"""
    CREATE FUNCTION catalog_entry_frozen() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN RETURN NEW; END IF;
      IF EXISTS (SELECT 1 FROM catalog_edition WHERE id = OLD.edition_id AND status = 'published') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      IF EXISTS (SELECT 1 FROM catalog_edition WHERE id = NEW.edition_id AND status = 'published') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER catalog_entry_frozen BEFORE UPDATE OR DELETE ON catalog_entry
    FOR EACH ROW EXECUTE FUNCTION catalog_entry_frozen();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_entry_frozen ON catalog_entry;",
    "DROP FUNCTION IF EXISTS catalog_entry_frozen();",
    "DROP TRIGGER IF EXISTS catalog_edition_frozen ON catalog_edition;",
    "DROP FUNCTION IF EXISTS catalog_edition_frozen();",
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
    dependencies = [("catalog", "0003_groups")]

    operations = [migrations.RunPython(forwards, backwards)]
