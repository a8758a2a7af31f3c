"""Editions record who compiled or imported the draft, so that another person publishes it (four eyes).

Who made the draft is not part of the published record: deleting that person's account sets the column
to NULL on a published edition too. SQLite's trigger names the frozen columns (0006) and so already
leaves the new one alone; PostgreSQL's compares whole rows and is told to leave it alone as well.
Going back, SQLite rebuilds the table to drop the column: the triggers that name catalog_edition stand
aside for the rebuild (they would refuse the rename) and are created again as 0004-0006 left them.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MESSAGE = "published edition is frozen"


def _postgres_function(unchanged: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION catalog_edition_frozen() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND {unchanged} THEN RETURN NEW; END IF;
      IF OLD.status = 'published' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """


WITHOUT_CREATOR = "(to_jsonb(NEW) - 'created_by_id') IS NOT DISTINCT FROM (to_jsonb(OLD) - 'created_by_id')"
WHOLE_ROW = "NEW IS NOT DISTINCT FROM OLD"  # 0004


SQLITE_TRIGGERS = ("catalog_edition_frozen", "catalog_entry_frozen", "catalog_entry_frozen_insert")


def _sqlite_triggers() -> list[str]:
    """The SQLite triggers that name catalog_edition, as migrations 0004, 0005 and 0006 created them."""
    m0004, m0005, m0006 = (
        importlib.import_module(f"catalog.migrations.{name}")
        for name in (
            "0004_published_edition_triggers",
            "0005_published_edition_insert_triggers",
            "0006_edition_published_at",
        )
    )
    return [m0006._sqlite_trigger([*m0006.EDITION_COLUMNS_0004, "published_at"]), m0004.SQLITE[1], *m0005.SQLITE]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_postgres_function(WITHOUT_CREATOR))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_postgres_function(WHOLE_ROW))
    else:
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        for statement in _sqlite_triggers():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_edition_published_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.AddField(
            model_name="edition",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="生成或导入草稿的人；发布须由另一位审核人完成（四眼原则）。",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="生成人",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
