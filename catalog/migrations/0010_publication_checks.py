"""Who published an edition and which warnings of the pre-publication checks they acknowledged.

SQLite would rebuild catalog_edition for a NOT NULL column and lose migration 0004's triggers that freeze a
published edition: the text column is added in place there (ALTER TABLE ADD COLUMN keeps them).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ACKNOWLEDGED = migrations.AddField(
    model_name="edition",
    name="acknowledged_warnings",
    field=models.TextField(blank=True, editable=False, verbose_name="发布时确认的提醒"),
)


def _bound(model):
    field = ACKNOWLEDGED.field.clone()
    field.contribute_to_class(model, ACKNOWLEDGED.name)  # the state given has no such field yet
    return field


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            'ALTER TABLE "catalog_edition" ADD COLUMN "acknowledged_warnings" text NOT NULL DEFAULT \'\''
        )
        return
    model = apps.get_model("catalog", "Edition")
    schema_editor.add_field(model, _bound(model))


def remove_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "catalog_edition" DROP COLUMN "acknowledged_warnings"')
        return
    model = apps.get_model("catalog", "Edition")
    schema_editor.remove_field(model, _bound(model))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_feedback"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[ACKNOWLEDGED],
            database_operations=[migrations.RunPython(add_column, remove_column)],
        ),
        migrations.AddField(
            model_name="edition",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="发布人",
            ),
        ),
    ]
