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
from simple_history.utils import bulk_create_with_history

from approvals import bulk
from approvals.access import check_can_change, check_can_cite
from approvals.models import ApprovalItem, Department, ItemDepartment, Jurisdiction, PolicyDocument, Transfer
from approvals.rules import item_validate_departments
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
    """The county's department for each city department, created when missing (with their history, at once)."""
    existing = {d.short_name: d for d in county.departments.all()}
    position = county.departments.aggregate(m=Max("position"))["m"] or 0
    mapping, missing = {}, []
    for department in city.departments.order_by("position", "pk"):
        name = county_department_name(county, department.short_name)
        if name not in existing:
            position += 1
            existing[name] = Department(
                jurisdiction=county,
                slug=f"{county.code}-{department.slug}",
                short_name=name,
                full_name=county_department_name(county, department.full_name),
                is_bureau=department.is_bureau,
                position=0 if department.is_bureau else position,
            )
            missing.append(existing[name])
        mapping[department.pk] = existing[name]
    bulk_create_with_history(missing, Department, batch_size=bulk.BATCH)
    return mapping


def _spec(source: ApprovalItem, departments: dict[int, Department], children=()) -> bulk.ItemSpec:
    """The county's copy of a city item, in the county's departments."""
    mine = [departments[link.department_id] for link in source.department_links.all()]
    item_validate_departments(jurisdiction_id=None, departments=mine)
    return bulk.ItemSpec(
        name=source.name,
        item_type=source.item_type,
        departments=mine,
        in_base_catalogue=source.in_base_catalogue,
        remarks=source.remarks,
        source_text=source.source_text,
        derived_from=source,
        children=[_spec(child, departments) for child in children],
    )


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
    after a new city edition only adds what the county does not have yet. Set-based: the same
    rows as item_create and item_transfer / item_accept for each item, in a few statements for all.
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
    mains = [main for main in mains if main.pk not in already]

    specs = [_spec(main, departments, main.children.all()) for main in mains]
    created = bulk.items_create_bulk(jurisdiction=county, specs=specs, user=user)

    # Each main item with its sub-items takes the event its city item came in by: 承接 or 划转.
    groups: dict[str, list[ApprovalItem]] = {}
    copies = iter(created)
    for main, spec in zip(mains, specs, strict=True):
        accepted = main.intake is not None and main.intake.kind == Transfer.Kind.ACCEPT
        kind = Transfer.Kind.ACCEPT if accepted else Transfer.Kind.TRANSFER
        groups.setdefault(kind, []).extend(next(copies) for _one in range(1 + len(spec.children)))
    for kind, items in groups.items():
        bulk.record(
            kind, items=items, effective_on=effective_on, document=document, user=user, note=_("依据市级目录复制")
        )
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
