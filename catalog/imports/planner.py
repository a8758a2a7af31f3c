"""Planning an official-layout import: the file's rows checked and matched against a register snapshot.

Section (一) lists what is at the bureau, section (二) what went back to the
departments. Items are matched by name and departments (aliases count); new ones
are created; returned ones that reappear in section (一) come back; section (二)
items at the bureau are returned. An item at the bureau that the file does not
list is an error: nothing leaves the register silently. When a new row of section
(一) is probably that item renamed (renames.py), the pair is offered; a pair the clerk
confirms (`renames`, by code) matches the row to the item, whose name changes.
`make_plan` makes no query: everything it knows of the register is in the snapshot.
"""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from approvals.models import Transfer
from approvals.services import item_type_from_label
from approvals.vocabulary import ACCEPTED, IN_BASE, PROVINCE_SOURCE, ItemStatus
from catalog.imports.plan import Change, DepartmentChange, Draft, DraftRow, Intake, Listed, NewItem, Plan, Target
from catalog.imports.renames import Candidate, ProbableRename, missing_note, offer_renames
from catalog.imports.snapshot import KnownItem, Snapshot
from catalog.imports.workbook import ParsedRow, ParsedWorkbook, Problem
from catalog.models import Edition
from catalog.rows import COLUMNS


@dataclass
class _Group:
    """One main item of the file: its rows (one, or one per sub-item), and what it matched."""

    section: int
    rows: list[ParsedRow]
    item: KnownItem | None = None
    subs: dict[str, KnownItem | None] = field(default_factory=dict)

    @property
    def first(self) -> ParsedRow:
        return self.rows[0]

    @property
    def has_subs(self) -> bool:
        return self.section == 1 and any(row.sub_name for row in self.rows)


def make_plan(
    parsed: ParsedWorkbook,
    snapshot: Snapshot,
    *,
    slug: str,
    title: str | None = None,
    document_id: int | None = None,
    renames: frozenset[str] = frozenset(),
) -> Plan:
    """What importing `parsed` into the snapshot's register does, with every problem found; no query.

    `renames` are the codes of the probable renames the clerk confirmed.
    """
    return _Planner(parsed, snapshot, slug, document_id, renames).plan(title or parsed.title)


