from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.seed import fixture_text

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "shuozhou_2022.json"


class Command(BaseCommand):
    help = "从 sources/ 中的公报原文重新生成 fixtures/shuozhou_2022.json（--check 只比较，不写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查已提交的 fixture 是否与原文一致。")

    def handle(self, *args, check: bool, **options):
        text = fixture_text()
        if check:
            if not FIXTURE.exists() or FIXTURE.read_text(encoding="utf-8") != text:
                raise CommandError("fixtures/shuozhou_2022.json 与公报原文生成的结果不一致，请运行 build_fixture。")
            self.stdout.write("fixture 与公报原文一致。")
            return
        FIXTURE.write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 {FIXTURE.relative_to(settings.BASE_DIR)}。")
