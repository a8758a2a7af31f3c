from django.core.management.base import BaseCommand

from approvals.bulk import items_refresh_pinyin


class Command(BaseCommand):
    help = "重新计算事项名称的拼音检索键（只写有变化的事项），供绕过系统写入名称后使用；检索文本随之更新。"

    def handle(self, *args, **options):
        changed = items_refresh_pinyin()
        self.stdout.write(f"已更新 {changed} 个事项的拼音检索键。" if changed else "所有事项的拼音检索键都是最新的。")
