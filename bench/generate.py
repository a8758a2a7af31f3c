"""Generates a province- or nation-sized register for the benchmarks.

N items spread over clamp(N / 1,000, 128, 2,900) jurisdictions (128 up to 128,000 items, as the
figures before issue 19 had them; 2,900 from 2,900,000, about the nation's counties and cities): the
first 11 are cities, the others counties. Each has its departments; names are drawn from the official
2022 names with variations (10–60 characters), about one item in twelve has 2–4 sub-items, every item
has its transfer event, about one in ten its return, and one published edition lists them all.

`plan` draws every row once, as plain tuples with their ids; two writers put them in the database:
the ORM's bulk_create (`write_orm`, with every trigger on: SQLite, and the reference the fast one is
tested against) and PostgreSQL's COPY with triggers and foreign-key checks off (bench/generate_copy.py,
which needs the search text and pinyin the triggers and `pinyin_key` would write: the plan computes
them, and tests/test_bench_generate.py holds both writers' registers equal).
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max

from approvals.bulk import PinyinKeys
from approvals.models import (
    ApprovalItem,
    Department,
    ItemDepartment,
    ItemStatus,
    ItemType,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from approvals.search import search_key
from catalog.models import Edition, Entry
from catalog.official_source import read_official

PREFIXES = ["", "", "", "市级", "县级", "区域", "临时", "新建", "跨区域"]
SUFFIXES = ["", "", "", "（延续）", "（变更）", "（注销）", "（新办）", "备案", "初审", "（含分支机构）", "审核转报"]
CITIES = ["太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁"]
BATCH = 5000
RETURN_ON = datetime.date(2022, 8, 9)

# The columns of the plan's tuples, in order; the writers add the columns every row has alike.
ITEM_COLUMNS = (
    "id",
    "jurisdiction_id",
    "code",
    "parent_id",
    "position",
    "name",
    "item_type",
    "in_base_catalogue",
    "status",
    "name_pinyin",
    "search_text",
    "intake_id",
)
LINK_COLUMNS = ("id", "item_id", "department_id", "position")
TRANSFER_COLUMNS = ("id", "item_id", "sequence", "kind", "from_status", "to_status", "document_id", "effective_on")
ENTRY_COLUMNS = (
    "id",
    "edition_id",
    "section",
    "row",
    "number",
    "item_id",
    "main_name",
    "sub_name",
    "item_type",
    "departments",
    "batch",
    "base",
    "remarks",
)


def jurisdiction_count(n: int) -> int:
    """clamp(N / 1,000, 128, 2,900): 128 for the province-sized runs, 2,900 for the nation."""
    return max(128, min(2900, n // 1000))


@dataclass
class Setup:
    """What the items refer to, written before them."""

    places: list[Jurisdiction]
    departments: dict[int, list[int]]  # per jurisdiction, its departments but the bureau, in their order
    short_names: dict[int, str]
    first: PolicyDocument
    second: PolicyDocument
    edition: Edition


@dataclass
class Chunk:
    """Rows of a few thousand items, sub-items after their main item's chunk rows (the SQLite triggers' order)."""

    mains: list[tuple] = field(default_factory=list)
    subs: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)
    transfers: list[tuple] = field(default_factory=list)
    entries: list[tuple] = field(default_factory=list)
    created: int = 0  # items planned so far, this chunk's included
    counters: dict[int, int] = field(default_factory=dict)  # codes given per jurisdiction so far

    def rows(self) -> int:
        return len(self.mains) + len(self.subs) + len(self.links) + len(self.transfers) + len(self.entries)


def generate(
    n: int, *, seed: int = 2022, progress: Callable[[str], None] = print, writer: str | None = None
) -> Edition:
    """Write about `n` items (main items and sub-items together) and a published edition `bench` listing them.

    `writer`: "copy" (PostgreSQL's default) or "orm" (bulk_create, every trigger on; SQLite's only one).
    """
    writer = writer or ("copy" if connection.vendor == "postgresql" else "orm")
    with transaction.atomic():
        setup = _setup(n)
        chunks = plan(n, setup, seed=seed, chunk=50_000 if writer == "copy" else BATCH)
        if writer == "copy":
            from bench.generate_copy import write_copy

            counters = write_copy(chunks, progress=progress)
        else:
            counters = write_orm(chunks, progress=progress)
        _finish(setup, counters)
    return Edition.objects.get(pk=setup.edition.pk)


def _setup(n: int) -> Setup:
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
            "issued_on": RETURN_ON,
        },
    )[0]
    places = []
    for i in range(jurisdiction_count(n)):
        city = CITIES[i % 11]
        places.append(
            Jurisdiction(
                code=f"bench-{i:03d}",
                name=f"{city}市本级（基准）" if i < 11 else f"{city}第{i}县（基准）",
                level="city" if i < 11 else "county",
                parent=province,
                code_prefix=f"B{i:03d}",
                position=i,
            )
        )
    Jurisdiction.objects.bulk_create(places, batch_size=BATCH)
    places = list(Jurisdiction.objects.filter(code__regex=r"^bench-[0-9]").order_by("position"))
    department_names = _department_names()
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
            Department(jurisdiction=place, slug=f"{place.code}-bureau", short_name="行政审批服务管理局", is_bureau=True)
        )
    Department.objects.bulk_create(departments, batch_size=BATCH)
    by_place: dict[int, list[int]] = {}
    short_names = {}
    rows = Department.objects.filter(jurisdiction__in=places, is_bureau=False).order_by("jurisdiction_id", "position")
    for pk, place_id, short in rows.values_list("pk", "jurisdiction_id", "short_name"):
        by_place.setdefault(place_id, []).append(pk)
        short_names[pk] = short
    edition = Edition.objects.create(
        slug="bench",
        title="基准测试目录",
        jurisdiction=places[0],
        document=second,
        published_on=RETURN_ON,
        status=Edition.Status.DRAFT,
        section1_heading="（一）划转至行政审批服务管理局实施的行政审批事项",
        section2_heading="（二）退回原部门的事项",
        notes="备注：\n1. 基准测试数据。",
    )
    return Setup(places, by_place, short_names, first, second, edition)


def _department_names() -> list[str]:
    official = read_official()
    return sorted({name for row in official.rows for name in row.department_names() if name != "省政府下放"})


def _sources() -> tuple[list[str], list[tuple[str, str, bool]]]:
    official = read_official()
    names = sorted({row.main_name for row in official.rows} | {row.sub_name for row in official.rows if row.sub_name})
    rows = [(row.item_type, row.batch, row.base == "基本目录事项") for row in official.rows]
    return names, rows


def _name(rng: random.Random, names: list[str]) -> str:
    name = rng.choice(PREFIXES) + rng.choice(names) + rng.choice(SUFFIXES)
    while len(name) < 10:
        name += rng.choice(["审批", "许可", "登记", "核准"])
    return name[:60]


class _Lines:
    """An item's lines of search text: the search key of its name, then its pinyin lines (as migration 0015's
    triggers write them), with the pinyin through PinyinKeys (`pinyin_key`'s, run by run), each name once."""

    def __init__(self) -> None:
        self.keys = PinyinKeys()
        self.known: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str) -> tuple[str, str]:
        found = self.known.get(name)
        if found is None:
            pinyin = self.keys(name)
            found = self.known[name] = (pinyin, search_key(name) + "\n" + pinyin)
        return found


