"""Editions: writing a draft from a table, publishing it.

The import of an official workbook and the compilation of a draft from the
register both end in `edition_create_draft`; `edition_publish` freezes it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.access import can_change, check_can_change, check_can_cite
from approvals.bulk_write import ids_by_code, insert_rows
from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument, Transfer
from catalog import prepublication, upstream
from catalog.adjustments import editions_diff  # noqa: F401  (publishing's public interface)
from catalog.counties import flag_derived_items
from catalog.models import Edition, Entry
from catalog.tables import Section, Table, item_rows

PUBLISH_PERMISSION = "catalog.publish_edition"


@transaction.atomic
def edition_create_draft(
    *,
    slug: str,
    table: Table,
    jurisdiction: Jurisdiction,
    document: PolicyDocument | None = None,
    published_on: datetime.date | None = None,
    user: AbstractBaseUser | None = None,
) -> Edition:
    """Write a draft edition whose entries hold the table's cells as given, made by `user` (None: a system task).

    Every row must name an existing item by `item_code`; the slug must be new.
    """
    if Edition.objects.filter(slug=slug).exists():
        raise ValidationError(_("目录版本“%(slug)s”已存在。"), code="exists", params={"slug": slug})
    section1, section2 = table.sections
    edition = Edition.objects.create(
        slug=slug,
        title=table.title,
        jurisdiction=jurisdiction,
        document=document,
        published_on=published_on,
        status=Edition.Status.DRAFT,
        section1_heading=section1.heading,
        section2_heading=section2.heading,
        notes="\n".join(section1.notes),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    pending: list[tuple[Entry, str]] = []
    for section in (section1, section2):
        for index, row in enumerate(section.rows, start=1):
            entry = Entry(edition_id=edition.pk, section=section.number, row=index, **row.entry_fields())
            pending.append((entry, row.item_code))
    codes = {code for _entry, code in pending}
    known = ids_by_code(codes)
    missing = sorted(codes - set(known))
    if missing:
        raise ValidationError(
            _("目录行引用了不存在的事项编码：%(codes)s。"),
            code="unknown_item",
            params={"codes": "、".join(missing[:20])},
        )
    for entry, code in pending:
        entry.item_id = known[code]
    # The edition is the draft just created, which no check of Entry.objects.bulk_create could find published.
    insert_rows(Entry, [entry for entry, _code in pending], ids=False)
    return edition


def can_publish(user: AbstractBaseUser) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


@transaction.atomic
def edition_publish(
    *,
    edition: Edition,
    user: AbstractBaseUser,
    published_on: datetime.date | None = None,
    acknowledged: str | None = None,
) -> Edition:
    """Publish a draft; from then on neither the edition nor its entries can change.

    Four eyes (`settings.PUBLISH_FOUR_EYES`): the publisher is not the person who compiled or imported it.
    The pre-publication checks (catalog/prepublication.py) run again here: an error refuses; the warnings are
    kept with the edition as acknowledged by the publisher. `acknowledged` is the warnings' text as the
    publisher saw it on the confirmation page: if they changed since, nothing is published. A caller without
    a page (a command, a test) passes None and its user acknowledges what there is.
    """
    if not can_publish(user):
        raise PermissionDenied(_("只有审核人可以发布目录版本。"))
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    if not can_change(user, locked.jurisdiction_id):
        raise PermissionDenied(
            _("您只能发布本辖区的目录版本；“%(slug)s”属于%(place)s。")
            % {"slug": locked.slug, "place": locked.jurisdiction}
        )
    if locked.is_published:
        raise ValidationError(_("目录版本“%(slug)s”已经发布。"), code="published", params={"slug": locked.slug})
    if settings.PUBLISH_FOUR_EYES and locked.created_by_id is not None and locked.created_by_id == user.pk:
        raise ValidationError(
            _("目录版本“%(slug)s”由%(name)s生成，需由另一位审核人发布（四眼原则）。"),
            code="four_eyes",
            params={"slug": locked.slug, "name": locked.created_by.get_full_name() or locked.created_by.get_username()},
        )
    if not locked.entries.exists():
        raise ValidationError(
            _("目录版本“%(slug)s”没有任何条目，不能发布。"), code="empty", params={"slug": locked.slug}
        )
    checks = prepublication.edition_checks(locked)
    prepublication.refuse_errors(locked, checks)
    warnings = prepublication.warnings_text(checks)
    if acknowledged is not None and acknowledged.replace("\r\n", "\n") != warnings:
        raise ValidationError(
            _("目录版本“%(slug)s”的发布前提醒在您确认之后有了变化，请重新查看并确认。"),
            code="warnings_changed",
            params={"slug": locked.slug},
        )
    locked.acknowledged_warnings = warnings
    locked.published_by = user
    locked.published_on = published_on or locked.published_on or datetime.date.today()
    locked.published_at = timezone.now()  # orders editions published on the same day
    locked.status = Edition.Status.PUBLISHED
    locked.save()
    # The counties align with the city: their copies of changed city items need a look.
    flag_derived_items(locked)
    upstream.queue_changes(locked)  # and each county reviews them (catalog/upstream.py)
    return locked


def _department_order(edition: Edition | None) -> dict[str, int]:
    """Departments (the first name of the 划转部门 cell) in the order the edition printed them."""
    if edition is None:
        return {}
    order: dict[str, int] = {}
    cells = (
        edition.entries.filter(section=Entry.Section.TRANSFERRED).order_by("row").values_list("departments", flat=True)
    )
    for text in cells.iterator():
        order.setdefault(text.split("、")[0], len(order))
    return order


def _bureau_name(jurisdiction: Jurisdiction) -> str:
    bureau = jurisdiction.departments.filter(is_bureau=True).first()
    return bureau.short_name if bureau else _("行政审批服务管理局")


def _notes(previous: Edition | None, documents: list[PolicyDocument]) -> list[str]:
    """Footnotes: one per transfer batch the table uses, then the previous edition's note on the base catalogue."""
    notes = [_("备注：")]
    for document in documents:
        notes.append(
            f"{len(notes)}. “{document.batch_label}”指依据《{document.title}》（{document.number}）划转的事项。"
        )
    if previous is not None:
        for line in previous.notes.splitlines():
            if "“基本目录”" in line:
                notes.append(f"{len(notes)}. {line.split('. ', 1)[-1]}")
    return notes if len(notes) > 1 else []


