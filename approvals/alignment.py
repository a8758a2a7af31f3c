"""How far a county's register matches the city's (市县两级划转事项基本统一、上下衔接顺畅).

A county item "derives from" the city item it was copied from. The report lists
the city items at the bureau that the county has not transferred, the county's
transfers the city does not make, and derived items whose name, type or status
differ from their city item, plus those flagged for review after a city edition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from approvals.models import ApprovalItem, ItemDepartment, ItemStatus, Jurisdiction
from spreadsheets.cells import clean_text
from spreadsheets.heights import row_height, row_height_function, span_width

MISSING = "missing"
EXTRA = "extra"
DIFFERENT = "different"
REVIEW = "review"
CATEGORIES = {
    MISSING: _("市级已划转、本级未划转"),
    EXTRA: _("本级已划转、市级未划转"),
    DIFFERENT: _("与对应市级事项不一致"),
    REVIEW: _("市级新版本后待核对"),
}
FONT_SIZE = 11  # xlsxwriter's default font, in points
COLUMNS = ("类别", "市级事项编码", "市级事项名称", "本级事项编码", "本级事项名称", "差异")


@dataclass(frozen=True)
class Gap:
    category: str
    city_code: str
    city_name: str
    county_code: str
    county_name: str
    detail: str

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


@dataclass
class Alignment:
    county: Jurisdiction
    gaps: list[Gap] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Gaps per category, every category listed (zero included) so that a clean county says so."""
        return {category: sum(1 for g in self.gaps if g.category == category) for category in CATEGORIES}

    def by_category(self) -> list[tuple[str, list[Gap]]]:
        return [(str(label), [g for g in self.gaps if g.category == c]) for c, label in CATEGORIES.items()]


def _items(jurisdiction: Jurisdiction):
    links = Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department"))
    return ApprovalItem.objects.filter(jurisdiction=jurisdiction).prefetch_related(links).order_by("code")


def alignment_report(county: Jurisdiction) -> Alignment:
    """Compare the county's register with its city's, item by item."""
    report = Alignment(county=county)
    city = county.parent
    if city is None:
        return report
    city_items = {item.pk: item for item in _items(city)}
    county_items = list(_items(county).select_related("derived_from"))
    derived = {item.derived_from_id: item for item in county_items if item.derived_from_id}

    for city_item in city_items.values():
        mine = derived.get(city_item.pk)
        if city_item.status == ItemStatus.BUREAU and (mine is None or mine.status != ItemStatus.BUREAU):
            detail = str(_("本级没有对应事项")) if mine is None else str(mine.get_status_display())
            report.gaps.append(
                Gap(
                    MISSING,
                    city_item.code,
                    city_item.name,
                    getattr(mine, "code", ""),
                    getattr(mine, "name", ""),
                    detail,
                )
            )
    for item in county_items:
        source = city_items.get(item.derived_from_id)
        if item.status == ItemStatus.BUREAU and (source is None or source.status != ItemStatus.BUREAU):
            detail = str(_("市级没有对应事项")) if source is None else str(source.get_status_display())
            report.gaps.append(
                Gap(EXTRA, getattr(source, "code", ""), getattr(source, "name", ""), item.code, item.name, detail)
            )
        if source is not None:
            differences = []
            if item.name != source.name:
                differences.append(f"名称：{source.name} → {item.name}")
            if item.item_type != source.item_type:
                differences.append(f"类型：{source.get_item_type_display()} → {item.get_item_type_display()}")
            if item.status != source.status:
                differences.append(f"状态：{source.get_status_display()} → {item.get_status_display()}")
            if differences:
                report.gaps.append(
                    Gap(DIFFERENT, source.code, source.name, item.code, item.name, "；".join(differences))
                )
        if item.review_reason:
            report.gaps.append(
                Gap(
                    REVIEW,
                    getattr(source, "code", ""),
                    getattr(source, "name", ""),
                    item.code,
                    item.name,
                    item.review_reason,
                )
            )
    return report


def write_alignment_xlsx(report: Alignment, out) -> None:
    """The alignment report as a workbook: a summary line, then one row per gap."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(str(_("对齐情况")))
    bold = workbook.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    line = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    widths = (22, 14, 40, 14, 40, 40)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    # LibreOffice and WPS do not grow a row for wrapped text: each row gets the height its text needs.
    full_width = (span_width(widths),)
    height_of = row_height_function(widths, FONT_SIZE)
    title = clean_text(f"{report.county.name}与{report.county.parent or ''}划转事项对齐情况")
    summary = "；".join(f"{CATEGORIES[c]} {n} 项" for c, n in report.counts().items())
    for row, text in enumerate((title, summary)):
        sheet.set_row(row, row_height((text,), full_width, FONT_SIZE))
        sheet.merge_range(row, 0, row, len(widths) - 1, text, line)
    sheet.set_row(3, height_of(COLUMNS))
    for column, text in enumerate(COLUMNS):
        sheet.write_string(3, column, text, bold)
    sheet.repeat_rows(3)
    sheet.freeze_panes(4, 0)
    for row, gap in enumerate(report.gaps, start=4):
        values = (gap.category_label, gap.city_code, gap.city_name, gap.county_code, gap.county_name, gap.detail)
        values = tuple(clean_text(str(value)) for value in values)
        sheet.set_row(row, height_of(values))
        for column, value in enumerate(values):
            sheet.write_string(row, column, value, cell)
    workbook.close()
