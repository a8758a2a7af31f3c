"""What an official-layout import does to the register, in words a clerk reads before saying yes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from approvals.models import ApprovalItem
from catalog.imports.plan import Change, Plan
from catalog.imports.workbook import MAX_PROBLEMS, Problem

LISTED = 200  # names per list; a province's adjustment says how many more


@dataclass
class ImportReport:
    slug: str
    rows: int = 0
    added: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    brought_back: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # also in `changed`, as every change of a field is
    offered: list[str] = field(default_factory=list)  # probable renames not confirmed
    unchanged: int = 0
    dry_run: bool = False
    # Only a dry run reports problems: a real run with problems is refused (ImportRefused).
    problems: list[Problem] = field(default_factory=list)

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
            (_("改名"), self.renamed),
            (_("可能改名（未确认）"), self.offered),
        ):
            out.extend(f"  {label}：{name}" for name in names[:LISTED])
            if len(names) > LISTED:
                out.append(_("  ……另有 %(n)d 项") % {"n": len(names) - LISTED})
        return out


def plan_report(plan: Plan, dry_run: bool = False) -> ImportReport:
    """What applying `plan` does, item by item, before anything is written."""
    # A returned or brought-back main item is listed as such; what else changes in it is applied unsaid.
    said = {listed.item_id for listed in (*plan.returned, *plan.brought_back)}
    return ImportReport(
        slug=plan.slug,
        rows=len(plan.rows),
        added=[new.label for new in plan.added],
        returned=[f"{listed.code} {listed.label}" for listed in plan.returned],
        brought_back=[f"{listed.code} {listed.label}" for listed in plan.brought_back],
        changed=[f"{c.code} {c.label}：{changed_fields(c)}" for c in plan.changed if c.item_id not in said],
        renamed=[f"{c.code} {c.name[0]}→{c.name[1]}" for c in plan.renamed],
        offered=[
            _("%(code)s %(label)s→%(name)s（工作表“%(sheet)s”第 %(row)d 行）")
            % {"code": o.item.code, "label": o.item.label, "name": o.name, "sheet": o.sheet, "row": o.row}
            for o in plan.probable_renames
            if not o.confirmed
        ],
        unchanged=plan.unchanged,
        dry_run=dry_run,
        problems=list(plan.problems[:MAX_PROBLEMS]),
    )


def changed_fields(change: Change) -> str:
    """What changes, old → new, e.g. 事项类型：行政许可→行政确认."""
    parts = []
    for name, (old, new) in change.fields().items():
        model_field = ApprovalItem._meta.get_field(name)
        if model_field.choices:
            labels = dict(model_field.choices)
            old, new = labels.get(old, old), labels.get(new, new)
        elif isinstance(new, bool):
            old, new = (_("是") if old else _("否")), (_("是") if new else _("否"))
        parts.append(f"{model_field.verbose_name}：{old or '—'}→{new or '—'}")
    if change.departments is not None:
        parts.append(f"{_('划转部门')}：{change.departments.old}→{change.departments.new}")
    return "；".join(parts)
