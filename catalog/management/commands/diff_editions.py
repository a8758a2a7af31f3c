from django.core.management.base import BaseCommand, CommandError

from catalog.adjustments import CATEGORIES, editions_diff, write_adjustment_xlsx
from catalog.models import Edition


class Command(BaseCommand):
    help = "写出两个目录版本之间的调整对照表（新增、退回、取消、更名、部门或类型变更，及其依据）。"

    def add_arguments(self, parser):
        parser.add_argument("old", help="较早的版本代码，例如 2022")
        parser.add_argument("new", help="较新的版本代码")
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")

    def handle(self, *args, old: str, new: str, output: str, **options):
        editions = {e.slug: e for e in Edition.objects.filter(slug__in=[old, new]).select_related("document")}
        for slug in (old, new):
            if slug not in editions:
                raise CommandError(f"没有版本代码为“{slug}”的目录版本。")
        adjustment = editions_diff(editions[old], editions[new])
        write_adjustment_xlsx(adjustment, output)
        counts = "，".join(f"{CATEGORIES[c]} {n} 项" for c, n in adjustment.counts().items()) or "没有调整"
        self.stdout.write(f"已写入 {output}：{counts}。")
