"""Editions: writing a draft from a table, publishing it.

The import of an official workbook and the compilation of a draft from the
register both end in `edition_create_draft`; `edition_publish` freezes it.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument
from catalog.models import Edition, Entry
from catalog.tables import Table

PUBLISH_PERMISSION = "catalog.publish_edition"


@transaction.atomic
def edition_create_draft(
    *,
    slug: str,
    table: Table,
    jurisdiction: Jurisdiction,
    document: PolicyDocument | None = None,
    published_on: datetime.date | None = None,
) -> Edition:
    """Write a draft edition whose entries hold the table's cells as given.

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
    )
    pending: list[tuple[Entry, str]] = []
    for section in (section1, section2):
        for index, row in enumerate(section.rows, start=1):
            entry = Entry(
                edition=edition,
                section=section.number,
                row=index,
                number=row.number,
                main_name=row.main_name,
                sub_name=row.sub_name,
                item_type=row.item_type,
                departments=row.departments,
                batch=row.batch,
                base=row.base,
                remarks=row.remarks,
            )
            pending.append((entry, row.item_code))
    codes = {code for _entry, code in pending}
    known = dict(ApprovalItem.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = sorted(codes - set(known))
    if missing:
        raise ValidationError(
            _("目录行引用了不存在的事项编码：%(codes)s。"),
            code="unknown_item",
            params={"codes": "、".join(missing[:20])},
        )
    for entry, code in pending:
        entry.item_id = known[code]
    Entry.objects.bulk_create([entry for entry, _code in pending], batch_size=2000)
    return edition


def can_publish(user: AbstractBaseUser) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


@transaction.atomic
def edition_publish(*, edition: Edition, user: AbstractBaseUser, published_on: datetime.date | None = None) -> Edition:
    """Publish a draft; from then on neither the edition nor its entries can change."""
    if not can_publish(user):
        raise PermissionDenied(_("只有审核人可以发布目录版本。"))
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    if locked.is_published:
        raise ValidationError(_("目录版本“%(slug)s”已经发布。"), code="published", params={"slug": locked.slug})
    if not locked.entries.exists():
        raise ValidationError(
            _("目录版本“%(slug)s”没有任何条目，不能发布。"), code="empty", params={"slug": locked.slug}
        )
    locked.published_on = published_on or locked.published_on or datetime.date.today()
    locked.status = Edition.Status.PUBLISHED
    locked.save()
    return locked
