"""A county's items follow its claims: the derivation of the county's register from the city's.

A claimed city item (认领) has a county copy at the county's bureau; one left with the department
(由原部门实施) has a copy not transferred (未划转，由原部门实施); a declined one (不认领) has none, so a
copy made earlier is cancelled (its history stays). The copy is in the county's own departments
(市发改委 → 县发改委) and takes the city item's name, type and legal basis, which the county does not edit
(approvals/claims.py). Set-based: the same writes as item_create and the event services, in a few
statements for all items (approvals/bulk.py). Only approvals/claims.py calls this.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from approvals import bulk
from approvals.models import (
    ApprovalItem,
    Claim,
    Department,
    ItemDepartment,
    ItemStatus,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from approvals.rules import item_validate_departments

Decision = Claim.Decision
# The statuses of a county copy from which each decision's event starts (the others need none).
_TO_BUREAU = (ItemStatus.PENDING, ItemStatus.RETURNED)
_LIVE = (ItemStatus.PENDING, ItemStatus.BUREAU, ItemStatus.RETURNED)


def county_department_name(county: Jurisdiction, city_name: str) -> str:
    """市发改委 → 区发改委 in 朔城区, 县发改委 in 应县, 市发改委 in 怀仁市; 朔州市… → 朔城区…."""
    if city_name.startswith("朔州市"):
        return county.name + city_name[len("朔州市") :]
    if city_name.startswith("市"):
        return county.name[-1] + city_name[1:]
    return city_name


def county_departments(county: Jurisdiction, city: Jurisdiction) -> dict[int, Department]:
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


def city_sources(city_item_ids: Sequence[int]) -> list[ApprovalItem]:
    """The city's main items with what a copy needs: departments, intake, and the sub-items at the bureau.

    A sub-item follows its main item: the copy has the sub-items the city carries at its bureau.
    """
    links = Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department"))
    children = ApprovalItem.objects.filter(status=ItemStatus.BUREAU).prefetch_related(links)
    return list(
        ApprovalItem.objects.filter(pk__in=city_item_ids)
        .select_related("intake")
        .prefetch_related(links, Prefetch("children", queryset=children.order_by("position", "pk")))
        .order_by("code")
    )


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
        legal_basis=source.legal_basis,
        derived_from=source,
        children=[_spec(child, departments) for child in children],
    )


def _intake_kind(source: ApprovalItem) -> str:
    """A copy comes to the county's bureau by the event its city item came by: 承接 or 划转."""
    accepted = source.intake is not None and source.intake.kind == Transfer.Kind.ACCEPT
    return Transfer.Kind.ACCEPT if accepted else Transfer.Kind.TRANSFER


def county_copies(county: Jurisdiction, city_item_ids: Sequence[int]) -> dict[int, ApprovalItem]:
    """The county's live (not cancelled) copy of each of these city main items, with its sub-items."""
    children = Prefetch("children", queryset=ApprovalItem.objects.filter(status__in=_LIVE).order_by("position"))
    copies = ApprovalItem.objects.filter(
        jurisdiction=county, parent__isnull=True, derived_from__in=city_item_ids, status__in=_LIVE
    ).prefetch_related(children)
    return {copy.derived_from_id: copy for copy in copies}


def county_items_follow(
    *,
    county: Jurisdiction,
    city_item_ids: Sequence[int],
    decision: str,
    user: AbstractBaseUser | None,
    document: PolicyDocument | None = None,
    effective_on: datetime.date | None = None,
    note: str = "",
) -> list[ApprovalItem]:
    """Bring the county's copies of these city main items in line with `decision`; returns the items created."""
    copies = county_copies(county, city_item_ids)
    if decision == Decision.DECLINED:
        cancelled = [i for copy in copies.values() for i in (copy, *copy.children.all())]
        _record_all({Transfer.Kind.CANCEL: cancelled}, document, effective_on, user, note)
        return []
    sources = city_sources(city_item_ids)
    families = {pk: [copy, *copy.children.all()] for pk, copy in copies.items()}
    missing = [source for source in sources if source.pk not in copies]
    created: list[ApprovalItem] = []
    if missing:
        departments = county_departments(county, county.parent)
        specs = [_spec(source, departments, source.children.all()) for source in missing]
        created = bulk.items_create_bulk(jurisdiction=county, specs=specs, user=user)
        new = iter(created)  # each main item before its sub-items
        for source, spec in zip(missing, specs, strict=True):
            families[source.pk] = [next(new) for _one in range(1 + len(spec.children))]
    events: dict[str, list[ApprovalItem]] = {}
    for source in sources:
        family = families[source.pk]
        if decision == Decision.CLAIMED:
            events.setdefault(_intake_kind(source), []).extend(i for i in family if i.status in _TO_BUREAU)
        else:  # 由原部门实施: a new copy stays 未划转; one at the bureau goes back to its department
            events.setdefault(Transfer.Kind.RETURN, []).extend(i for i in family if i.status == ItemStatus.BUREAU)
    _record_all(events, document, effective_on, user, note)
    return created


def _record_all(events, document, effective_on, user, note) -> None:
    for kind, items in events.items():
        bulk.record(
            kind, items=items, effective_on=effective_on, document=document, user=user, note=note or _("依据县级认领")
        )
