"""Builds the official 2022 fixture (fixtures/shuozhou_2022.json) from the gazette text.

The fixture is generated, never typed: `python manage.py build_fixture` rewrites
it from sources/, and a test proves that the committed file equals a rebuild.
What the gazette does not print (departments' full names, URL slugs, the
jurisdictions) is the reference table below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from approvals import vocabulary
from approvals.codes import DIVISION_CODES
from approvals.models import ItemType, Transfer
from approvals.rules import main_code, sub_code, walk
from approvals.search import pinyin_key
from catalog.official_source import OfficialCatalogue, SourceRow, read_official

CITY = "shuozhou"
PROVINCE = "shanxi"
# code, name, level, code prefix
JURISDICTIONS = [
    (CITY, "朔州市本级", "city", "SZ"),
    ("shuocheng", "朔城区", "county", "SC"),
    ("pinglu", "平鲁区", "county", "PL"),
    ("huairen", "怀仁市", "county", "HR"),
    ("shanyin", "山阴县", "county", "SY"),
    ("yingxian", "应县", "county", "YX"),
    ("youyu", "右玉县", "county", "YY"),
    # The issuer of 晋政发〔2021〕47号: the province keeps no register here, it owns its documents.
    (PROVINCE, "山西省", "province", "SX"),
]

CITY_PREFIX = next(prefix for code, _name, _level, prefix in JURISDICTIONS if code == CITY)

# short name as printed → (slug, full name); the order of first appearance in the tables decides the position.
DEPARTMENTS = {
    "市发改委": ("fgw", "朔州市发展和改革委员会"),
    "市教育局": ("jyj", "朔州市教育局"),
    "市工信局": ("gxj", "朔州市工业和信息化局"),
    "市民政局": ("mzj", "朔州市民政局"),
    "市司法局": ("sfj", "朔州市司法局"),
    "市人社局": ("rsj", "朔州市人力资源和社会保障局"),
    "市规划和自然资源局": ("ghzrzyj", "朔州市规划和自然资源局"),
    "市生态环境局": ("sthjj", "朔州市生态环境局"),
    "市住建局": ("zjj", "朔州市住房和城乡建设局"),
    "市城市管理局": ("csglj", "朔州市城市管理局"),
    "市交通局": ("jtj", "朔州市交通运输局"),
    "市水利局": ("slj", "朔州市水利局"),
    "市农业农村局": ("nyncj", "朔州市农业农村局"),
    "市商务局": ("swj", "朔州市商务局"),
    "市文旅局": ("wlj", "朔州市文化和旅游局"),
    "市卫健委": ("wjw", "朔州市卫生健康委员会"),
    "市市场监督管理局": ("scjgj", "朔州市市场监督管理局"),
    "市体育局": ("tyj", "朔州市体育局"),
    "市能源局": ("nyj", "朔州市能源局"),
    "市人防办": ("rfb", "朔州市人民防空办公室"),
    "市气象局": ("qxj", "朔州市气象局"),
    "市档案局": ("daj", "朔州市档案局"),
    "市新闻出版局": ("xwcbj", "朔州市新闻出版局"),
}
BUREAU = ("市行政审批服务管理局", "spj", "朔州市行政审批服务管理局")
# printed alias → short name
ALIASES = {"市市场监管局": "市市场监督管理局"}
# The 划转部门 cell of powers accepted from the province: a source, not a department.
PROVINCE_SOURCE = vocabulary.PROVINCE_SOURCE

FIRST_BATCH = "朔政发〔2020〕7号"
BASE_CATALOGUE = "晋政发〔2021〕47号"
ISSUERS = {"朔政发": "朔州市人民政府", "晋政发": "山西省人民政府"}
BATCH_LABELS = {FIRST_BATCH: "首次划转"}
EDITION_SLUG = "2022"

TYPE_VALUES = {label: value for value, label in ItemType.choices}


@dataclass
class _Item:
    pk: int
    code: str
    row: SourceRow
    name: str
    parent: int | None
    position: int


def build_fixture_objects(catalogue: OfficialCatalogue | None = None) -> list[dict]:
    """The fixture's objects, in loading order, with fixed primary keys."""
    catalogue = catalogue or read_official()
    out: list[dict] = []

    for pk, (code, name, level, prefix) in enumerate(JURISDICTIONS, start=1):
        out.append(
            _obj(
                "approvals.jurisdiction",
                pk,
                code=code,
                name=name,
                level=level,
                code_prefix=prefix,
                division_code=DIVISION_CODES[code],
                parent=1 if level == "county" else None,
                position=0 if level == "province" else pk,
                item_counter=0,
            )
        )
    city = 1
    province = next(pk for pk, row in enumerate(JURISDICTIONS, start=1) if row[0] == PROVINCE)

    department_pk: dict[str, int] = {}
    printed = [name for row in catalogue.rows for name in row.department_names() if name != PROVINCE_SOURCE]
    for name in dict.fromkeys(ALIASES.get(name, name) for name in printed):
        slug, full_name = DEPARTMENTS[name]
        department_pk[name] = len(department_pk) + 1
        out.append(
            _obj(
                "approvals.department",
                department_pk[name],
                jurisdiction=city,
                slug=slug,
                short_name=name,
                full_name=full_name,
                is_bureau=False,
                position=department_pk[name],
            )
        )
    bureau_pk = len(department_pk) + 1
    out.append(
        _obj(
            "approvals.department",
            bureau_pk,
            jurisdiction=city,
            slug=BUREAU[1],
            short_name=BUREAU[0],
            full_name=BUREAU[2],
            is_bureau=True,
            position=0,
        )
    )
    for pk, (alias, name) in enumerate(ALIASES.items(), start=1):
        out.append(_obj("approvals.departmentalias", pk, department=department_pk[name], name=alias))

    documents: dict[str, int] = {}
    for ref in catalogue.documents:
        documents[ref.number] = len(documents) + 1
        out.append(
            _obj(
                "approvals.policydocument",
                documents[ref.number],
                jurisdiction=province if ref.number.startswith("晋") else city,
                number=ref.number,
                title=ref.title,
                issuer=ISSUERS[ref.number[:3]],
                issued_on=None,
                batch_label=BATCH_LABELS.get(ref.number, ""),
                url="",
            )
        )
    notice_pk = len(documents) + 1
    documents[catalogue.notice_number] = notice_pk
    out.append(
        _obj(
            "approvals.policydocument",
            notice_pk,
            jurisdiction=city,
            number=catalogue.notice_number,
            title=catalogue.notice_title,
            issuer="朔州市人民政府",
            issued_on=catalogue.notice_date,
            batch_label="二次划转",
            url="",
        )
    )
    batch_document = {label: documents[number] for number, label in BATCH_LABELS.items()}
    batch_document["二次划转"] = notice_pk

    items = _items(catalogue)
    transfers: list[dict] = []
    intake: dict[int, int] = {}
    status: dict[int, str] = {}
    for item in items:
        events = _events(item.row, batch_document, notice_pk, catalogue.notice_date)
        for sequence, event in enumerate(events, start=1):
            pk = len(transfers) + 1
            transfers.append(
                _obj(
                    "approvals.transfer",
                    pk,
                    item=item.pk,
                    sequence=sequence,
                    recorded_by=None,
                    recorded_at="2022-08-09T00:00:00Z",
                    **event,
                )
            )
            if event["kind"] in (Transfer.Kind.TRANSFER, Transfer.Kind.ACCEPT):
                intake[item.pk] = pk
            status[item.pk] = event["to_status"]

    for item in items:
        row = item.row
        out.append(
            _obj(
                "approvals.approvalitem",
                item.pk,
                jurisdiction=city,
                code=item.code,
                parent=item.parent,
                position=item.position,
                name=item.name,
                name_pinyin=pinyin_key(item.name),
                item_type=TYPE_VALUES[row.item_type],
                source_text=row.departments if row.departments == PROVINCE_SOURCE else "",
                in_base_catalogue=row.base == vocabulary.IN_BASE,
                remarks=row.remarks if row.section == 1 else "",
                derived_from=None,
                review_reason="",
                status=status[item.pk],
                intake=intake.get(item.pk),
                version=1,
                created_at="2022-08-09T00:00:00Z",
                updated_at="2022-08-09T00:00:00Z",
                application_materials="",
                acceptance_conditions="",
                procedure="",
                statutory_time_limit="",
                promised_time_limit="",
                fees="",
                legal_basis="",
            )
        )
    link_pk = 0
    for item in items:
        for position, name in enumerate(item.row.department_names()):
            if name == PROVINCE_SOURCE:
                continue
            link_pk += 1
            out.append(
                _obj(
                    "approvals.itemdepartment",
                    link_pk,
                    item=item.pk,
                    department=department_pk[ALIASES.get(name, name)],
                    position=position,
                )
            )
    out.extend(transfers)

    counter = max(int(item.code.split("-")[1]) for item in items)
    out[0]["fields"]["item_counter"] = counter

    out.append(
        _obj(
            "catalog.edition",
            1,
            slug=EDITION_SLUG,
            title=catalogue.title,
            jurisdiction=city,
            document=notice_pk,
            published_on=catalogue.notice_date,
            published_at=f"{catalogue.notice_date}T00:00:00+08:00",
            status="published",
            section1_heading=catalogue.section1_heading,
            section2_heading=catalogue.section2_heading,
            notes="\n".join(catalogue.notes),
            created_at="2022-08-09T00:00:00Z",
        )
    )
    # A row that names a sub-item belongs to it; the sub-item comes after its main item, so it wins.
    row_item = {id(item.row): item.pk for item in items}
    for pk, row in enumerate(catalogue.rows, start=1):
        cells = row.printed().entry_fields()
        number = cells.pop("number")
        entry = _obj("catalog.entry", pk, edition=1, section=row.section, row=row.row, number=number)
        entry["fields"].update(item=row_item[id(row)], **cells)
        out.append(entry)
    return out


