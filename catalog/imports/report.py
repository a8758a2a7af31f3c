"""What an official-layout import does to the register, in words a clerk reads before saying yes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from approvals.models import ApprovalItem, ItemStatus


@dataclass
class ImportReport:
    slug: str
    rows: int = 0
    added: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    brought_back: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False

    def lines(self) -> list[str]:
        """What the adjustment does, with counts, for the command's output."""
        out = [
            _(
                "共 %(rows)d 行：新增 %(added)d 项，退回 %(returned)d 项，重新划转 %(back)d 项，"
                "变更 %(changed)d 项，未变 %(same)d 项。"
            )
            % {
                "rows": self.rows,
                "added": len(self.added),
                "returned": len(self.returned),
                "back": len(self.brought_back),
                "changed": len(self.changed),
                "same": self.unchanged,
            }
        ]
        for label, names in (
            (_("新增"), self.added),
            (_("退回"), self.returned),
            (_("重新划转"), self.brought_back),
            (_("变更"), self.changed),
        ):
            out.extend(f"  {label}：{name}" for name in names[:200])
            if len(names) > 200:
                out.append(_("  ……另有 %(n)d 项") % {"n": len(names) - 200})
        return out


def plan_report(plan, dry_run: bool) -> ImportReport:
    """What applying `plan` does, item by item, before anything is written."""
    report = ImportReport(slug=plan.slug, rows=len(plan.parsed.rows), dry_run=dry_run)
    for group in plan.groups:
        label = f"{group.first.main_name}（{group.first.departments}）"
        item = group.item
        if item is None:
            report.added.append(label)
        elif group.section == 1 and item.status != ItemStatus.BUREAU:
            report.brought_back.append(f"{item.code} {label}")
        elif group.section == 2 and item.status == ItemStatus.BUREAU:
            report.returned.append(f"{item.code} {label}")
        elif item.pk in plan.changes or item.pk in plan.moves:
            report.changed.append(f"{item.code} {label}：{_changed_fields(plan, item)}")
        else:
            report.unchanged += 1
        for name, sub in group.subs.items():
            if sub is None and item is not None:
                report.added.append(f"{label} / {name}")
            elif sub is not None and (sub.pk in plan.changes or sub.pk in plan.moves):
                report.changed.append(f"{sub.code} {label} / {name}：{_changed_fields(plan, sub)}")
    return report


def _changed_fields(plan, item: ApprovalItem) -> str:
    """What changes, old → new, e.g. 事项类型：行政许可→行政确认."""
    parts = []
    for name, value in plan.changes.get(item.pk, {}).items():
        model_field = ApprovalItem._meta.get_field(name)
        old, new = getattr(item, name), value
        if model_field.choices:
            labels = dict(model_field.choices)
            old, new = labels.get(old, old), labels.get(new, new)
        elif isinstance(value, bool):
            old, new = (_("是") if old else _("否")), (_("是") if new else _("否"))
        parts.append(f"{model_field.verbose_name}：{old or '—'}→{new or '—'}")
    if item.pk in plan.moves:
        short = {d.pk: d.short_name for d in plan.departments.values()}
        old = "、".join(short[pk] for pk in plan.department_ids[item.pk]) or item.source_text
        names = "、".join(d.short_name for d in plan.moves[item.pk])
        parts.append(f"{_('划转部门')}：{old}→{names}")
    return "；".join(parts)
