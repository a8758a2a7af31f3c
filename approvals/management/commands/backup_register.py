import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# What a restore needs: the register, the editions, users and groups, the audit trail.
# Content types and permissions are recreated by migrate; sessions and lockouts are not worth keeping.
# The register's version is the database's own count of its writes, not data: a restore starts it afresh.
EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "axes",
    "approvals.registerversion",
    "approvals.registerbump",
]


class Command(BaseCommand):
    help = (
        "把登记册（事项、划转记录、目录版本、审计记录、用户和组）导出为一个压缩 JSON 文件，SQLite 与 PostgreSQL 通用。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", default=None, help="输出文件（.json.gz），默认 backups/register-时间.json.gz"
        )

    def handle(self, *args, output, **options):
        if output is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            output = str(Path(settings.BASE_DIR) / "backups" / f"register-{stamp}.json.gz")
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        call_command(
            "dumpdata", *[], exclude=EXCLUDE, natural_foreign=True, natural_primary=True, output=output, verbosity=0
        )
        self.stdout.write(f"已备份到 {output}（{Path(output).stat().st_size} 字节）。")
