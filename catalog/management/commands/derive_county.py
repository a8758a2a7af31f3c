from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from approvals.management.arguments import date_argument, document_argument, jurisdiction_argument
from catalog.counties import county_derive


class Command(BaseCommand):
    help = (
        "从市级最新发布的目录为县（市、区）建立划转目录：复制部门和事项，并登记划转至县审批服务管理局。"
        "可重复运行，只补充尚未复制的事项。"
    )

    def add_arguments(self, parser):
        parser.add_argument("county", help="县（市、区）代码，例如 shuocheng")
        parser.add_argument("--document", default=None, help="县级依据文件文号（须已在登记册中）")
        parser.add_argument("--date", default=None, help="划转生效日期 YYYY-MM-DD，不清楚可不填")

    def handle(self, *args, county, document, date, **options):
        place = jurisdiction_argument(county)
        basis = document_argument(document)
        on = date_argument(date)
        try:
            created = county_derive(county=place, document=basis, effective_on=on)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        self.stdout.write(f"{place.name}：新建 {len(created)} 个事项（含子项）。")
