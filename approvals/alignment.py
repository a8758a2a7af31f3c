"""How far a county's catalogue follows the city's, from its claims (朔政发〔2022〕20号, 晋政办发〔2022〕75号).

Every main item of the city's register at the city bureau (approvals/claims.py: `claimable_items`)
falls in exactly one category for each county: claimed (认领, at the county bureau), left with the
department (由原部门实施), declined (不认领, with its reason) or not yet decided. Counts are of main
items; their sub-items, which follow them, are counted beside. A county with no decision at all is
"尚未录入". The public /alignment/ page reads all counties in two queries (`alignment_summaries`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from approvals.claims import CLAIMABLE
from approvals.models import ApprovalItem, Claim, ItemStatus, Jurisdiction
from spreadsheets.cells import clean_text
from spreadsheets.heights import row_height, row_height_function, span_width

CLAIMED = Claim.Decision.CLAIMED.value
DEPARTMENT = Claim.Decision.DEPARTMENT.value
DECLINED = Claim.Decision.DECLINED.value
UNDECIDED = "undecided"
CATEGORIES = {
    CLAIMED: _("认领（由审批服务管理局实施）"),
    DEPARTMENT: _("由原部门实施"),
    DECLINED: _("不认领"),
    UNDECIDED: _("尚未认领"),
}
NOT_STARTED = _("尚未录入")
FONT_SIZE = 11  # xlsxwriter's default font, in points
COLUMNS = ("类别", "市级事项编码", "市级事项名称", "子项数", "本级事项编码", "本级事项名称", "不认领理由")


@dataclass(frozen=True)
class Line:
    """One city main item and where it stands for the county."""

    category: str
    city_code: str
    city_name: str
    sub_items: int
    county_code: str = ""
    county_name: str = ""
    detail: str = ""

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


@dataclass
class Summary:
    """A county's counts: main items and their sub-items per category, declined items per reason."""

    county: Jurisdiction
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    sub_items: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    reasons: dict[str, int] = field(default_factory=dict)  # reason label → declined main items

    @property
    def started(self) -> bool:
        """Whether the county has recorded any decision; otherwise its page says 尚未录入."""
        return any(n for category, n in self.counts.items() if category != UNDECIDED)

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(category, label, main items, sub-items), every category listed, zero included."""
        return [(c, str(label), self.counts[c], self.sub_items[c]) for c, label in CATEGORIES.items()]

    def text(self) -> str:
        """One line for a file, a command's output or a job's result."""
        if not self.started:
            return str(NOT_STARTED)
        parts = []
        for category, label, mains, subs in self.rows():
            part = f"{label} {mains} 项" + (f"（含子项 {subs} 个）" if subs else "")
            if category == DECLINED and self.reasons:
                part += "：" + "、".join(f"{reason} {n} 项" for reason, n in self.reasons.items())
            parts.append(part)
        return "；".join(parts)

    def _add(self, category: str, subs: int, reason: str = "") -> None:
        self.counts[category] += 1
        self.sub_items[category] += subs
        if reason:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1


@dataclass
class Alignment(Summary):
    lines: list[Line] = field(default_factory=list)

    def by_category(self) -> list[tuple[str, str, list[Line]]]:
        """(category, label, its lines) for every category, empty ones included."""
        return [(c, str(label), [g for g in self.lines if g.category == c]) for c, label in CATEGORIES.items()]


def _city_items(cities: Iterable[int]):
    """The claimable items of these cities with their sub-items at the bureau counted: one query."""
    subs = Count("children", filter=Q(children__status=ItemStatus.BUREAU))
    return ApprovalItem.objects.filter(CLAIMABLE, jurisdiction__in=set(cities)).annotate(subs=subs).order_by("code")


def _ordered_reasons(summary: Summary) -> None:
    """Reasons in the list's order (本级无相应职责权限 … 其他): the same order on every page."""
    order = {str(label): n for n, label in enumerate(Claim.Reason.labels)}
    summary.reasons = dict(sorted(summary.reasons.items(), key=lambda pair: order.get(pair[0], len(order))))


def alignment_summaries(counties: Iterable[Jurisdiction]) -> list[Summary]:
    """Each county's counts, in two queries for any number of counties (the city items, all their claims)."""
    counties = [county for county in counties if county.parent_id]
    items = list(_city_items(county.parent_id for county in counties).values_list("pk", "jurisdiction_id", "subs"))
    claims = Claim.objects.filter(county__in=counties).values_list("county_id", "city_item_id", "decision", "reason")
    decided = {(county, item): (decision, reason) for county, item, decision, reason in claims}
    summaries = []
    for county in counties:
        summary = Summary(county=county)
        for pk, city, subs in items:
            if city != county.parent_id:
                continue
            decision, reason = decided.get((county.pk, pk), (UNDECIDED, ""))
            summary._add(decision, subs, str(Claim.Reason(reason).label) if reason else "")
        _ordered_reasons(summary)
        summaries.append(summary)
    return summaries


def alignment_report(county: Jurisdiction) -> Alignment:
    """The county's decision on each city main item, with its county item; three queries."""
    report = Alignment(county=county)
    if county.parent_id is None:
        return report
    claims = {claim.city_item_id: claim for claim in Claim.objects.filter(county=county)}
    copies = {
        source: (code, name)
        for source, code, name in ApprovalItem.objects.filter(
            jurisdiction=county, parent__isnull=True, derived_from__isnull=False
        )
        .exclude(status=ItemStatus.CANCELLED)
        .values_list("derived_from_id", "code", "name")
    }
    for item in _city_items([county.parent_id]).only("code", "name"):
        claim = claims.get(item.pk)
        category = claim.decision if claim else UNDECIDED
        reason = str(Claim.Reason(claim.reason).label) if claim and claim.reason else ""
        report._add(category, item.subs, reason)
        detail = f"{reason}：{claim.reason_text}" if reason and claim.reason_text else reason
        code, name = copies.get(item.pk, ("", "")) if category in (CLAIMED, DEPARTMENT) else ("", "")
        report.lines.append(Line(category, item.code, item.name, item.subs, code, name, detail))
    _ordered_reasons(report)
    return report


def write_alignment_xlsx(report: Alignment, out) -> None:
    """The alignment report as a workbook: a summary line, then one row per city main item."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(str(_("对齐情况")))
    bold = workbook.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    line = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    widths = (22, 14, 40, 8, 14, 40, 30)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    # LibreOffice and WPS do not grow a row for wrapped text: each row gets the height its text needs.
    full_width = (span_width(widths),)
    height_of = row_height_function(widths, FONT_SIZE)
    title = clean_text(f"{report.county.name}认领{report.county.parent or ''}划转事项情况")
    summary = report.text()
    for row, text in enumerate((title, summary)):
        sheet.set_row(row, row_height((text,), full_width, FONT_SIZE))
        sheet.merge_range(row, 0, row, len(widths) - 1, text, line)
    sheet.set_row(3, height_of(COLUMNS))
    for column, text in enumerate(COLUMNS):
        sheet.write_string(3, column, text, bold)
    sheet.repeat_rows(3)
    sheet.freeze_panes(4, 0)
    for row, line in enumerate(report.lines, start=4):
        values = (
            line.category_label,
            line.city_code,
            line.city_name,
            line.sub_items or "",
            line.county_code,
            line.county_name,
            line.detail,
        )
        values = tuple(clean_text(str(value)) for value in values)
        sheet.set_row(row, height_of(values))
        for column, value in enumerate(values):
            if value:
                sheet.write_string(row, column, value, cell)
            else:
                sheet.write_blank(row, column, None, cell)
    workbook.close()
