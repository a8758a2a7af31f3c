"""Importing an official-layout workbook as the next adjustment of the register.

The file is read (catalog/imports/workbook.py), the register read into a snapshot
(snapshot.py), and the adjustment planned from the two without a query (planner.py).
A dry run reports the plan, with its problems; a real run takes the register's lock,
plans against what is there then, and applies a plan without problems in one
transaction through the bulk services, ending in a draft edition whose entries hold
the cells as given.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from approvals.access import can_change, check_can_cite
from approvals.bulk import (
    ItemSpec,
    items_prepare_bulk,
    items_record_bulk,
    items_set_departments_bulk,
    items_update_bulk,
    items_write_bulk,
)
from approvals.models import ApprovalItem, Department, Jurisdiction, PolicyDocument, Transfer
from catalog.imports.plan import NewItem, Plan, Target
from catalog.imports.planner import make_plan
from catalog.imports.report import ImportReport, plan_report
from catalog.imports.snapshot import read_snapshot
from catalog.imports.workbook import MAX_PROBLEMS, ImportRefused, Problem, read_workbook
from catalog.publishing import edition_create_draft
from catalog.tables import Section, Table

Progress = Callable[[str], None]
# What events and department changes need of an existing item; a changed item is read whole for its history.
RECORD_FIELDS = ("code", "name", "parent_id", "position", "status", "jurisdiction_id")


def import_official(
    path: str | Path,
    *,
    slug: str,
    title: str | None = None,
    jurisdiction: Jurisdiction | None = None,
    document: PolicyDocument | None = None,
    effective_on: datetime.date | None = None,
    user: AbstractBaseUser | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    renames: frozenset[str] = frozenset(),
) -> ImportReport:
    """Check the file against the register and, unless `dry_run`, apply it; raises ImportRefused.

    A dry run reports the adjustment together with the problems that would refuse it, as long as
    every row was understood; a problem in a row refuses the dry run too. `renames` are the codes
    of the probable renames the clerk confirmed.
    """
    say = progress or (lambda message: None)
    path = Path(path)
    jurisdiction = jurisdiction or Jurisdiction.objects.get(code=settings.DEFAULT_JURISDICTION)
    effective_on = effective_on or datetime.date.today()
    say(_("正在读取 %(name)s……") % {"name": path.name})
    parsed = read_workbook(path, progress=say)
    say(_("已读取 %(rows)d 行，正在与登记册比对……") % {"rows": len(parsed.rows)})

    def plan() -> Plan:
        _check_access(user, jurisdiction, document)
        made = make_plan(
            parsed,
            read_snapshot(jurisdiction, slug=slug),
            slug=slug,
            title=title,
            document_id=_pk(document),
            renames=renames,
        )
        if made.problems and not (dry_run and made.previewable):
            raise ImportRefused(list(made.problems[:MAX_PROBLEMS]))
        return made

    if dry_run:
        return plan_report(plan(), dry_run=True)
    try:
        with transaction.atomic():
            # One import per register at a time: a second one waits here, then plans against what
            # the first wrote (so the same new item is matched, not created twice).
            Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).exists()
            made = plan()
            report = plan_report(made)
            apply_plan(made, jurisdiction=jurisdiction, effective_on=effective_on, user=user, progress=say)
    except (ValidationError, PermissionDenied) as error:
        # A rule of the services refused a write: the transaction is rolled back, report it like any problem.
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        raise ImportRefused([Problem("", None, None, message) for message in messages]) from None
    say(_("已生成草稿版本“%(slug)s”。") % {"slug": slug})
    return report


def _check_access(user: AbstractBaseUser | None, jurisdiction: Jurisdiction, document: PolicyDocument | None) -> None:
    if user is not None and not can_change(user, jurisdiction.pk):
        raise ImportRefused([Problem("", None, None, _("您只能修改本辖区的事项登记。"))])
    try:
        check_can_cite(user, document)
    except PermissionDenied as refusal:
        raise ImportRefused([Problem("", None, None, str(refusal))]) from None


def _pk(document: PolicyDocument | None) -> int | None:
    return document.pk if document is not None else None


def apply_plan(
    plan: Plan,
    *,
    jurisdiction: Jurisdiction,
    effective_on: datetime.date,
    user: AbstractBaseUser | None = None,
    progress: Progress | None = None,
) -> None:
    """Write a plan without problems: items, events, changes and the draft edition; the caller's transaction."""
    say = progress or (lambda message: None)
    if plan.problems or plan.draft is None or plan.jurisdiction_id != jurisdiction.pk:
        raise ValueError("only a plan without problems, made for this jurisdiction, can be applied")
    departments = Department.objects.in_bulk(
        {pk for new in _all_new(plan) for pk in new.department_ids}
        | {pk for change in plan.moved for pk in change.departments.department_ids}
    )
    documents = PolicyDocument.objects.in_bulk(
        {intake.document_id for intake in plan.intakes if intake.document_id}
        | ({plan.document_id} if plan.document_id else set())
    )
    existing = ApprovalItem.objects.only(*RECORD_FIELDS).in_bulk(
        {target for target in _targets(plan) if isinstance(target, int)}
        | {new.parent_id for new in plan.added if new.parent_id}
        | {change.item_id for change in plan.moved}
    )

    say(_("新建 %(n)d 个事项……") % {"n": sum(1 for new in plan.added if new.parent_id is None)})
    specs = [_spec(new, departments, existing) for new in plan.added]
    # Written after their events: each new item's row once, in its final status with its intake.
    new_items = items_prepare_bulk(jurisdiction=jurisdiction, specs=specs, user=user)
    created = _created(plan, new_items.items)

    def item(target: Target) -> ApprovalItem:
        return created[target.ref] if isinstance(target, NewItem) else existing[target]

    say(_("登记划转记录……"))
    for intake in plan.intakes:
        document = documents.get(intake.document_id)
        when = (document.issued_on if document else None) if intake.fresh else effective_on
        items_record_bulk(
            intake.kind,
            items=[item(t) for t in intake.items],
            effective_on=when,
            document=document,
            user=user,
            new=new_items,
        )
    document = documents.get(plan.document_id)
    items_record_bulk(
        Transfer.Kind.RETURN,
        items=[item(t) for t in plan.returns],
        effective_on=effective_on,
        document=document,
        user=user,
        new=new_items,
    )
    items_write_bulk(new_items)

    say(_("更新变更的事项……"))
    # The audit history copies every field of a changed item: read those items whole, after their events.
    changes = [change for change in plan.changed if change.values()]
    whole = ApprovalItem.objects.in_bulk([change.item_id for change in changes])
    items_update_bulk([(whole[change.item_id], change.values()) for change in changes], user=user)
    items_set_departments_bulk(
        [
            (existing[change.item_id], [departments[pk] for pk in change.departments.department_ids])
            for change in plan.moved
        ],
        user=user,
    )

    say(_("写入草稿版本……"))
    draft = plan.draft
    rows = {1: [], 2: []}
    for row in draft.rows:
        cells = row.cells if row.new_item is None else row.cells._replace(item_code=created[row.new_item.ref].code)
        rows[row.section].append(cells)
    table = Table(
        title=draft.title,
        sections=[
            Section(1, draft.headings[0], rows[1], list(draft.notes)),
            Section(2, draft.headings[1], rows[2]),
        ],
    )
    edition_create_draft(
        slug=plan.slug, table=table, jurisdiction=jurisdiction, document=document, published_on=effective_on, user=user
    )


