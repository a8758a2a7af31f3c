# Policy documents belong to the jurisdiction that issued them (a separate migration: on PostgreSQL
# the rows are updated before the column becomes NOT NULL, in another transaction).

from django.conf import settings
from django.db import migrations

PROVINCE = {"code": "shanxi", "name": "山西省", "level": "province", "code_prefix": "SX", "position": 0}


def assign_issuers(apps, schema_editor):
    """Existing documents get the jurisdiction that issued them: 晋… the province, the rest the city."""
    Jurisdiction = apps.get_model("approvals", "Jurisdiction")
    PolicyDocument = apps.get_model("approvals", "PolicyDocument")
    documents = PolicyDocument.objects.filter(jurisdiction__isnull=True)
    if not documents.exists():
        return
    city = (
        Jurisdiction.objects.filter(code=settings.DEFAULT_JURISDICTION).first()
        or Jurisdiction.objects.filter(level="city").order_by("position", "pk").first()
    )
    if documents.filter(number__startswith="晋").exists():
        province = Jurisdiction.objects.filter(level="province").first()
        if province is None:
            province = Jurisdiction.objects.create(**PROVINCE)
        documents.filter(number__startswith="晋").update(jurisdiction=province)
    if city is not None:
        documents.filter(jurisdiction__isnull=True).update(jurisdiction=city)


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0008_document_jurisdiction'),
    ]

    operations = [
        migrations.RunPython(assign_issuers, migrations.RunPython.noop),
    ]
