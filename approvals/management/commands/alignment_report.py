from django.core.management.base import BaseCommand, CommandError

from approvals.alignment import alignment_report, write_alignment_xlsx
from approvals.models import Jurisdiction


class Command(BaseCommand):
    help = "写出县（市、区）对市级事项的认领情况：认领、由原部门实施、不认领（及理由）、尚未认领的事项及数量。"

    def add_arguments(self, parser):
        parser.add_argument("county", help="县（市、区）的代码或名称，例如 shuocheng 或 朔城区")
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")

    def handle(self, *args, county: str, output: str, **options):
        place = Jurisdiction.objects.filter(code=county).first() or Jurisdiction.objects.filter(name=county).first()
        if place is None or place.parent is None:
            names = "、".join(Jurisdiction.objects.filter(parent__isnull=False).values_list("code", flat=True))
            raise CommandError(f"没有名为“{county}”的县（市、区）。可用的代码：{names}。")
        report = alignment_report(place)
        write_alignment_xlsx(report, output)
        self.stdout.write(f"已写入 {output}：{place.name}，{report.text()}。")
