"""Charts of the catalogue: bar charts as inline SVG drawn on the server, each with its numbers as a table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from approvals.models import ApprovalItem, ItemDepartment, ItemStatus, ItemType, Jurisdiction

BAR_HEIGHT = 22
LABEL_WIDTH = 190
CHART_WIDTH = 640


@dataclass
class Chart:
    slug: str
    title: str
    rows: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _label, n in self.rows)

    def svg(self) -> SafeString:
        """A horizontal bar chart; every text is escaped, the numbers are printed at the end of each bar."""
        largest = max((n for _label, n in self.rows), default=0) or 1
        width = CHART_WIDTH - LABEL_WIDTH - 50
        height = BAR_HEIGHT * len(self.rows) + 10
        parts = [
            f'<svg class="chart" role="img" aria-labelledby="{self.slug}-title" viewBox="0 0 {CHART_WIDTH} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{self.slug}-title">{escape(self.title)}</title>'
        ]
        for index, (label, n) in enumerate(self.rows):
            y = index * BAR_HEIGHT + 5
            bar = max(1, round(width * n / largest))
            parts.append(
                f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" class="chart-label">{escape(label)}</text>'
                f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{bar}" height="{BAR_HEIGHT - 6}" class="chart-bar"/>'
                f'<text x="{LABEL_WIDTH + bar + 6}" y="{y + 15}" class="chart-value">{n}</text>'
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308  every inserted text went through escape()


def charts(jurisdiction: Jurisdiction | None) -> list[Chart]:
    """Main items at the bureau per department, per type and per transfer batch."""
    items = ApprovalItem.objects.main_items().filter(status=ItemStatus.BUREAU)
    links = ItemDepartment.objects.filter(item__parent__isnull=True, item__status=ItemStatus.BUREAU, position=0)
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
        links = links.filter(item__jurisdiction=jurisdiction)
    by_department = list(
        links.values_list("department__short_name").annotate(n=Count("pk")).order_by("-n", "department__position")
    )
    accepted = items.filter(intake__kind="accept").count()
    if accepted:
        by_department.append((_("省政府下放（承接）"), accepted))
    types = dict(ItemType.choices)
    by_type = [
        (str(types[value]), n) for value, n in items.values_list("item_type").annotate(n=Count("pk")).order_by("-n")
    ]
    batches = (
        items.values_list("intake__document__batch_label")
        .annotate(n=Count("pk", filter=~Q(intake__kind="accept")))
        .order_by(F("intake__document__issued_on").asc(nulls_first=True))
    )
    by_batch = [(label or _("承接"), n) for label, n in batches if n] + ([(_("承接"), accepted)] if accepted else [])
    return [
        Chart("departments", _("各部门划转事项数"), by_department),
        Chart("types", _("各类型划转事项数"), by_type),
        Chart("batches", _("各批次划转事项数"), by_batch),
    ]