def compile_table(
    *, jurisdiction: Jurisdiction, on: datetime.date, title: str, previous: Edition | None = None
) -> Table:
    """The register as of `on`, in the official layout.

    Section (一): every main item at the bureau on that day, grouped by department in
    the order the previous edition used (new departments after, by their position),
    items in the previous edition's order and new ones after by code; numbered from 1.
    Without a previous edition, items stand in the order they were registered (by code).
    Section (二): the items returned after the previous edition's date and by `on`.
    Names, types and departments are those of the register now.
    """
    items = ApprovalItem.objects.with_table_cells().filter(jurisdiction=jurisdiction)
    at_bureau = list(
        items.main_items()
        .at_bureau(on=on)
        .prefetch_related(
            Prefetch(
                "children",
                queryset=ApprovalItem.objects.with_table_cells().at_bureau(on=on).order_by("position", "pk"),
            )
        )
    )
    previous_rank: dict[int, int] = {}
    department_rank = _department_order(previous)
    if previous is not None:
        rows = previous.entries.filter(section=Entry.Section.TRANSFERRED).values_list(
            "item_id", "item__parent_id", "row"
        )
        for item_id, parent_id, row in rows.iterator():
            previous_rank.setdefault(parent_id or item_id, row)
    positions = dict(jurisdiction.departments.values_list("short_name", "position"))

    def sort_key(item: ApprovalItem) -> tuple:
        if previous is None:
            return (item.code,)  # no edition to follow: the order in which items were registered
        first = item.department_text().split("、")[0]
        known = first in department_rank
        return (
            0 if known else 1,
            department_rank[first] if known else positions.get(first, 10**6),
            previous_rank.get(item.pk, 10**9),
            item.code,
        )

    at_bureau.sort(key=sort_key)
    section1 = [row for number, item in enumerate(at_bureau, start=1) for row in item_rows(item, number)]

    since = previous.published_on if previous is not None else None
    returns = Transfer.objects.filter(
        item__jurisdiction=jurisdiction, item__parent__isnull=True, kind=Transfer.Kind.RETURN
    )
    returns = returns.filter(effective_on__lte=on)
    if since is not None:
        returns = returns.filter(effective_on__gt=since)
    returned_ids = set(returns.values_list("item_id", flat=True))
    returned = [item for item in items.main_items().filter(pk__in=returned_ids).order_by("code")]
    returned = [item for item in returned if item.pk not in {i.pk for i in at_bureau}]
    returned.sort(key=sort_key)
    section2 = [
        row
        for number, item in enumerate(returned, start=1)
        for row in item_rows(item, number, section=2, remarks="退回")
    ]

    documents = []
    for item in at_bureau:
        intake = item.intake
        if intake and intake.document_id and intake.document.batch_label and intake.document not in documents:
            documents.append(intake.document)
    bureau = _bureau_name(jurisdiction)
    return Table(
        title=title,
        sections=[
            Section(
                1,
                _("（一）划转至%(bureau)s实施的行政审批事项（%(n)d项）") % {"bureau": bureau, "n": len(at_bureau)},
                section1,
                _notes(previous, documents),
            ),
            Section(
                2,
                _("（二）由%(bureau)s调整回原行业主管部门实施的行政审批事项（%(n)d项）")
                % {"bureau": bureau, "n": len(returned)},
                section2,
            ),
        ],
    )


@transaction.atomic
def edition_compile(
    *,
    slug: str,
    title: str,
    jurisdiction: Jurisdiction,
    on: datetime.date,
    document: PolicyDocument | None = None,
    user: AbstractBaseUser | None = None,
) -> Edition:
    """Compile a draft edition from the register as of `on` (see `compile_table`).

    `user` (None for a system task) must keep that jurisdiction's register and may cite the document.
    """
    check_can_change(user, jurisdiction.pk)
    check_can_cite(user, document)
    previous = Edition.objects.latest_published(jurisdiction)
    table = compile_table(jurisdiction=jurisdiction, on=on, title=title, previous=previous)
    return edition_create_draft(
        slug=slug, table=table, jurisdiction=jurisdiction, document=document, published_on=on, user=user
    )