def fixture_text(catalogue: OfficialCatalogue | None = None) -> str:
    """The fixture file's exact text."""
    return json.dumps(build_fixture_objects(catalogue), ensure_ascii=False, indent=1) + "\n"


def _items(catalogue: OfficialCatalogue) -> list[_Item]:
    """One register item per main item and per sub-item, with codes in the order of the tables.

    A sub-item row carries the sub-item; the main item takes the cells of its first row.
    Section (二) items are numbered after section (一)'s.
    """
    items: list[_Item] = []
    main_count = 0
    current_main: _Item | None = None
    for row in catalogue.rows:
        if row.first_of_item:
            main_count += 1
            current_main = _Item(
                pk=len(items) + 1,
                code=main_code("SZ", main_count),
                row=row,
                name=row.main_name,
                parent=None,
                position=0,
            )
            items.append(current_main)
        if row.sub_name:
            position = sum(1 for item in items if item.parent == current_main.pk) + 1
            items.append(
                _Item(
                    pk=len(items) + 1,
                    code=sub_code(current_main.code, position),
                    row=row,
                    name=row.sub_name,
                    parent=current_main.pk,
                    position=position,
                )
            )
    return items


def _events(row: SourceRow, batch_document: dict[str, int], notice: int, notice_date: str) -> list[dict]:
    """The row's history: how it came to the bureau, and for section (二) its return.

    The statuses before and after each event come from the register's transition table (approvals.rules),
    the one the services apply: the fixture cannot hold a history the services would refuse.
    """
    if row.batch == vocabulary.ACCEPTED:
        intake = dict(kind=Transfer.Kind.ACCEPT, effective_on=None, document=None, note=row.remarks or PROVINCE_SOURCE)
    else:
        document = batch_document[row.batch]
        effective_on = notice_date if document == notice else None
        intake = dict(kind=Transfer.Kind.TRANSFER, effective_on=effective_on, document=document, note="")
    events = [intake]
    if row.section == 2:
        events.append(dict(kind=Transfer.Kind.RETURN, effective_on=notice_date, document=notice, note=""))
    steps = walk([event["kind"] for event in events], name=row.main_name)
    return [
        dict(kind=event["kind"], from_status=before, to_status=after, **{k: v for k, v in event.items() if k != "kind"})
        for event, (before, after) in zip(events, steps, strict=True)
    ]


def _obj(model: str, pk: int, **fields) -> dict:
    return {"model": model, "pk": pk, "fields": fields}
