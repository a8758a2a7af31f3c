from django.core.management.base import BaseCommand

from approvals.effective import apply_due


class Command(BaseCommand):
    help = "让生效日期已到（今天或更早）的划转记录生效，按它们更新事项状态。每天自动执行；重复执行不会重复生效。"

    def handle(self, *args, **options):
        applied = apply_due()
        self.stdout.write(f"已有 {applied} 条划转记录按生效日期生效。" if applied else "没有到期的划转记录。")
