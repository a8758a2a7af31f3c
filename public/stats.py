"""Charts of the catalogue: bar charts as inline SVG drawn on the server, each with its numbers as a table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from approvals.models import ApprovalItem, Department, ItemType, Jurisdiction

BAR_HEIGHT = 22
LABEL_WIDTH = 190
CHART_WIDTH = 640


@dataclass
class Chart:
    """A bar chart of main items (主项); `items`, when given, is its total where one item may have two bars."""

    slug: str
    title: str
    rows: list[tuple[str, int]]
    items: int | None = None
    note: str = ""

    @property
    def total(self) -> int:
        return self.items if self.items is not None else sum(n for _label, n in self.rows)

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
    """Main items (主项) at the bureau per department, per type and per transfer batch.

    Per department as `DepartmentQuerySet.with_item_counts` counts them, like the admin and the API:
    an item of two departments counts for each, so the chart's total is the number of main items,
    not the sum of its bars. Items without a department (accepted from the province) have a bar of
    their own. Across all jurisdictions, departments of the same short name share a bar.
    """
    items = ApprovalItem.objects.main_items().at_bureau()
    departments = Department.objects.with_item_counts().filter(items_at_bureau__gt=0)
    if jurisdiction is not None:
        items = items.filter(jurisdiction=jurisdiction)
        departments = departments.filter(jurisdiction=jurisdiction)
    per_name: dict[str, int] = {}
    for name, n in departments.order_by("-items_at_bureau", "position", "pk").values_list(
        "short_name", "items_at_bureau"
    ):
        per_name[name] = per_name.get(name, 0) + n
    by_department = sorted(per_name.items(), key=lambda pair: -pair[1])
    without = items.filter(department_links__isnull=True).count()
    if without:
        by_department.append((_("省政府下放（承接）"), without))
    accepted = items.filter(intake__kind="accept").count()
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
    total = items.count()
    shared = _("由两个以上部门共同划转的主项在每个部门各计一次，合计按主项计。")
    return [
        Chart(
            "departments",
            _("各部门在审批局实施的主项数"),
            by_department,
            items=total,
            note=shared if sum(n for _label, n in by_department) != total else "",
        ),
        Chart("types", _("各类型在审批局实施的主项数"), by_type),
        Chart("batches", _("各批次划转的主项数"), by_batch),
    ]
