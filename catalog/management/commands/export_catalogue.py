from django.core.management.base import BaseCommand, CommandError

from catalog.exports import docx, formats
from catalog.models import Edition
from catalog.tables import edition_table

WRITERS = {**{name: writer for name, (writer, _content_type) in formats().items()}, "docx": docx.write_docx}


class Command(BaseCommand):
    help = (
        "按官方版式导出目录版本（xlsx，或 csv、json，或作为通知附件的 Word 文档 docx）；"
        "不指定 --edition 时导出最新发布的版本。"
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="输出文件")
        parser.add_argument("--edition", default=None, help="版本代码，例如 2022")
        parser.add_argument("--format", default="xlsx", choices=[*WRITERS], help="文件格式，默认 xlsx")

    def handle(self, *args, output: str, edition: str | None, format: str, **options):
        if edition:
            chosen = Edition.objects.filter(slug=edition).first()
            if chosen is None:
                known = "、".join(Edition.objects.values_list("slug", flat=True)) or "无"
                raise CommandError(f"没有版本代码为“{edition}”的目录版本。已有：{known}。")
        else:
            chosen = Edition.objects.latest_published()
            if chosen is None:
                raise CommandError("还没有发布的目录版本，请用 --edition 指定草稿。")
        writer = WRITERS[format]
        rows = chosen.entries.count()
        with open(output, "wb") as out:
            writer(edition_table(chosen), out)
        self.stdout.write(f"已导出“{chosen.slug}”{chosen.title}：{rows} 行，写入 {output}。")
