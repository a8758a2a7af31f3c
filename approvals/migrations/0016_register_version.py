"""The register's version (approvals/register_version.py): its row, and the triggers on the register's tables.

The publication's tables get theirs in catalog 0012.
"""

from django.db import migrations, models
from django.utils import timezone

from approvals.register_version import PG_FUNCTIONS, install_sql, versioned_tables


def install(apps, schema_editor):
    apps.get_model("approvals", "RegisterVersion").objects.create(id=1, number=0, changed_at=timezone.now())
    vendor = schema_editor.connection.vendor
    statements = PG_FUNCTIONS if vendor == "postgresql" else []
    for statement in statements + install_sql(vendor, versioned_tables([apps.get_app_config("approvals")])):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0015_search_pinyin")]

    operations = [
        migrations.CreateModel(
            name="RegisterBump",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={"verbose_name": "目录版本号待增", "verbose_name_plural": "目录版本号待增"},
        ),
        migrations.CreateModel(
            name="RegisterVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "目录版本号", "verbose_name_plural": "目录版本号"},
        ),
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
    ]
