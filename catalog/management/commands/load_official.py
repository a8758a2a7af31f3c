from django.core.management import call_command
from django.core.management.base import BaseCommand

from approvals.models import ApprovalItem


class Command(BaseCommand):
    help = "数据库中还没有任何事项时，载入官方 2022 年版目录（fixtures/shuozhou_2022.json）；已有数据则不做任何事。"

    def handle(self, *args, **options):
        if ApprovalItem.objects.exists():
            self.stdout.write(f"数据库中已有 {ApprovalItem.objects.count()} 个事项，未载入官方目录。")
            return
        call_command("loaddata", "shuozhou_2022", verbosity=0)
        self.stdout.write(f"已载入官方 2022 年版目录：{ApprovalItem.objects.count()} 个事项（含子项）。")
