"""Events dated after the day they are recorded wait as pending until their date (approvals/effective.py)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0011_history_start'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='transfer',
            name='pending',
            field=models.BooleanField(default=False, editable=False, help_text='生效日期晚于登记当天的记录在生效之前为“尚未生效”，到了生效日期系统才按它更新事项状态。', verbose_name='尚未生效'),
        ),
        migrations.AddIndex(
            model_name='transfer',
            index=models.Index(condition=models.Q(('pending', True)), fields=['effective_on'], name='transfer_pending_due'),
        ),
        migrations.AddConstraint(
            model_name='transfer',
            constraint=models.UniqueConstraint(condition=models.Q(('pending', True)), fields=('item',), name='transfer_one_pending'),
        ),
    ]
