"""Editions record the moment they were published, so that two published on the same day follow each other.

Published editions that exist already get one from their date: its midnight, a second later for each
further edition of that day in the order of their ids (an edition without a date takes its creation
time). They are frozen (migrations 0004 and 0005), so the trigger that guards them stands aside for
the backfill, inside this migration's transaction, and is back before it commits:
- SQLite names the guarded columns in the trigger: it is dropped, the column filled, and the trigger
  created again with published_at among the columns, so that the new column is frozen too.
- PostgreSQL compares whole rows, which already covers the new column: the trigger is disabled for
  the backfill and enabled again. Only the table's owner (the migration role) may do either.
Going back restores 0004's trigger before the column goes: SQLite cannot drop a column a trigger names.
"""

import datetime

from django.db import migrations, models
from django.utils import timezone

MESSAGE = "published edition is frozen"

EDITION_COLUMNS_0004 = [
    "id", "slug", "title", "jurisdiction_id", "document_id", "published_on", "status",
    "section1_heading", "section2_heading", "notes", "created_at",
]  # fmt: skip


def _sqlite_trigger(columns: list[str]) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    return f"""
    CREATE TRIGGER catalog_edition_frozen BEFORE UPDATE ON catalog_edition
    WHEN OLD.status = 'published' AND ({changed})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """


def _backfill(apps) -> None:
    Edition = apps.get_model("catalog", "Edition")
    zone = timezone.get_default_timezone()
    editions = Edition.objects.filter(status="published", published_at__isnull=True)
    later_that_day: dict[datetime.date, int] = {}
    for pk, published_on, created_at in editions.order_by("published_on", "id").values_list(
        "pk", "published_on", "created_at"
    ):
        if published_on is None:
            moment = created_at
        else:
            seconds = later_that_day.get(published_on, 0)
            later_that_day[published_on] = seconds + 1
            midnight = timezone.make_aware(datetime.datetime.combine(published_on, datetime.time()), zone)
            moment = midnight + datetime.timedelta(seconds=seconds)
        Edition.objects.filter(pk=pk).update(published_at=moment)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE catalog_edition DISABLE TRIGGER catalog_edition_frozen")
        _backfill(apps)
        schema_editor.execute("ALTER TABLE catalog_edition ENABLE TRIGGER catalog_edition_frozen")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS catalog_edition_frozen")
        _backfill(apps)
        schema_editor.execute(_sqlite_trigger([*EDITION_COLUMNS_0004, "published_at"]))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS catalog_edition_frozen")
        schema_editor.execute(_sqlite_trigger(EDITION_COLUMNS_0004))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_published_edition_insert_triggers")]

    operations = [
        migrations.AlterModelOptions(
            name="edition",
            options={
                "ordering": ["-published_on", "-published_at", "-id"],
                "permissions": [("publish_edition", "可以发布目录版本")],
                "verbose_name": "目录版本",
                "verbose_name_plural": "目录版本",
            },
        ),
        migrations.AddField(
            model_name="edition",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="发布的时刻，发布时记录；同一天发布的版本按它排先后。草稿为空。",
                null=True,
                verbose_name="发布时间",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
