from django.core.management.base import BaseCommand, CommandError

from catalog import downloads
from catalog.models import Edition


class Command(BaseCommand):
    help = "生成已发布目录版本的下载文件（xlsx、docx、csv、json），已生成的跳过；大版本在网页上只能这样生成。"

    def add_arguments(self, parser):
        parser.add_argument("--edition", default=None, help="只处理这个版本代码（默认：全部已发布版本）")
        parser.add_argument("--again", action="store_true", help="已生成的文件也重新生成")

    def handle(self, *args, edition: str | None, again: bool, **options):
        editions = Edition.objects.published().order_by("published_on", "pk")
        if edition:
            editions = editions.filter(slug=edition)
            if not editions:
                known = "、".join(Edition.objects.published().values_list("slug", flat=True)) or "无"
                raise CommandError(f"没有版本代码为“{edition}”的已发布版本。已发布的有：{known}。")
        written = skipped = 0
        for chosen in editions:
            rows = chosen.entries.count()
            for fmt in downloads.FORMATS:
                if not again and downloads.prepared(chosen, fmt):
                    skipped += 1
                    continue
                self.stdout.write(f"“{chosen.slug}”{fmt}：{rows} 行……")

                def progress(done: int, rows=rows) -> None:
                    self.stdout.write(f"  已写 {done}/{rows} 行")

                path = downloads.prepare(chosen, fmt, progress=progress)
                self.stdout.write(f"  已生成 {path}")
                written += 1
        self.stdout.write(self.style.SUCCESS(f"完成：生成 {written} 个文件，已有 {skipped} 个。"))
