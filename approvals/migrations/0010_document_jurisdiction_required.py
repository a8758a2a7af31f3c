import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0009_document_issuers'),
    ]

    operations = [
        migrations.AlterField(
            model_name='policydocument',
            name='jurisdiction',
            field=models.ForeignKey(help_text='印发本文件的辖区：市政府文件属市本级，省政府文件属省级。只有该辖区的工作人员可以修改。', on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='approvals.jurisdiction', verbose_name='发文辖区'),
        ),
    ]
