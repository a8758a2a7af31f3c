"""County catalogues: started from the city's current edition, then kept by the county's clerks.

A county copies the city's departments (under its own names: 市发改委 → 县发改委)
and every item of the city edition's section (一) as its own, each linked to
the city item it derives from, and records their transfer to the county bureau
with the county's own legal basis. From then on the county uses the same
services, import and editions as the city.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _

from approvals import services
from approvals.access import check_can_change, check_can_cite
from approvals.models import ApprovalItem, Department, ItemDepartment, Jurisdiction, PolicyDocument, Transfer
from catalog.adjustments import editions_diff
from catalog.models import Edition


def county_department_name(county: Jurisdiction, city_name: str) -> str:
    """市发改委 → 区发改委 in 朔城区, 县发改委 in 应县, 市发改委 in 怀仁市; 朔州市… → 朔城区…."""
    if city_name.startswith("朔州市"):
        return county.name + city_name[len("朔州市") :]
    if city_name.startswith("市"):
        return county.name[-1] + city_name[1:]
    return city_name


def _county_departments(county: Jurisdiction, city: Jurisdiction) -> dict[int, Department]:
    """The county's department for each city department, created when missing."""
    existing = {d.short_name: d for d in county.departments.all()}
    position = county.departments.aggregate(m=Max("position"))["m"] or 0
    mapping = {}
    for department in city.departments.order_by("position", "pk"):
        name = county_department_name(county, department.short_name)
        if name not in existing:
            position += 1
            existing[name] = Department.objects.create(
                jurisdiction=county,
                slug=f"{county.code}-{department.slug}",
                short_name=name,
                full_name=county_department_name(county, department.full_name),
                is_bureau=department.is_bureau,
                position=0 if department.is_bureau else position,
            )
        mapping[department.pk] = existing[name]
    return mapping


@transaction.atomic
def county_derive(
    *,
    county: Jurisdiction,
    edition: Edition | None = None,
    document: PolicyDocument | None = None,
    effective_on: datetime.date | None = None,
    user: AbstractBaseUser | None = None,
) -> list[ApprovalItem]:
    """Start (or complete) the county's catalogue from the city's edition; returns the items created.

    City items the county already derives from are left alone, so running it again
    after a new city edition only adds what the county does not have yet.
    """
    if county.level != Jurisdiction.Level.COUNTY or county.parent is None:
        raise ValidationError(
            _("“%(name)s”不是县（市、区），不能从市级目录复制。"), code="not_county", params={"name": county}
        )
    check_can_change(user, county.pk)
    check_can_cite(user, document)
    city = county.parent
    edition = edition or Edition.objects.latest_published(city)
    if edition is None or edition.jurisdiction_id != city.pk:
        raise ValidationError(_("%(city)s还没有发布的目录版本。"), code="no_edition", params={"city": city})
    departments = _county_departments(county, city)
    listed = set(edition.entries.filter(section=1).values_list("item_id", flat=True))
    mains = (
        ApprovalItem.objects.filter(pk__in=listed, parent__isnull=True)
        | ApprovalItem.objects.filter(children__pk__in=listed)
    ).distinct()
    links = Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department"))
    children = Prefetch("children", queryset=ApprovalItem.objects.filter(pk__in=listed).prefetch_related(links))
    mains = mains.select_related("intake").prefetch_related(links, children).order_by("code")
    already = set(ApprovalItem.objects.filter(jurisdiction=county).values_list("derived_from_id", flat=True))

    created: list[ApprovalItem] = []

    def copy(source: ApprovalItem, parent: ApprovalItem | None) -> ApprovalItem:
        item = services.item_create(
            jurisdiction=county,
            name=source.name,
            item_type=source.item_type,
            departments=[departments[link.department_id] for link in source.department_links.all()],
            parent=parent,
            in_base_catalogue=source.in_base_catalogue,
            remarks=source.remarks,
            source_text=source.source_text,
            derived_from=source,
            user=user,
        )
        created.append(item)
        return item

    for main in mains:
        if main.pk in already:
            continue
        item = copy(main, None)
        for child in main.children.all():
            copy(child, item)
        record = (
            services.item_accept if main.intake and main.intake.kind == Transfer.Kind.ACCEPT else services.item_transfer
        )
        record(item=item, effective_on=effective_on, document=document, user=user, note=_("依据市级目录复制"))
    return created


def flag_derived_items(edition: Edition) -> int:
    """After the city publishes `edition`, mark the county items whose city item changed; returns how many."""
    previous = edition.previous()
    if previous is None or edition.jurisdiction.level != Jurisdiction.Level.CITY:
        return 0
    flagged = 0
    for change in editions_diff(previous, edition).changes:
        reason = _("市级%(slug)s版：%(change)s") % {"slug": edition.slug, "change": change.category_label}
        flagged += ApprovalItem.objects.filter(derived_from__code=change.code).update(review_reason=reason[:300])
    return flagged
