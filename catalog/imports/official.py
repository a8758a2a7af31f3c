"""Importing an official-layout workbook as the next adjustment of the register.

Section (一) lists what is at the bureau, section (二) what went back to the
departments. Items are matched by name and departments (aliases count); new ones
are created; returned ones that reappear in section (一) come back; section (二)
items at the bureau are returned. An item at the bureau that the file does not
list is an error: nothing leaves the register silently. The whole file is
checked first; a valid file is applied in one transaction, ending in a draft
edition whose entries hold the cells as given.
"""

from __future__ import annotations

import datetime
import difflib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from approvals.access import can_change, check_can_cite
from approvals.bulk import ItemSpec, items_create_bulk, items_record_bulk, items_set_departments_bulk, items_update_bulk
from approvals.models import (
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemStatus,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from approvals.services import item_type_from_label
from catalog.imports.report import ImportReport, plan_report
from catalog.imports.workbook import ImportRefused, ParsedRow, ParsedWorkbook, Problem, read_workbook
from catalog.models import Edition
from catalog.publishing import edition_create_draft
from catalog.tables import COLUMNS, Row, Section, Table

PROVINCE = "省政府下放"
ACCEPTED = "承接"
Progress = Callable[[str], None]
MATCH_FIELDS = (
    "code",
    "name",
    "parent_id",
    "position",
    "status",
    "item_type",
    "in_base_catalogue",
    "remarks",
    "source_text",
    "jurisdiction_id",
)


@dataclass
class _Group:
    """One main item of the file: its rows (one, or one per sub-item)."""

    section: int
    rows: list[ParsedRow]
    item: ApprovalItem | None = None
    subs: dict[str, ApprovalItem | None] = field(default_factory=dict)

    @property
    def first(self) -> ParsedRow:
        return self.rows[0]

    @property
    def has_subs(self) -> bool:
        return self.section == 1 and any(row.sub_name for row in self.rows)


def import_official(
    path: str | Path,
    *,
    slug: str,
    title: str | None = None,
    jurisdiction: Jurisdiction | None = None,
    document: PolicyDocument | None = None,
    effective_on: datetime.date | None = None,
    user=None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the file against the register and, unless `dry_run`, apply it; raises ImportRefused."""
    say = progress or (lambda message: None)
    path = Path(path)
    jurisdiction = jurisdiction or Jurisdiction.objects.get(code=settings.DEFAULT_JURISDICTION)
    effective_on = effective_on or datetime.date.today()
    say(_("正在读取 %(name)s……") % {"name": path.name})
    parsed = read_workbook(path, progress=say)
    say(_("已读取 %(rows)d 行，正在与登记册比对……") % {"rows": len(parsed.rows)})
    if dry_run:
        plan = _Plan(parsed, jurisdiction, slug, document)
        plan.check(user=user, title=title or parsed.title)
        return plan_report(plan, dry_run)
    try:
        with transaction.atomic():
            # One import per register at a time: a second one waits here, then checks the file
            # against what the first wrote (so the same new item is matched, not created twice).
            Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).exists()
            plan = _Plan(parsed, jurisdiction, slug, document)
            plan.check(user=user, title=title or parsed.title)
            report = plan_report(plan, dry_run)
            plan.apply(title or parsed.title, effective_on, user, say)
    except (ValidationError, PermissionDenied) as error:
        # A rule of the services refused a write: the transaction is rolled back, report it like any problem.
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        raise ImportRefused([Problem("", None, None, message) for message in messages]) from None
    say(_("已生成草稿版本“%(slug)s”。") % {"slug": slug})
    return report


class _Plan:
    def __init__(self, parsed: ParsedWorkbook, jurisdiction: Jurisdiction, slug: str, document):
        self.parsed, self.jurisdiction, self.slug, self.document = parsed, jurisdiction, slug, document
        self.problems: list[Problem] = []
        self.departments = _department_names(jurisdiction)
        self.batches = {d.batch_label: d for d in PolicyDocument.objects.exclude(batch_label="")}
        self.groups = _groups(parsed)
        self.changes: dict[int, dict] = {}
        self.moves: dict[int, list[Department]] = {}
        self.department_ids: dict[int, tuple[int, ...]] = {}

    def problem(self, row: ParsedRow, column: str, message: str) -> None:
        self.problems.append(Problem(row.sheet, row.row, column, message))

    def check(self, *, user=None, title: str = "") -> None:
        if user is not None and not can_change(user, self.jurisdiction.pk):
            raise ImportRefused([Problem("", None, None, _("您只能修改本辖区的事项登记。"))])
        try:
            check_can_cite(user, self.document)
        except PermissionDenied as refusal:
            raise ImportRefused([Problem("", None, None, str(refusal))]) from None
        if Edition.objects.filter(slug=self.slug).exists():
            self.problems.append(Problem("", None, None, _("版本代码“%(slug)s”已存在。") % {"slug": self.slug}))
        try:
            validate_slug(self.slug)
        except ValidationError:
            self.problems.append(
                Problem(
                    "", None, None, _("版本代码“%(slug)s”只能由字母、数字、连字符和下划线组成。") % {"slug": self.slug}
                )
            )
        if not title.strip():
            self.problems.append(Problem("", None, None, _("工作簿没有标题行，请用 --title 指定版本标题。")))
        for group in self.groups:
            for row in group.rows:
                self._check_cells(row)
        if not self.problems:
            self._match()
        if self.problems:
            raise ImportRefused(self.problems[:200])

    def _column(self, row: ParsedRow, index: int) -> str:
        return COLUMNS[row.section][index - (1 if row.section == 2 and index > 1 else 0)]

    def _check_cells(self, row: ParsedRow) -> None:
        for name in row.departments.split("、"):
            if name == PROVINCE or name in self.departments:
                continue
            close = difflib.get_close_matches(name, list(self.departments), n=3, cutoff=0.4)
            hint = _("最接近的已知部门：%(names)s。") % {"names": "、".join(close)} if close else ""
            self.problem(row, self._column(row, 4), _("未知的部门“%(name)s”。") % {"name": name} + hint)
        if row.batch != ACCEPTED and row.batch not in self.batches:
            known = "、".join([*self.batches, ACCEPTED])
            self.problem(
                row,
                self._column(row, 5),
                _("未知的划转情况“%(value)s”（没有登记对应的政策文件），应为：%(known)s。")
                % {"value": row.batch, "known": known},
            )

    def _departments(self, row: ParsedRow) -> list[Department]:
        return [self.departments[name] for name in row.departments.split("、") if name != PROVINCE]

    def _match(self) -> None:
        # Only what matching needs, in two queries: a province's register must not load its long texts here.
        register = list(ApprovalItem.objects.filter(jurisdiction=self.jurisdiction).only(*MATCH_FIELDS))
        links = defaultdict(list)
        rows = ItemDepartment.objects.filter(item__jurisdiction=self.jurisdiction).order_by("item_id", "position")
        for item_id, department_id in rows.values_list("item_id", "department_id").iterator(chunk_size=5000):
            links[item_id].append(department_id)
        by_key, by_name, subs = {}, defaultdict(list), {}
        for item in register:
            self.department_ids[item.pk] = tuple(links.get(item.pk, ()))
            if item.parent_id:
                subs[(item.parent_id, item.name)] = item
                continue
            key = (item.name, self.department_ids[item.pk])
            by_key[key] = item
            by_name[item.name].append(item)
        self.register = {item.pk: item for item in register}
        self.children = defaultdict(list)
        for item in register:
            if item.parent_id:
                self.children[item.parent_id].append(item)
        seen: dict[int, ParsedRow] = {}
        for group in self.groups:
            row = group.first
            key = (row.main_name, tuple(d.pk for d in self._departments(row)))
            item = by_key.get(key)
            if item is None and len(by_name.get(row.main_name, [])) == 1:
                item = by_name[row.main_name][0]
                self.moves[item.pk] = self._departments(row)
            if item is not None:
                if item.pk in seen:
                    self.problem(
                        row,
                        self._column(row, 1),
                        _("与第 %(other)d 行是同一事项，重复列出。") % {"other": seen[item.pk].row},
                    )
                    continue
                seen[item.pk] = row
                self._check_status(group, item)
            group.item = item
            if group.has_subs:
                for sub_row in group.rows:
                    group.subs[sub_row.sub_name] = subs.get((item.pk, sub_row.sub_name)) if item else None
            if item is not None:
                self._compare(item, row, group)
        listed = {g.item.pk for g in self.groups if g.item} | {s.pk for g in self.groups for s in g.subs.values() if s}
        # A main item returned in section (二) takes its sub-items along.
        listed |= {c.pk for g in self.groups if g.section == 2 and g.item for c in self.children[g.item.pk]}
        missing = [item for item in register if item.status == ItemStatus.BUREAU and item.pk not in listed]
        if missing:
            names = "、".join(f"{item.code} {item.name}" for item in missing[:50])
            more = _("等 %(n)d 项") % {"n": len(missing)} if len(missing) > 50 else ""
            self.problems.append(
                Problem(
                    "",
                    None,
                    None,
                    _(
                        "登记册中由审批服务管理局实施的以下事项在文件的两部分中都没有列出，"
                        "请列入第一部分或第二部分：%(names)s%(more)s。"
                    )
                    % {"names": names, "more": more},
                )
            )
        if self.document is None and any(
            g.section == 2 and g.item and g.item.status == ItemStatus.BUREAU for g in self.groups
        ):
            self.problems.append(
                Problem("", None, None, _("本次调整包含退回原部门的事项，请用 --document 指定依据文件。"))
            )

    def _check_status(self, group: _Group, item: ApprovalItem) -> None:
        if item.status in (ItemStatus.CANCELLED, ItemStatus.DEVOLVED):
            self.problem(
                group.first,
                self._column(group.first, 1),
                _("事项“%(code)s”已%(status)s，不能再列入目录。")
                % {"code": item.code, "status": item.get_status_display()},
            )

    def _compare(self, item: ApprovalItem, row: ParsedRow, group: _Group) -> None:
        if group.has_subs:
            # A main item with sub-items prints its sub-items' cells: compare each sub-item with its row.
            for sub_row in group.rows:
                sub = group.subs.get(sub_row.sub_name)
                if sub is not None:
                    self._compare_one(sub, sub_row)
                    departments = self._departments(sub_row)
                    if self.department_ids[sub.pk] != tuple(d.pk for d in departments):
                        self.moves[sub.pk] = departments
            return
        self._compare_one(item, row)

    def _compare_one(self, item: ApprovalItem, row: ParsedRow) -> None:
        values = {"item_type": item_type_from_label(row.item_type), "in_base_catalogue": row.base == "基本目录事项"}
        if row.section == 1:
            values["remarks"] = row.remarks  # in section (二) the remark 退回 is the status, not a remark
        changed = {name: value for name, value in values.items() if getattr(item, name) != value}
        if changed:
            self.changes[item.pk] = changed

    def apply(self, title: str, effective_on: datetime.date, user, say: Progress) -> None:
        new = [g for g in self.groups if g.item is None]
        say(_("新建 %(n)d 个事项……") % {"n": len(new)})
        specs = [self._spec(g) for g in new]
        for group in self.groups:
            if group.item is not None:
                for name, sub in group.subs.items():
                    if sub is None:
                        row = next(r for r in group.rows if r.sub_name == name)
                        specs.append(self._sub_spec(row, parent=group.item))
        created = items_create_bulk(jurisdiction=self.jurisdiction, specs=specs, user=user)
        by_parent = defaultdict(list)
        mains = [item for item in created if item.parent_id is None]
        for item in created:
            if item.parent_id:
                by_parent[item.parent_id].append(item)
        for group, item in zip(new, mains, strict=False):
            group.item = item
            for sub in by_parent.get(item.pk, []):
                group.subs[sub.name] = sub
        for group in self.groups:
            for sub in by_parent.get(group.item.pk, []):
                group.subs[sub.name] = sub

        say(_("登记划转记录……"))
        # New items came under their batch's document, on its date; returned ones come back now.
        intake: dict[tuple[str, int | None, bool], list[ApprovalItem]] = defaultdict(list)
        returns: list[ApprovalItem] = []
        for group in self.groups:
            targets = [item for item in [group.item, *group.subs.values()] if item is not None]
            if group.section == 2:
                targets += [c for c in self.children.get(group.item.pk, []) if c not in targets]
            batch = group.first.batch
            kind = Transfer.Kind.ACCEPT if batch == ACCEPTED else Transfer.Kind.TRANSFER
            document_id = None if batch == ACCEPTED else self.batches[batch].pk
            for item in targets:
                if item.status == ItemStatus.PENDING:
                    intake[(kind, document_id, True)].append(item)
                elif item.status == ItemStatus.RETURNED and group.section == 1:
                    intake[(kind, document_id, False)].append(item)
            if group.section == 2:
                returns.extend(item for item in targets if item.status in (ItemStatus.PENDING, ItemStatus.BUREAU))
        documents = {d.pk: d for d in self.batches.values()}
        for (kind, document_id, fresh), items in intake.items():
            document = documents.get(document_id)
            when = (document.issued_on if document else None) if fresh else effective_on
            items_record_bulk(kind, items=items, effective_on=when, document=document, user=user)
        items_record_bulk(
            Transfer.Kind.RETURN, items=returns, effective_on=effective_on, document=self.document, user=user
        )

        say(_("更新变更的事项……"))
        # The audit history copies every field of a changed item: read those items whole.
        whole = ApprovalItem.objects.in_bulk(list(self.changes))
        items_update_bulk([(whole[pk], values) for pk, values in self.changes.items()], user=user)
        items_set_departments_bulk([(self.register[pk], departments) for pk, departments in self.moves.items()])

        say(_("写入草稿版本……"))
        table = Table(
            title=title,
            sections=[
                Section(1, self.parsed.headings.get(1, ""), self._rows(1), self.parsed.notes),
                Section(2, self.parsed.headings.get(2, ""), self._rows(2)),
            ],
        )
        edition_create_draft(
            slug=self.slug,
            table=table,
            jurisdiction=self.jurisdiction,
            document=self.document,
            published_on=effective_on,
        )

    def _rows(self, section: int) -> list[Row]:
        rows = []
        for group in self.groups:
            if group.section != section:
                continue
            for row in group.rows:
                item = group.subs.get(row.sub_name) if group.has_subs else group.item
                rows.append(
                    Row(
                        row.number,
                        row.main_name,
                        row.sub_name,
                        row.item_type,
                        row.departments,
                        row.batch,
                        row.base,
                        row.remarks,
                        item.code,
                    )
                )
        return rows

    def _spec(self, group: _Group) -> ItemSpec:
        row = group.first
        spec = self._sub_spec(row)
        spec.name = row.main_name
        spec.remarks = row.remarks if row.section == 1 and not group.has_subs else ""
        if group.has_subs:
            spec.children = [self._sub_spec(r) for r in group.rows]
        return spec

    def _sub_spec(self, row: ParsedRow, parent: ApprovalItem | None = None) -> ItemSpec:
        return ItemSpec(
            name=row.sub_name or row.main_name,
            item_type=item_type_from_label(row.item_type),
            departments=self._departments(row),
            in_base_catalogue=row.base == "基本目录事项",
            remarks=row.remarks if row.section == 1 else "",
            source_text=PROVINCE if PROVINCE in row.departments.split("、") else "",
            parent=parent,
        )


def _department_names(jurisdiction: Jurisdiction) -> dict[str, Department]:
    """Every name a department goes by (as `Department.objects.named`), read in one go instead of per row."""
    names = {}
    for department in jurisdiction.departments.prefetch_related("aliases"):
        if department.full_name:
            names.setdefault(department.full_name, department)
        for alias in department.aliases.all():
            names[alias.name] = department
    for department in jurisdiction.departments.all():
        names[department.short_name] = department  # a short name wins over another department's alias
    return names


def _groups(parsed: ParsedWorkbook) -> list[_Group]:
    groups: list[_Group] = []
    for row in parsed.rows:
        if row.first_of_item or not groups:
            groups.append(_Group(section=row.section, rows=[row]))
        else:
            groups[-1].rows.append(row)
    return groups
