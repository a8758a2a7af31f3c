"""Generates a province-sized register for the benchmarks.

N items spread over 128 jurisdictions (11 cities and 117 counties), each with its
departments, names drawn from the official 2022 names with variations (10–60
characters), about one item in twelve with 2–4 sub-items, a transfer history,
about one in ten returned, and one published edition listing them all.
Everything is written with bulk_create: the benchmark measures the reading
paths, not the generator.
"""

from __future__ import annotations

import datetime
import random

from django.db import connection, transaction

from approvals.models import (
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemStatus,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from approvals.search import pinyin_key
from catalog.models import Edition, Entry
from catalog.official_source import read_official

PREFIXES = ["", "", "", "市级", "县级", "区域", "临时", "新建", "跨区域"]
SUFFIXES = ["", "", "", "（延续）", "（变更）", "（注销）", "（新办）", "备案", "初审", "（含分支机构）", "审核转报"]
CITIES = ["太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁"]
BATCH = 5000


def _names(seed: int) -> tuple[list[str], list[str], list[tuple[str, str, bool]]]:
    official = read_official()
    names = sorted({row.main_name for row in official.rows} | {row.sub_name for row in official.rows if row.sub_name})
    departments = sorted({name for row in official.rows for name in row.department_names() if name != "省政府下放"})
    rows = [(row.item_type, row.batch, row.base == "基本目录事项") for row in official.rows]
    return names, departments, rows


def _name(rng: random.Random, names: list[str]) -> str:
    name = rng.choice(PREFIXES) + rng.choice(names) + rng.choice(SUFFIXES)
    while len(name) < 10:
        name += rng.choice(["审批", "许可", "登记", "核准"])
    return name[:60]


@transaction.atomic
def generate(n: int, *, seed: int = 2022, progress=print) -> Edition:
    """Write about `n` items (main items and sub-items together) and an edition `bench` listing them."""
    rng = random.Random(seed)
    names, department_names, rows = _names(seed)
    from approvals.models import ItemType

    type_values = {label: value for value, label in ItemType.choices}

    province = Jurisdiction.objects.create(code="bench-sx", name="基准测试省", level="city", code_prefix="BSX")
    first = PolicyDocument.objects.get_or_create(
        number="晋政发〔2020〕1号",
        defaults={"jurisdiction": province, "title": "基准测试首批划转文件", "batch_label": "首次划转"},
    )[0]
    second = PolicyDocument.objects.get_or_create(
        number="晋政发〔2022〕2号",
        defaults={
            "jurisdiction": province,
            "title": "基准测试调整文件",
            "batch_label": "二次划转",
            "issued_on": datetime.date(2022, 8, 9),
        },
    )[0]

    places = []
    for i in range(128):
        city = CITIES[i % 11]
        name = f"{city}市本级（基准）" if i < 11 else f"{city}第{i}县（基准）"
        places.append(
            Jurisdiction(
                code=f"bench-{i:03d}",
                name=name,
                level="city" if i < 11 else "county",
                parent=province,
                code_prefix=f"B{i:03d}",
                position=i,
            )
        )
    Jurisdiction.objects.bulk_create(places)
    places = list(Jurisdiction.objects.filter(code__startswith="bench-").exclude(pk=province.pk).order_by("position"))
    departments = []
    for place in places:
        for position, short in enumerate(department_names):
            departments.append(
                Department(
                    jurisdiction=place,
                    slug=f"{place.code}-{position}",
                    short_name=short,
                    full_name=place.name + short[1:],
                    position=position + 1,
                )
            )
        departments.append(
            Department(
                jurisdiction=place,
                slug=f"{place.code}-bureau",
                short_name="行政审批服务管理局",
                is_bureau=True,
                position=0,
            )
        )
    Department.objects.bulk_create(departments, batch_size=BATCH)
    by_place: dict[int, list[int]] = {}
    for pk, place_id, is_bureau in Department.objects.filter(jurisdiction__in=places).values_list(
        "pk", "jurisdiction_id", "is_bureau"
    ):
        if not is_bureau:
            by_place.setdefault(place_id, []).append(pk)

    edition = Edition.objects.create(
        slug="bench",
        title="基准测试目录",
        jurisdiction=places[0],
        document=second,
        published_on=datetime.date(2022, 8, 9),
        status=Edition.Status.DRAFT,
        section1_heading="（一）划转至行政审批服务管理局实施的行政审批事项",
        section2_heading="（二）退回原部门的事项",
        notes="备注：\n1. 基准测试数据。",
    )

    created = 0
    counters = {place.pk: 0 for place in places}
    number = {1: 0, 2: 0}
    row_counter = {1: 0, 2: 0}
    while created < n:
        chunk_items: list[ApprovalItem] = []
        plan = []
        while created < n and len(chunk_items) < BATCH:
            place = places[rng.randrange(len(places))]
            counters[place.pk] += 1
            item_type, batch, base = rng.choice(rows)
            returned = rng.random() < 0.1
            code = f"{place.code_prefix}-{counters[place.pk]:06d}"
            main = ApprovalItem(
                jurisdiction=place,
                code=code,
                name=_name(rng, names),
                item_type=type_values[item_type],
                in_base_catalogue=base,
                status=ItemStatus.RETURNED if returned else ItemStatus.BUREAU,
            )
            subs = []
            if rng.random() < 1 / 12 and created + 3 < n:
                for position in range(1, rng.randint(2, 4) + 1):
                    subs.append(
                        ApprovalItem(
                            jurisdiction=place,
                            code=f"{code}-{position:02d}",
                            position=position,
                            name=_name(rng, names),
                            item_type=main.item_type,
                            in_base_catalogue=base,
                            status=main.status,
                        )
                    )
            chunk_items.append(main)
            chunk_items.extend(subs)
            plan.append((main, subs, returned, batch, rng.sample(by_place[place.pk], 2 if rng.random() < 0.03 else 1)))
            created += 1 + len(subs)
        for item in chunk_items:  # bulk_create skips save(): the pinyin through the one function that writes it
            item.name_pinyin = pinyin_key(item.name)
        ApprovalItem.objects.bulk_create([m for m, *_ in plan], batch_size=BATCH)
        for main, subs, *_ in plan:
            for sub in subs:
                sub.parent = main
        ApprovalItem.objects.bulk_create([s for _, subs, *_ in plan for s in subs], batch_size=BATCH)
        links, transfers, entries = [], [], []
        for main, subs, returned, batch, department_ids in plan:
            section = 2 if returned else 1
            number[section] += 1
            for item in [main, *subs]:
                for position, department_id in enumerate(department_ids):
                    links.append(ItemDepartment(item=item, department_id=department_id, position=position))
                document = second if batch == "二次划转" else first
                transfers.append(
                    Transfer(
                        item=item,
                        sequence=1,
                        kind=Transfer.Kind.TRANSFER,
                        from_status="pending",
                        to_status="bureau",
                        document=document,
                        effective_on=document.issued_on,
                    )
                )
                if returned:
                    transfers.append(
                        Transfer(
                            item=item,
                            sequence=2,
                            kind=Transfer.Kind.RETURN,
                            from_status="bureau",
                            to_status="returned",
                            document=second,
                            effective_on=datetime.date(2022, 8, 9),
                        )
                    )
            for item in (subs or [main]) if section == 1 else [main]:
                row_counter[section] += 1
                entries.append(
                    Entry(
                        edition=edition,
                        section=section,
                        row=row_counter[section],
                        number=number[section],
                        item=item,
                        main_name=main.name,
                        sub_name=item.name if item is not main else "",
                        item_type=item_type_label(main),
                        departments="",
                        batch=batch,
                        base="基本目录事项" if main.in_base_catalogue else "基本目录外事项",
                        remarks="退回" if returned else "",
                    )
                )
        ItemDepartment.objects.bulk_create(links, batch_size=BATCH)
        Transfer.objects.bulk_create(transfers, batch_size=BATCH)
        Entry.objects.bulk_create(entries, batch_size=BATCH)
        progress(f"  已生成 {created}/{n} 个事项")
    _fill_entry_cells(edition)
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.PUBLISHED)
    for place in places:
        Jurisdiction.objects.filter(pk=place.pk).update(item_counter=counters[place.pk])
    _set_intake()
    return Edition.objects.get(pk=edition.pk)


