"""Element standardisation (issue 18 §3): where a county's service-guide elements differ from the city's.

朔政发〔2022〕20号 四 asks the same item to have essentially the same 申请材料、办事指南、办事流程、办理时限、
受理条件 at the same level (无差别受理、同标准办理), and 晋政办发〔2022〕75号 one source for the service guides
(办事指南同源). A county item derived from a city item (`derived_from`) is compared field by field; texts that
differ only in spacing are the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from approvals.models import GUIDE_FIELDS, ApprovalItem, Jurisdiction
from spreadsheets.cells import clean_text
from spreadsheets.heights import row_height_function

FONT_SIZE = 11  # xlsxwriter's default font, in points

# The elements compared: the service guide's (models.GUIDE_FIELDS, in its order) but the 设定依据, the city's
# alone on a claimed item.
ELEMENT_FIELDS = tuple(name for name in GUIDE_FIELDS if name != "legal_basis")
COLUMNS = ("市级事项编码", "市级事项名称", "县（市、区）", "本级事项编码", "要素", "市级", "本级")
_SPACE = re.compile(r"\s+")
EMPTY = "（空）"  # an element left blank on one side, as the page shows it


@dataclass(frozen=True)
class Difference:
    county: str
    county_code: str
    element: str
    city_value: str
    county_value: str


@dataclass
class ItemDifferences:
    code: str
    name: str
    differences: list[Difference] = field(default_factory=list)

    @property
    def counties(self) -> list[str]:
        return list(dict.fromkeys(difference.county for difference in self.differences))


def _same(a: str, b: str) -> bool:
    return _SPACE.sub("", a or "") == _SPACE.sub("", b or "")


def element_differences(jurisdiction: Jurisdiction) -> list[ItemDifferences]:
    """For the city: each city item that some county's copy states differently, with the counties and the
    differences. For a county: the same, for that county only. One query."""
    copies = ApprovalItem.objects.filter(derived_from__isnull=False)
    if jurisdiction.level == Jurisdiction.Level.COUNTY:
        copies = copies.filter(jurisdiction=jurisdiction)
    else:
        copies = copies.filter(derived_from__jurisdiction=jurisdiction)
    columns = ["code", "jurisdiction__name", "derived_from__code", "derived_from__name"]
    columns += [*ELEMENT_FIELDS, *(f"derived_from__{name}" for name in ELEMENT_FIELDS)]
    labels = {name: str(ApprovalItem._meta.get_field(name).verbose_name) for name in ELEMENT_FIELDS}
    by_item: dict[str, ItemDifferences] = {}
    rows = copies.order_by("derived_from__code", "jurisdiction__position", "code").values(*columns)
    for row in rows.iterator(chunk_size=2000):
        for name in ELEMENT_FIELDS:
            city, county = row[f"derived_from__{name}"], row[name]
            if _same(city, county):
                continue
            report = by_item.setdefault(
                row["derived_from__code"], ItemDifferences(row["derived_from__code"], row["derived_from__name"])
            )
            report.differences.append(Difference(row["jurisdiction__name"], row["code"], labels[name], city, county))
    return list(by_item.values())


def write_differences_xlsx(jurisdiction: Jurisdiction, reports: list[ItemDifferences], out) -> None:
    """The report as a workbook: one row per difference, the city's value beside the county's."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("要素差异"))
    bold = workbook.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    widths = (14, 30, 10, 14, 10, 40, 40)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    height_of = row_height_function(widths, FONT_SIZE)
    sheet.write_string(0, 0, clean_text(_("%(place)s办事指南要素与市级不一致的事项") % {"place": jurisdiction.name}))
    headings = [_(text) for text in COLUMNS]
    sheet.set_row(1, height_of(headings))
    for column, text in enumerate(headings):
        sheet.write_string(1, column, text, bold)
    sheet.repeat_rows(1)
    sheet.freeze_panes(2, 0)
    row = 2
    for report in reports:
        for difference in report.differences:
            values = (
                report.code,
                report.name,
                difference.county,
                difference.county_code,
                difference.element,
                difference.city_value or EMPTY,
                difference.county_value or EMPTY,
            )
            values = tuple(clean_text(value) for value in values)
            sheet.set_row(row, height_of(values))
            for column, value in enumerate(values):
                sheet.write_string(row, column, value, cell)
            row += 1
    workbook.close()