def _all_new(plan: Plan) -> list[NewItem]:
    return [one for new in plan.added for one in (new, *new.children)]


def _targets(plan: Plan) -> list[Target]:
    return [target for intake in plan.intakes for target in intake.items] + list(plan.returns)


def _spec(new: NewItem, departments: dict[int, Department], existing: dict[int, ApprovalItem]) -> ItemSpec:
    return ItemSpec(
        name=new.name,
        item_type=new.item_type,
        departments=[departments[pk] for pk in new.department_ids],
        in_base_catalogue=new.in_base_catalogue,
        remarks=new.remarks,
        source_text=new.source_text,
        children=[_spec(child, departments, existing) for child in new.children],
        parent=existing[new.parent_id] if new.parent_id else None,
    )


def _created(plan: Plan, made: list[ApprovalItem]) -> dict[int, ApprovalItem]:
    """The items items_prepare_bulk made, by the `ref` of the plan's NewItem each one is."""
    mains = iter(item for item in made if item.parent_id is None)
    by_parent: dict[int, list[ApprovalItem]] = {}
    for item in made:
        if item.parent_id is not None:
            by_parent.setdefault(item.parent_id, []).append(item)
    # Sub-items come in the order of their specs, under a new main item and under an existing one.
    subs = {parent: iter(items) for parent, items in by_parent.items()}
    created: dict[int, ApprovalItem] = {}
    for new in plan.added:
        if new.parent_id is not None:
            created[new.ref] = next(subs[new.parent_id])
            continue
        main = created[new.ref] = next(mains)
        for child in new.children:
            created[child.ref] = next(subs[main.pk])
    return created
