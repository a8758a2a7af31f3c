"""The 2022 exports as a reader's office suite shows them: LibreOffice prints the workbook and the Word
attachment to PDF, and poppler reads back what is on each page.

LibreOffice keeps the row heights a workbook gives: a row too low for its wrapped text lets the
text overprint the rows around it, which is where a name stops being readable. Needs `soffice`
and `pdftotext`; skipped without them unless REQUIRE_LIBREOFFICE=1 (CI sets it).
"""

import csv
import html
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import transaction

from approvals.models import Jurisdiction
from catalog.adjustment_notice import write_notice_xlsx
from catalog.adjustment_notice_docx import write_notice_docx
from catalog.adjustments import editions_diff
from catalog.models import Edition
from catalog.publishing import edition_compile
from tests import official_text
from tests.conftest import make_user, require
from tests.test_publishing import DAY, adjust, make_notice

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("libreoffice")]  # one worker renders, once

NOTICE_TITLE = "朔州市相对集中行政许可权改革市级划转事项调整目录（2024年版）"
NOTICE_NAMES: set[str] = set()  # the adjustment's item names, filled in by the pdfs fixture

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, django_db_setup, django_db_blocker) -> dict[str, Path]:
    """The 2022 edition's xlsx and docx, and the adjustment notice's attachment after a realistic 2024 adjustment
    (tests.test_publishing.adjust, rolled back afterwards) as xlsx and docx, printed to PDF by one LibreOffice run
    for the module: each start of LibreOffice costs seconds."""
    available = all(shutil.which(tool) for tool in ("soffice", "pdftotext"))
    require("REQUIRE_LIBREOFFICE", available, "需要 LibreOffice（soffice）和 poppler（pdftotext）")
    folder = tmp_path_factory.mktemp("render")
    sources = [folder / "2022.xlsx", folder / "2022.docx", folder / "notice.xlsx", folder / "notice.docx"]
    with django_db_blocker.unblock():
        for source in sources[:2]:
            call_command("export_catalogue", "-o", str(source), "--edition", "2022", "--format", source.suffix[1:])
        with transaction.atomic():
            city = Jurisdiction.objects.get(code="shuozhou")
            notice = make_notice()
            adjust(city, notice, make_user("clerk", groups=["经办人"]))
            new = edition_compile(slug="2024", title=NOTICE_TITLE, jurisdiction=city, on=DAY, document=notice)
            adjustment = editions_diff(Edition.objects.get(slug="2022"), new)
            write_notice_xlsx(adjustment, sources[2])
            write_notice_docx(adjustment, sources[3])
            NOTICE_NAMES.update(
                re.sub(r"\s+", "", part) for change in adjustment.changes for part in change.name.split("／")
            )
            transaction.set_rollback(True)
    return _to_pdf(folder, sources)


def _to_pdf(folder: Path, sources: list[Path]) -> dict[str, Path]:
    """Each source printed to PDF beside it, by its extension."""
    profile = folder / "profile"  # its own profile: another LibreOffice running elsewhere does not get in the way
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(folder), *map(str, sources)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {f"{source.stem}.{source.suffix[1:]}": source.with_suffix(".pdf") for source in sources}


def _pages(pdf: Path) -> list[str]:
    """Each page's text in the order it was drawn, without white space (names wrap across lines)."""
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f")]


def _names() -> set[str]:
    rows = official_text.table_rows()
    names = {name for row in rows[1] for name in row[1:3]} | {row[1] for row in rows[2]}
    return {re.sub(r"\s+", "", name) for name in names if name}


def _overprinted(pdf: Path) -> list[tuple[int, str, str]]:
    """Pairs of words drawn over each other, with their page."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    found = []
    for number, page in enumerate(boxes.split("<page ")[1:], start=1):
        words = [(*map(float, match[:4]), html.unescape(match[4])) for match in WORD.findall(page)]
        for i, (x0, y0, x1, y1, text) in enumerate(words):
            for u0, v0, u1, v1, other in words[i + 1 :]:
                if min(x1, u1) - max(x0, u0) > 0.5 and min(y1, v1) - max(y0, v0) > 0.5:
                    found.append((number, text, other))
    return found


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_every_item_name_appears_whole_on_a_page(pdfs, fmt):
    pages = _pages(pdfs[f"2022.{fmt}"])
    assert len(pages) > 3
    assert sorted(name for name in _names() if not any(name in page for page in pages)) == []


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_no_text_is_drawn_over_other_text(pdfs, fmt):
    # Before rows had heights, 67 pairs of words overprinted each other in the workbook's PDF.
    assert _overprinted(pdfs[f"2022.{fmt}"]) == []


def test_every_page_of_the_word_attachment_repeats_the_table_header(pdfs):
    pages = [page for page in _pages(pdfs["2022.docx"]) if page]
    assert len(pages) > 10
    assert [i for i, page in enumerate(pages, 1) if "序号" not in page or "对应基本目录情况" not in page] == []
    assert pages[0].startswith("附件朔州市相对集中行政许可权改革市级划转事项调整目录（2022年版）（一）")


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_every_item_name_of_the_adjustment_notice_appears_whole_on_a_page(pdfs, fmt):
    pages = _pages(pdfs[f"notice.{fmt}"])
    assert len(NOTICE_NAMES) == 9
    assert sorted(name for name in NOTICE_NAMES if not any(name in page for page in pages)) == []
    assert "朔州市相对集中行政许可权改革市级划转事项调整对照表（2022年版→2024年版）" in pages[0]


def test_libreoffice_reads_every_csv_cell_when_told_utf8_and_the_mark_is_not_text(pdfs):
    # Without the encoding, `soffice --convert-to` reads a CSV as Windows-1252 (catalog/exports/csv.py).
    folder = pdfs["2022.xlsx"].parent
    source = folder / "2022.csv"
    call_command("export_catalogue", "-o", str(source), "--edition", "2022", "--format", "csv")
    profile = folder / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--infilter=CSV:44,34,76"]
        + ["--convert-to", "xlsx", "--outdir", str(folder / "from-csv"), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    sheet = openpyxl.load_workbook(folder / "from-csv" / "2022.xlsx").active
    read = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    with open(source, encoding="utf-8-sig", newline="") as text:
        written = list(csv.reader(text))
    assert read[0][:3] == ["部分", "序号", "主项名称"]
    assert [row[: len(written[0])] for row in read] == written