def _next_ids() -> dict[str, int]:
    models = {"item": ApprovalItem, "link": ItemDepartment, "transfer": Transfer, "entry": Entry}
    return {key: (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1 for key, model in models.items()}


def plan(n: int, setup: Setup, *, seed: int = 2022, chunk: int = BATCH) -> Iterator[Chunk]:
    """Every row of `n` items, in chunks of about `chunk` items, ids given from above the tables' highest.

    The random draws are the generator's of before issue 19, in the same order: a seed gives the same
    items, names, places, statuses and departments whatever writes them.
    """
    rng = random.Random(seed)
    names, rows = _sources()
    type_values = {str(label): value for value, label in ItemType.choices}  # str(): not a translation per row
    type_labels = {value: str(label) for value, label in ItemType.choices}
    lines = _Lines()
    ids = _next_ids()
    places = setup.places
    counters = {place.pk: 0 for place in places}
    number = {1: 0, 2: 0}
    row_counter = {1: 0, 2: 0}
    documents = {"二次划转": setup.second, "首次划转": setup.first}
    edition_id = setup.edition.pk
    created = 0
    while created < n:
        out = Chunk()
        while created < n and len(out.mains) + len(out.subs) < chunk:
            place = places[rng.randrange(len(places))]
            counters[place.pk] += 1
            item_type, batch, base = rng.choice(rows)
            returned = rng.random() < 0.1
            code = f"{place.code_prefix}-{counters[place.pk]:06d}"
            name = _name(rng, names)
            sub_names = []
            if rng.random() < 1 / 12 and created + 3 < n:
                sub_names = [_name(rng, names) for _position in range(rng.randint(2, 4))]
            department_ids = rng.sample(setup.departments[place.pk], 2 if rng.random() < 0.03 else 1)
            created += 1 + len(sub_names)

            status = ItemStatus.RETURNED.value if returned else ItemStatus.BUREAU.value
            value = type_values[item_type]
            document = documents.get(batch, setup.first)
            main_id = ids["item"]
            ids["item"] += 1 + len(sub_names)
            family = [(main_id, code, None, 0, name)] + [
                (main_id + p, f"{code}-{p:02d}", main_id, p, sub) for p, sub in enumerate(sub_names, 1)
            ]
            text = "\n".join(lines(item_name)[1] for *_rest, item_name in family)
            for item_id, item_code, parent_id, position, item_name in family:
                intake = ids["transfer"]
                out.transfers.append(
                    (intake, item_id, 1, "transfer", "pending", "bureau", document.pk, document.issued_on)
                )
                ids["transfer"] += 1
                if returned:
                    out.transfers.append(
                        (ids["transfer"], item_id, 2, "return", "bureau", "returned", setup.second.pk, RETURN_ON)
                    )
                    ids["transfer"] += 1
                for link_position, department_id in enumerate(department_ids):
                    out.links.append((ids["link"], item_id, department_id, link_position))
                    ids["link"] += 1
                pinyin, own = lines(item_name)
                row = (item_id, place.pk, item_code, parent_id, position, item_name, value, base, status, pinyin)
                (out.subs if parent_id else out.mains).append((*row, own if parent_id else text, intake))

            section = 2 if returned else 1
            number[section] += 1
            cells = (
                type_labels[value],
                "、".join(setup.short_names[pk] for pk in department_ids),
                batch,
                "基本目录事项" if base else "基本目录外事项",
                "退回" if returned else "",
            )
            printed = family[1:] if section == 1 and sub_names else family[:1]
            for item_id, _code, parent_id, _position, item_name in printed:
                row_counter[section] += 1
                sub_name = item_name if parent_id else ""
                out.entries.append(
                    (ids["entry"], edition_id, section, row_counter[section], number[section], item_id, name, sub_name)
                    + cells
                )
                ids["entry"] += 1
        out.created, out.counters = created, counters
        yield out


def write_orm(chunks: Iterator[Chunk], *, progress: Callable[[str], None]) -> dict[int, int]:
    """bulk_create, every trigger on: the database computes the search text and raises the register's version."""
    started, rows, counters = time.perf_counter(), 0, {}
    for chunk in chunks:
        # Main items first: SQLite's insert trigger refreshes a sub-item's parent, which must be there.
        ApprovalItem.objects.bulk_create(_objects(ApprovalItem, ITEM_COLUMNS, chunk.mains), batch_size=BATCH)
        ApprovalItem.objects.bulk_create(_objects(ApprovalItem, ITEM_COLUMNS, chunk.subs), batch_size=BATCH)
        ItemDepartment.objects.bulk_create(_objects(ItemDepartment, LINK_COLUMNS, chunk.links), batch_size=BATCH)
        Transfer.objects.bulk_create(_objects(Transfer, TRANSFER_COLUMNS, chunk.transfers), batch_size=BATCH)
        Entry.objects.bulk_create(_objects(Entry, ENTRY_COLUMNS, chunk.entries), batch_size=BATCH)
        rows += chunk.rows()
        counters = chunk.counters
        progress(_progress(chunk.created, rows, started))
    return counters


def _objects(model, columns: tuple[str, ...], rows: list[tuple]) -> list:
    return [model(**dict(zip(columns, row, strict=True))) for row in rows]


def _progress(items: int, rows: int, started: float) -> str:
    seconds = time.perf_counter() - started
    return f"  已生成 {items} 个事项（{rows} 行，{rows / max(seconds, 1e-9):,.0f} 行/秒，{seconds:.0f} s）"


def _finish(setup: Setup, counters: dict[int, int]) -> None:
    """The jurisdictions' code counters, then the edition published (the register's version rises with it)."""
    places = [Jurisdiction(pk=pk, item_counter=count) for pk, count in counters.items()]
    Jurisdiction.objects.bulk_update(places, ["item_counter"], batch_size=BATCH)
    Edition.objects.filter(pk=setup.edition.pk).update(status=Edition.Status.PUBLISHED)
