from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from approvals.models import ApprovalItem


class Command(BaseCommand):
    help = "用 backup_register 的备份文件替换当前数据库中的全部数据；任何一步失败都不改变现有数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.json.gz 或 .json）")
        parser.add_argument("--yes", action="store_true", help="确认替换现有数据（不加此项只检查文件）")

    def handle(self, *args, file: str, yes: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"备份文件“{file}”不存在。")
        if not yes:
            raise CommandError("恢复会替换数据库中的全部数据。确认无误后请加 --yes 重新运行。")
        try:
            # One transaction: if the backup cannot be loaded, the flush is undone too.
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # TRUNCATE refuses to run while deferred foreign-key checks are pending.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                call_command("flush", interactive=False, verbosity=0)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                call_command("loaddata", str(path), verbosity=0)
        except Exception as error:  # any failure leaves the database as it was; say why
            raise CommandError(f"恢复失败，数据库未改变：{error}") from None
        self.stdout.write(f"已从 {file} 恢复：{ApprovalItem.objects.count()} 个事项。")
