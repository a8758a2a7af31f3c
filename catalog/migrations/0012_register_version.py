"""Writes to the publication's tables raise the register's version too (approvals/register_version.py)."""

from django.db import migrations

from approvals.register_version import install_sql, versioned_tables


def install(apps, schema_editor):
    for statement in install_sql(schema_editor.connection.vendor, versioned_tables([apps.get_app_config("catalog")])):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0011_upstream_review"), ("approvals", "0016_register_version")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop, elidable=False)]