class _Planner:
    def __init__(
        self, parsed: ParsedWorkbook, snapshot: Snapshot, slug: str, document_id: int | None, renames: frozenset[str]
    ):
        self.parsed, self.snapshot, self.slug, self.document_id = parsed, snapshot, slug, document_id
        self.renames = renames
        self.offers: dict[int, ProbableRename] = {}  # missing item id → the rename offered for it
        self.renamed: dict[int, str] = {}  # item id → its new name, for the confirmed renames
        self.departments = snapshot.departments
        self.short = {department.pk: department.short_name for department in snapshot.departments.values()}
        self.groups = _groups(parsed)
        self.problems: list[Problem] = []
        self.changes: dict[int, dict[str, tuple]] = {}  # item id → field → (old, new)
        self.moves: dict[int, tuple[int, ...]] = {}  # item id → its new departments
        self.children: defaultdict[int, list[KnownItem]] = defaultdict(list)
        self.refs = itertools.count(1)

    def plan(self, title: str) -> Plan:
        self._check_edition(title)
        for group in self.groups:
            for row in group.rows:
                self._check_cells(row)
        plan = Plan(slug=self.slug, jurisdiction_id=self.snapshot.jurisdiction_id, document_id=self.document_id)
        # Rows with unknown departments or batches cannot be matched, and a row listed twice or
        # no longer listable leaves its group unplanned: then the plan is its problems alone.
        if not self._row_problems():
            self._match()
        if not self._row_problems():
            plan = self._lists(plan, title)
        return replace(plan, problems=tuple(self.problems))

    def _row_problems(self) -> bool:
        return any(problem.row is not None for problem in self.problems)

    def _problem(self, row: ParsedRow, index: int, message: str) -> None:
        # `index` counts section (一)'s columns; section (二) has no 子项名称 column.
        column = COLUMNS[row.section][index - (1 if row.section == 2 and index > 1 else 0)]
        self.problems.append(Problem(row.sheet, row.row, column, message))

    def _whole(self, message: str) -> None:
        self.problems.append(Problem("", None, None, message))

    def _check_edition(self, title: str) -> None:
        if self.slug in self.snapshot.taken_slugs:
            self._whole(_("版本代码“%(slug)s”已存在。") % {"slug": self.slug})
        try:
            validate_slug(self.slug)
        except ValidationError:
            self._whole(_("版本代码“%(slug)s”只能由字母、数字、连字符和下划线组成。") % {"slug": self.slug})
        if not title.strip():
            self._whole(_("工作簿没有标题行，请用 --title 指定版本标题。"))
        # A title or code given by hand (--title, the upload form) is checked here, one read from the file
        # where it stands in it: SQLite would store either whatever its length, PostgreSQL refuse it.
        for name, value in (("slug", self.slug), ("title", title)):
            limit = Edition._meta.get_field(name).max_length
            if len(value) > limit:
                self._whole(
                    _("%(field)s有 %(length)d 个字符，超过上限 %(limit)d 个字符。")
                    % {"field": Edition._meta.get_field(name).verbose_name, "length": len(value), "limit": limit}
                )

    def _check_cells(self, row: ParsedRow) -> None:
        for name in row.departments.split("、"):
            if name == PROVINCE_SOURCE or name in self.departments:
                continue
            close = difflib.get_close_matches(name, list(self.departments), n=3, cutoff=0.4)
            hint = _("最接近的已知部门：%(names)s。") % {"names": "、".join(close)} if close else ""
            self._problem(row, 4, _("未知的部门“%(name)s”。") % {"name": name} + hint)
        if row.batch != ACCEPTED and row.batch not in self.snapshot.batches:
            known = "、".join([*self.snapshot.batches, ACCEPTED])
            self._problem(
                row,
                5,
                _("未知的划转情况“%(value)s”（没有登记对应的政策文件），应为：%(known)s。")
                % {"value": row.batch, "known": known},
            )

    def _department_ids(self, row: ParsedRow) -> tuple[int, ...]:
        return tuple(self.departments[name].pk for name in row.departments.split("、") if name != PROVINCE_SOURCE)

    def _match(self) -> None:
        items = self.snapshot.items
        by_key: dict[tuple[str, tuple[int, ...]], KnownItem] = {}
        by_name: defaultdict[str, list[KnownItem]] = defaultdict(list)
        subs: dict[tuple[int, str], KnownItem] = {}
        for item in items:
            if item.parent_id:
                subs[(item.parent_id, item.name)] = item
                self.children[item.parent_id].append(item)
                continue
            by_key[(item.name, item.department_ids)] = item
            by_name[item.name].append(item)
        seen: dict[int, ParsedRow] = {}
        for group in self.groups:
            group.item = self._find(group.first, by_key, by_name, seen)
        # Renames are matched before sub-items: a renamed main item's sub-items match by name as usual.
        self._offer_renames(items)
        for group in self.groups:
            item = group.item
            if group.has_subs:
                for sub_row in group.rows:
                    group.subs[sub_row.sub_name] = subs.get((item.pk, sub_row.sub_name)) if item else None
            if item is not None:
                self._compare(item, group)
        self._check_missing(items)
        if self.document_id is None and any(
            g.section == 2 and g.item and g.item.status == ItemStatus.BUREAU for g in self.groups
        ):
            self._whole(_("本次调整包含退回原部门的事项，需要依据文件（导入页面选择或登记；命令行用 --document）。"))

    def _find(self, row: ParsedRow, by_key: dict, by_name: dict, seen: dict[int, ParsedRow]) -> KnownItem | None:
        departments = self._department_ids(row)
        item = by_key.get((row.main_name, departments))
        if item is None and len(by_name.get(row.main_name, [])) == 1:
            # The one item of that name, listed under other departments: they moved.
            item = by_name[row.main_name][0]
            self.moves[item.pk] = departments
        if item is None:
            return None
        if item.pk in seen:
            self._problem(row, 1, _("与第 %(other)d 行是同一事项，重复列出。") % {"other": seen[item.pk].row})
            return None
        seen[item.pk] = row
        if item.status in (ItemStatus.CANCELLED, ItemStatus.DEVOLVED):
            self._problem(
                row,
                1,
                _("事项“%(code)s”%(status)s，不能再列入目录。")
                % {"code": item.code, "status": ItemStatus(item.status).label},
            )
        return item

    def _offer_renames(self, items: tuple[KnownItem, ...]) -> None:
        matched = {group.item.pk for group in self.groups if group.item}
        missing = [i for i in items if i.parent_id is None and i.status == ItemStatus.BUREAU and i.pk not in matched]
        new = [group for group in self.groups if group.section == 1 and group.item is None]
        rows = [g.first for g in new]
        candidates = [Candidate(r.main_name, self._department_ids(r), item_type_from_label(r.item_type)) for r in rows]
        for offer, item, index in offer_renames(missing, candidates, rows, self.renames):
            self.offers[item.pk] = offer
            if offer.confirmed:
                new[index].item, self.renamed[item.pk] = item, offer.name
                if candidates[index].department_ids != item.department_ids:
                    self.moves[item.pk] = candidates[index].department_ids  # the same ones, in the file's order
        for code in sorted(self.renames - {offer.item.code for offer in self.offers.values()}):
            self._whole(_("确认改名的事项“%(code)s”在本文件中没有可能的改名，请重新预览。") % {"code": code})

    def _check_missing(self, items: tuple[KnownItem, ...]) -> None:
        groups = self.groups
        listed = {g.item.pk for g in groups if g.item} | {s.pk for g in groups for s in g.subs.values() if s}
        # A main item returned in section (二) takes its sub-items along.
        listed |= {c.pk for g in groups if g.section == 2 and g.item for c in self.children[g.item.pk]}
        missing = [item for item in items if item.status == ItemStatus.BUREAU and item.pk not in listed]
        if missing:
            names = "、".join(f"{i.code} {i.name}{missing_note(self.offers.get(i.pk))}" for i in missing[:50])
            more = _("等 %(n)d 项") % {"n": len(missing)} if len(missing) > 50 else ""
            self._whole(
                _(
                    "登记册中由审批服务管理局实施的以下事项在文件的两部分中都没有列出，"
                    "请列入第一部分或第二部分：%(names)s%(more)s。"
                )
                % {"names": names, "more": more}
            )

    def _compare(self, item: KnownItem, group: _Group) -> None:
        if item.pk in self.renamed:
            self.changes[item.pk] = {"name": (item.name, self.renamed[item.pk])}
        if not group.has_subs:
            self._compare_one(item, group.first)
            return
        # A main item with sub-items prints its sub-items' cells: compare each sub-item with its row.
        for sub_row in group.rows:
            sub = group.subs.get(sub_row.sub_name)
            if sub is not None:
                self._compare_one(sub, sub_row)
                departments = self._department_ids(sub_row)
                if sub.department_ids != departments:
                    self.moves[sub.pk] = departments

    def _compare_one(self, item: KnownItem, row: ParsedRow) -> None:
        values: dict[str, str | bool] = {
            "item_type": item_type_from_label(row.item_type),
            "in_base_catalogue": row.base == IN_BASE,
        }
        if row.section == 1:
            values["remarks"] = row.remarks  # in section (二) the remark 退回 is the status, not a remark
        changed = {name: (getattr(item, name), value) for name, value in values.items() if getattr(item, name) != value}
        if changed:
            self.changes[item.pk] = {**self.changes.get(item.pk, {}), **changed}

    def _change(self, item: KnownItem, label: str) -> Change | None:
        fields, moved = self.changes.get(item.pk, {}), self.moves.get(item.pk)
        if not fields and moved is None:
            return None
        departments = None
        if moved is not None:
            old = "、".join(self.short[pk] for pk in item.department_ids) or item.source_text
            departments = DepartmentChange(moved, old, "、".join(self.short[pk] for pk in moved))
        return Change(item.pk, item.code, label, **fields, departments=departments)

    def _lists(self, plan: Plan, title: str) -> Plan:
        added: list[NewItem] = []
        returned: list[Listed] = []
        brought_back: list[Listed] = []
        changed: list[Change] = []
        unchanged = 0
        intakes: dict[tuple[str, int | None, bool], list[Target]] = defaultdict(list)
        returns: list[Target] = []
        rows: list[DraftRow] = []
        for group in self.groups:
            first, item = group.first, group.item
            label = f"{first.main_name}（{first.departments}）"
            # What each row of the group prints, and every item the group's events apply to, with its status.
            printed: list[tuple[str, NewItem | None]]
            targets: list[tuple[Target, str]]
            if item is None:
                new = self._new_main(group, label)
                added.append(new)
                if group.has_subs:
                    children = dict(zip(_sub_names(group), new.children, strict=True))
                    printed = [("", children[row.sub_name]) for row in group.rows]
                else:
                    printed = [("", new)] * len(group.rows)
                targets = [(one, ItemStatus.PENDING) for one in [new, *new.children]]
            else:
                if group.section == 1 and item.status != ItemStatus.BUREAU:
                    brought_back.append(Listed(item.pk, item.code, label))
                elif group.section == 2 and item.status == ItemStatus.BUREAU:
                    returned.append(Listed(item.pk, item.code, label))
                elif item.pk not in self.changes and item.pk not in self.moves:
                    unchanged += 1
                changed.extend(filter(None, [self._change(item, label)]))
                by_name: dict[str, tuple[str, NewItem | None]] = {}
                targets = [(item.pk, item.status)]
                for name, sub in group.subs.items():
                    if sub is None:
                        row = next(r for r in group.rows if r.sub_name == name)
                        new_sub = self._new(row, f"{label} / {name}", parent_id=item.pk)
                        added.append(new_sub)
                        by_name[name] = ("", new_sub)
                        targets.append((new_sub, ItemStatus.PENDING))
                    else:
                        changed.extend(filter(None, [self._change(sub, f"{label} / {name}")]))
                        by_name[name] = (sub.code, None)
                        targets.append((sub.pk, sub.status))
                if group.section == 2:
                    # Section (二) lists main items only: their sub-items go back with them.
                    listed = {target for target, _status in targets}
                    targets += [(c.pk, c.status) for c in self.children[item.pk] if c.pk not in listed]
                if group.has_subs:
                    printed = [by_name[row.sub_name] for row in group.rows]
                else:
                    printed = [(item.code, None)] * len(group.rows)
            self._events(group, targets, intakes, returns)
            rows.extend(_draft_row(row, code, new) for row, (code, new) in zip(group.rows, printed, strict=True))
        return replace(
            plan,
            added=tuple(added),
            returned=tuple(returned),
            brought_back=tuple(brought_back),
            changed=tuple(changed),
            unchanged=unchanged,
            intakes=tuple(Intake(*key, items=tuple(items)) for key, items in intakes.items()),
            returns=tuple(returns),
            probable_renames=tuple(self.offers.values()),
            draft=Draft(
                title=title,
                headings=(self.parsed.headings.get(1, ""), self.parsed.headings.get(2, "")),
                notes=tuple(self.parsed.notes),
                rows=tuple(rows),
            ),
        )

    def _events(self, group: _Group, targets: list[tuple[Target, str]], intakes: dict, returns: list) -> None:
        # New items come under their batch's document, on its date; returned ones come back on the adjustment's.
        batch = group.first.batch
        kind = Transfer.Kind.ACCEPT if batch == ACCEPTED else Transfer.Kind.TRANSFER
        document_id = None if batch == ACCEPTED else self.snapshot.batches[batch].pk
        for target, status in targets:
            if status == ItemStatus.PENDING:
                intakes[(kind, document_id, True)].append(target)
            elif status == ItemStatus.RETURNED and group.section == 1:
                intakes[(kind, document_id, False)].append(target)
        if group.section == 2:
            # A new or pending item in section (二) is taken in first, then returned: its history shows both.
            returns.extend(target for target, status in targets if status in (ItemStatus.PENDING, ItemStatus.BUREAU))

    def _new(self, row: ParsedRow, label: str, parent_id: int | None = None) -> NewItem:
        return NewItem(
            ref=next(self.refs),
            label=label,
            name=row.sub_name or row.main_name,
            item_type=item_type_from_label(row.item_type),
            department_ids=self._department_ids(row),
            in_base_catalogue=row.base == IN_BASE,
            remarks=row.remarks if row.section == 1 else "",
            source_text=PROVINCE_SOURCE if PROVINCE_SOURCE in row.departments.split("、") else "",
            parent_id=parent_id,
        )

    def _new_main(self, group: _Group, label: str) -> NewItem:
        first = group.first
        main = replace(
            self._new(first, label),
            name=first.main_name,
            remarks=first.remarks if first.section == 1 and not group.has_subs else "",
        )
        if not group.has_subs:
            return main
        # One sub-item per name, as for a main item the register has: rows that repeat a name print the same one.
        firsts = {name: next(row for row in group.rows if row.sub_name == name) for name in _sub_names(group)}
        return replace(main, children=tuple(self._new(row, f"{label} / {name}") for name, row in firsts.items()))


def _sub_names(group: _Group) -> list[str]:
    """The group's sub-item names, each once, in the file's order."""
    return list(dict.fromkeys(row.sub_name for row in group.rows))


def _groups(parsed: ParsedWorkbook) -> list[_Group]:
    groups: list[_Group] = []
    for row in parsed.rows:
        if row.first_of_item or not groups:
            groups.append(_Group(section=row.section, rows=[row]))
        else:
            groups[-1].rows.append(row)
    return groups


def _draft_row(row: ParsedRow, code: str, new: NewItem | None) -> DraftRow:
    return DraftRow(row.section, row.printed(code), new)
