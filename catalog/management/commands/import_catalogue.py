from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from approvals.management.arguments import date_argument, document_argument, jurisdiction_argument
from catalog.imports.official import import_official
from catalog.imports.workbook import ImportRefused


class Command(BaseCommand):
    help = (
        "把官方版式的目录工作簿作为登记册的下一次调整导入，并生成草稿版本。先检查整个文件，"
        "有任何问题都不写入；--dry-run 只列出将要做的调整，连同正式导入时会被拒绝的问题（有问题时以错误状态退出）。"
        "划入审批服务管理局的事件（新事项、重新划转）"
        "以“划转情况”一栏对应的政策文件为依据（“承接”登记为承接省政府下放）：新事项的生效日期为该文件的发文日期，"
        "重新划转的为 --date；第二部分的退回以 --document 指定的文件为依据、以 --date 为生效日期。"
        "文件不再列出的事项与第一部分同部门、同类型、名称相近的新事项配成“可能改名”列出，"
        "用 --rename 事项编码 确认（可重复），确认后该行即为原事项改名，不确认则仍按缺失事项和新事项处理。"
        "在管理后台也可以上传导入：目录版本 → 导入官方版式工作簿（先预览，再确认）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="官方版式的 .xlsx 文件")
        parser.add_argument("--edition", required=True, help="新草稿的版本代码，例如 2024")
        parser.add_argument("--title", default=None, help="版本标题，默认取工作簿的标题行")
        parser.add_argument("--jurisdiction", default=None, help="辖区代码，默认 shuozhou")
        parser.add_argument("--document", default=None, help="依据文件文号（须已登记），退回事件以此为依据")
        parser.add_argument("--date", default=None, help="调整的生效日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出调整，不写入")
        parser.add_argument(
            "--rename",
            action="append",
            default=[],
            metavar="CODE",
            help="确认试运行列出的可能改名（原事项编码），可重复",
        )

    def handle(self, *args, file, edition, title, jurisdiction, document, date, dry_run, rename, **options):
        place = jurisdiction_argument(jurisdiction)
        basis = document_argument(document)
        on = date_argument(date)
        try:
            report = import_official(
                file,
                slug=edition,
                title=title,
                jurisdiction=place,
                document=basis,
                effective_on=on,
                dry_run=dry_run,
                renames=frozenset(rename),
                progress=lambda message: self.stderr.write(message),
            )
        except ImportRefused as refused:
            lines = [f"  {problem}" for problem in refused.problems]
            raise CommandError("文件未导入，数据库没有任何改变。发现以下问题：\n" + "\n".join(lines)) from None
        except FileNotFoundError:
            raise CommandError(f"文件“{file}”不存在。") from None
        except DatabaseError as error:
            # The import runs in one transaction: a lost or locked database leaves nothing half-written.
            raise CommandError(
                f"数据库出错，导入已全部撤销，登记册没有任何改变：{error}。请确认数据库可用后重新导入。"
            ) from None
        self.stdout.write(("【试运行，未写入】" if dry_run else "已导入。") + "\n" + "\n".join(report.lines()))
        if report.problems:
            # The preview is printed whole; the exit status tells a script that the real import would refuse.
            lines = [f"  {problem}" for problem in report.problems]
            raise CommandError("试运行发现以下问题，正式导入时文件将被拒绝：\n" + "\n".join(lines))
