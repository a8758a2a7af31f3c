"""The first history row of every audited row that has none.

The official data was loaded with `loaddata`, which writes no history; since then loading writes it
(catalog/management/commands/loaddata.py). Rows loaded before get theirs here: the state they are in
when this migration runs, so that the first edit shows what it changed.
"""

from django.db import migrations
from django.utils import timezone

AUDITED = ("Department", "PolicyDocument", "ApprovalItem", "ItemDepartment")
REASON = "载入官方目录"
BATCH = 1000


def start_history(apps, schema_editor):
    using, now = schema_editor.connection.alias, timezone.now()
    for name in AUDITED:
        model = apps.get_model("approvals", name)
        historical = apps.get_model("approvals", f"Historical{name}")
        tracked = [field for field in historical._meta.fields if not field.name.startswith("history_")]
        missing = model.objects.using(using).exclude(pk__in=historical.objects.using(using).values("id"))
        rows = [
            historical(
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
                **{field.attname: getattr(obj, field.attname) for field in tracked},
            )
            for obj in missing.order_by("pk").iterator(chunk_size=BATCH)
        ]
        historical.objects.using(using).bulk_create(rows, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0010_document_jurisdiction_required"),
    ]

    operations = [
        migrations.RunPython(start_history, migrations.RunPython.noop),
    ]
