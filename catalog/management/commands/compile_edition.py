import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from approvals.management.arguments import date_argument, document_argument, jurisdiction_argument
from catalog.publishing import edition_compile


class Command(BaseCommand):
    help = (
        "从登记册生成目录草稿：截至某日在审批服务管理局实施的事项，及自上一版以来退回的事项。"
        "发布须由审核人在管理后台完成。"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="新版本代码，例如 2024")
        parser.add_argument("--title", required=True, help="表格标题")
        parser.add_argument("--date", default=None, help="截至日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--jurisdiction", default="shuozhou", help="辖区代码，默认 shuozhou")
        parser.add_argument("--document", default=None, help="依据文件文号，例如 朔政发〔2024〕3号")

    def handle(self, *args, slug, title, date, jurisdiction, document, **options):
        on = date_argument(date, default=datetime.date.today())
        place = jurisdiction_argument(jurisdiction)
        basis = document_argument(document)
        try:
            edition = edition_compile(slug=slug, title=title, jurisdiction=place, on=on, document=basis)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        sections = {1: edition.section1_heading, 2: edition.section2_heading}
        self.stdout.write(f"已生成草稿“{edition.slug}”：{sections[1]}；{sections[2]}。")
