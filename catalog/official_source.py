"""Reads the gazette text of notice 朔政发〔2022〕20号 (sources/) into rows.

The text is the verbatim extraction of the printed tables: tab-separated rows,
the header line repeated at every page break, section headings and footnotes
between them. This module only reads; `catalog/seed.py` turns the rows into the
register and the 2022 edition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from catalog.rows import COLUMNS, SECTION1_COLUMNS, SECTION2_COLUMNS, ReadRow

SOURCE_PATH = Path(settings.BASE_DIR) / "sources" / "shuozhou-2022-notice-20.txt"

# The header line, repeated at every page break of the printed tables.
HEADERS = (list(SECTION1_COLUMNS), list(SECTION2_COLUMNS))


# A row of the gazette's tables (its sheet is "").
SourceRow = ReadRow


@dataclass(frozen=True)
class DocumentRef:
    number: str
    title: str


@dataclass
class OfficialCatalogue:
    notice_number: str
    notice_title: str
    notice_date: str
    title: str
    section1_heading: str
    section2_heading: str
    notes: list[str]
    rows: list[SourceRow] = field(default_factory=list)
    documents: list[DocumentRef] = field(default_factory=list)

    def section(self, number: int) -> list[SourceRow]:
        return [row for row in self.rows if row.section == number]


_DOC_REF = re.compile(r"《(?P<title>[^》]+)》（(?P<number>[^）]+号)）")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def read_official(path: Path = SOURCE_PATH) -> OfficialCatalogue:
    """Parse the gazette text; raises ValueError naming the line when the text is not as expected."""
    lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").split("\n")]
    prose = [line for line in lines if line and not line.startswith("#") and "\t" not in line]

    notice_number = _first(prose, lambda s: re.fullmatch(r"朔政发〔\d{4}〕\d+号", s))
    notice_title = _first(prose, lambda s: s.startswith("关于") and s.endswith("通知")).replace(" ", "")
    date_line = _first(prose, lambda s: _DATE.match(s))
    y, m, d = _DATE.match(date_line).groups()
    title = _first(
        prose, lambda s: s.startswith("朔州市相对集中行政许可权改革") and s.endswith("）") and "附件" not in s
    )
    section1_heading = _first(prose, lambda s: s.startswith("（一）"))
    section2_heading = _first(prose, lambda s: s.startswith("（二）"))

    notes_start = prose.index("备注：")
    notes_end = prose.index(section2_heading)
    notes = prose[notes_start:notes_end]

    catalogue = OfficialCatalogue(
        notice_number=notice_number,
        notice_title=f"朔州市人民政府{notice_title}",
        notice_date=f"{int(y):04d}-{int(m):02d}-{int(d):02d}",
        title=title,
        section1_heading=section1_heading,
        section2_heading=section2_heading,
        notes=notes,
    )
    for note in notes:
        for match in _DOC_REF.finditer(note):
            catalogue.documents.append(DocumentRef(number=match["number"], title=match["title"]))

    section = 0
    counters = {1: 0, 2: 0}
    number = 0
    for lineno, line in enumerate(lines, start=1):
        if line == section1_heading:
            section = 1
        elif line == section2_heading:
            section = 2
        if "\t" not in line:
            continue
        cells = line.split("\t")
        if cells in HEADERS:
            continue  # the header repeated at a page break
        expected = len(COLUMNS[section]) if section else 0
        if section == 0 or len(cells) != expected:
            raise ValueError(f"line {lineno}: expected {expected} cells in section {section}, got {len(cells)}")
        if section == 2:
            cells.insert(2, "")  # section (二) has no sub-item column
        first = cells[0] != ""
        if first:
            number = int(cells[0])
        elif section != 1 or number == 0:
            raise ValueError(f"line {lineno}: a row without 序号 that does not continue a main item")
        counters[section] += 1
        catalogue.rows.append(
            SourceRow(
                sheet="",
                section=section,
                row=counters[section],
                number=number,
                first_of_item=first,
                main_name=cells[1] if first else _last_main_name(catalogue.rows),
                sub_name=cells[2],
                item_type=cells[3],
                departments=cells[4],
                batch=cells[5],
                base=cells[6],
                remarks=cells[7],
            )
        )
    return catalogue


def _first(lines: list[str], test) -> str:
    for line in lines:
        if test(line):
            return line
    raise ValueError("the source text lacks an expected line")


def _last_main_name(rows: list[SourceRow]) -> str:
    return rows[-1].main_name
