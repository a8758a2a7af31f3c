"""Background jobs (catalog/jobs.py), and the working groups' right to see them (each retries only their own).

Permissions are normally created after all migrations; the groups need the new model's now (as in 0003).
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.conf import settings
from django.db import migrations, models


GROUPS = ("经办人", "审核人")
CODES = ("view_job",)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("catalog")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="catalog", codename__in=CODES)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0011_history_start'),
        ('catalog', '0007_edition_created_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('import_preview', '导入预览'), ('import', '导入'), ('downloads', '准备下载文件'), ('county', '派生县级目录')], max_length=20, verbose_name='任务')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='发起时间')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='开始时间')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='结束时间')),
                ('status', models.CharField(choices=[('queued', '排队中'), ('running', '运行中'), ('done', '已完成'), ('failed', '失败')], default='queued', max_length=20, verbose_name='状态')),
                ('params', models.JSONField(blank=True, default=dict, help_text='发起任务时填写的内容，重试时照样再用。', verbose_name='参数')),
                ('done', models.PositiveIntegerField(default=0, verbose_name='已完成')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='总量')),
                ('phase', models.CharField(blank=True, max_length=200, verbose_name='当前步骤')),
                ('result', models.TextField(blank=True, verbose_name='结果')),
                ('result_url', models.CharField(blank=True, max_length=300, verbose_name='结果链接')),
                ('details', models.JSONField(blank=True, default=dict, help_text='预览的调整清单、导入的问题等。', verbose_name='结果明细')),
                ('error', models.TextField(blank=True, help_text='失败的原因，中文，不含程序堆栈。', verbose_name='错误')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='运行次数')),
                ('worker', models.CharField(blank=True, help_text='正在运行它的工作进程（主机:进程号:标记）。', max_length=120, verbose_name='工作进程')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                ('jurisdiction', models.ForeignKey(help_text='任务所属辖区。', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='approvals.jurisdiction', verbose_name='辖区')),
            ],
            options={
                'verbose_name': '后台任务',
                'verbose_name_plural': '后台任务',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status'], name='job_status')],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