def item_type_label(item: ApprovalItem) -> str:
    return item.get_item_type_display()


def _fill_entry_cells(edition: Edition) -> None:
    """Entries print the item's department and batch as the register has them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                UPDATE catalog_entry e SET departments = d.short_name
                FROM approvals_itemdepartment l JOIN approvals_department d ON d.id = l.department_id
                WHERE l.item_id = e.item_id AND l.position = 0 AND e.edition_id = %s
                """,
                [edition.pk],
            )
        else:
            cursor.execute(
                """
                UPDATE catalog_entry SET departments = (
                  SELECT d.short_name FROM approvals_itemdepartment l
                  JOIN approvals_department d ON d.id = l.department_id
                  WHERE l.item_id = catalog_entry.item_id AND l.position = 0)
                WHERE edition_id = %s
                """,
                [edition.pk],
            )


def _set_intake() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                UPDATE approvals_approvalitem i SET intake_id = t.id FROM approvals_transfer t
                WHERE t.item_id = i.id AND t.sequence = 1 AND i.intake_id IS NULL
                """
            )
        else:
            cursor.execute(
                """
                UPDATE approvals_approvalitem SET intake_id = (
                  SELECT t.id FROM approvals_transfer t
                  WHERE t.item_id = approvals_approvalitem.id AND t.sequence = 1)
                WHERE intake_id IS NULL
                """
            )
