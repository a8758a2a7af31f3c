"""A published edition gains no rows either: triggers refuse an INSERT into catalog_entry for it.

0004 already refuses an UPDATE that moves a row into or out of a published edition and one that
turns a published edition back into a draft; this closes the last door, an INSERT (a bulk_create,
a fixture, a hand-written statement). Publishing is unaffected: it flips the status after the rows
exist. Loading a fixture or a backup that holds a published edition goes through catalog's
loaddata, which writes such an edition as a draft and publishes it once its rows are in.

On PostgreSQL the function of 0004 serves the INSERT as well (OLD is null there). TRUNCATE gets no
trigger: Django's flush (tests, restore_register) empties tables with it, and a role that may
TRUNCATE may disable triggers as well; the application's database role is not granted it (README,
"Database roles").
"""

from django.db import migrations

MESSAGE = "published edition is frozen"

SQLITE = [
    f"""
    CREATE TRIGGER catalog_entry_frozen_insert BEFORE INSERT ON catalog_entry
    WHEN (SELECT status FROM catalog_edition WHERE id = NEW.edition_id) = 'published'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_entry_frozen_insert;",
]

POSTGRES = [
    """
    CREATE TRIGGER catalog_entry_frozen_insert BEFORE INSERT ON catalog_entry
    FOR EACH ROW EXECUTE FUNCTION catalog_entry_frozen();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_entry_frozen_insert ON catalog_entry;",
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
    dependencies = [("catalog", "0004_published_edition_triggers")]

    operations = [migrations.RunPython(forwards, backwards)]
