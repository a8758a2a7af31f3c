from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from approvals.management.arguments import jurisdiction_argument
from catalog.exports.claims import write_claims_xlsx
from catalog.imports.claims import claims_import
from catalog.imports.problems import ImportRefused


class Command(BaseCommand):
    help = (
        "县（市、区）认领市级事项的认领表：--export 写出每个市级主项一行的表格（事项编码、事项名称、认领情况、"
        "不认领理由、理由说明），--import 读回填好的表格：先检查整个文件，没有问题才全部登记，否则一项也不登记。"
    )

    def add_arguments(self, parser):
        parser.add_argument("county", help="县（市、区）代码，例如 shuocheng")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--export", metavar="FILE.xlsx", help="写出认领表")
        group.add_argument("--import", dest="source", metavar="FILE.xlsx", help="导入填好的认领表")

    def handle(self, *args, county, export, source, **options):
        place = jurisdiction_argument(county)
        if place.parent is None:
            raise CommandError(f"“{place.name}”不是县（市、区）。")
        if export:
            rows = write_claims_xlsx(place, export)
            self.stdout.write(f"已写入 {export}：{place.name}，{rows} 个市级事项。")
            return
        try:
            rows = claims_import(county=place, path=Path(source))
        except ImportRefused as refused:
            raise CommandError("文件有问题，未做任何修改：\n" + "\n".join(str(p) for p in refused.problems)) from None
        self.stdout.write(f"已导入 {source}：{place.name}，登记 {rows} 个事项的认领情况。")
