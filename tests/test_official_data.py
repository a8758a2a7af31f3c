"""The register and the 2022 edition reproduce notice 朔政发〔2022〕20号 row for row."""

import datetime
import functools
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from approvals.models import ApprovalItem, ItemStatus, Transfer
from catalog.models import Edition, Entry
from catalog.seed import fixture_text
from tests import official_text

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def source():
    return official_text.table_rows()


def _register_row(item: ApprovalItem) -> list[str]:
    """An item's cells, read from the register (not from the edition)."""
    return [item.get_item_type_display(), item.department_text(), item.batch_text(), item.base_text()]


def _resolved(printed: str) -> str:
    """The 划转部门 cell with aliases replaced by the department they name (市市场监管局 → 市市场监督管理局)."""
    from approvals.models import Department

    if printed == "省政府下放":
        return printed
    return "、".join(Department.objects.named(name).get().short_name for name in printed.split("、"))


def test_the_repo_copy_of_the_source_is_the_shared_one():
    if official_text.SHARED_SOURCE.exists():
        assert official_text.SOURCE.read_bytes() == official_text.SHARED_SOURCE.read_bytes()


def test_the_source_counts_are_those_the_notice_announces(source):
    section1, section2 = source[1], source[2]
    numbered = [row for row in section1 if row[0]]
    assert len(section1) == 220
    assert len(numbered) == 213
    assert [int(row[0]) for row in numbered] == list(range(1, 214))
    assert sum(1 for row in section1 if row[2]) == 17
    assert Counter(row[3] for row in section1) == {"行政许可": 172, "其他行政权力": 40, "行政确认": 8}
    assert Counter(row[5] for row in numbered) == {"首次划转": 192, "二次划转": 19, "承接": 2}
    assert Counter(row[6] for row in numbered) == {"基本目录事项": 183, "基本目录外事项": 30}
    assert len(section2) == 90
    assert [int(row[0]) for row in section2] == list(range(1, 91))


def test_the_register_holds_every_item_and_sub_item():
    items = ApprovalItem.objects.filter(jurisdiction__code="shuozhou")
    assert items.count() == 213 + 17 + 90
    assert items.filter(parent__isnull=False).count() == 17
    assert items.filter(status=ItemStatus.BUREAU).main_items().count() == 213
    assert items.filter(status=ItemStatus.RETURNED).count() == 90
    assert len(set(items.values_list("code", flat=True))) == 320


def test_every_section_one_row_equals_its_item_in_the_register(source):
    entries = Entry.objects.filter(edition__slug="2022", section=1).order_by("row")
    cells_of = ApprovalItem.objects.with_table_cells().in_bulk([e.item_id for e in entries])
    items = {e.row: cells_of[e.item_id] for e in entries}
    assert len(items) == 220
    resolved = functools.cache(_resolved)  # each printed name looked up once in this test
    main_name = ""
    for row_number, cells in enumerate(source[1], start=1):
        item = items[row_number]
        main_name = cells[1] or main_name
        if cells[2]:
            assert item.is_sub_item, row_number
            assert item.name == cells[2]
            assert item.parent.name == main_name
        else:
            assert not item.is_sub_item
            assert item.name == cells[1]
        assert _register_row(item) == [cells[3], resolved(cells[4]), cells[5], cells[6]], row_number
        assert item.remarks == cells[7]
        assert item.status == ItemStatus.BUREAU


def test_every_section_two_row_equals_its_returned_item(source):
    entries = Entry.objects.filter(edition__slug="2022", section=2).order_by("row")
    assert entries.count() == 90
    cells_of = ApprovalItem.objects.with_table_cells().in_bulk([e.item_id for e in entries])
    resolved = functools.cache(_resolved)
    for entry, cells in zip(entries, source[2], strict=True):
        item = cells_of[entry.item_id]
        assert item.name == cells[1]
        assert _register_row(item) == [cells[2], resolved(cells[3]), cells[4], cells[5]]
        # The printed remark 退回 states the status; the register keeps it as the status.
        assert cells[6] == "退回"
        assert item.status == ItemStatus.RETURNED
        assert item.remarks == ""


def test_main_items_with_sub_items_take_the_cells_of_their_rows():
    main = ApprovalItem.objects.get(name="政府固定资产投资项目审批")
    assert [child.name for child in main.children.order_by("position")] == [
        "政府投资项目建议书审批",
        "政府投资项目初步设计审批",
        "政府投资项目可行性研究报告审批",
    ]
    assert main.get_item_type_display() == "其他行政权力"
    assert main.code == "SZ-0003"
    assert [c.code for c in main.children.order_by("position")] == ["SZ-0003-01", "SZ-0003-02", "SZ-0003-03"]


def test_item_60_has_two_departments_in_printed_order():
    item = ApprovalItem.objects.get(name="临时性建筑物搭建、堆放物料、占道施工审批")
    assert [link.department.short_name for link in item.department_links.order_by("position")] == [
        "市住建局",
        "市城市管理局",
    ]


def test_an_alias_resolves_to_its_department():
    from approvals.models import Department

    assert Department.objects.named("市市场监管局").get().short_name == "市市场监督管理局"
    returned = ApprovalItem.objects.get(name="重要工业产品生产许可")
    assert returned.department_text() == "市市场监督管理局"


def test_accepted_items_come_from_the_province_not_from_a_department():
    accepted = ApprovalItem.objects.filter(intake__kind=Transfer.Kind.ACCEPT).order_by("code")
    assert [i.name for i in accepted] == ["床土调酸剂登记", "单一饲料、浓缩饲料、配合饲料和精料补充料生产许可"]
    for item in accepted:
        assert item.departments.count() == 0
        assert item.department_text() == "省政府下放"
        assert item.remarks == "承接省政府下放职权"


def test_every_items_history_explains_its_status_and_section():
    notice_date = datetime.date(2022, 8, 9)
    for item in ApprovalItem.objects.prefetch_related("transfers__document"):
        events = list(item.transfers.all())
        assert events, item.code
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        assert events[0].from_status == ItemStatus.PENDING
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
        assert events[-1].to_status == item.status
        if item.status == ItemStatus.RETURNED:
            assert [e.kind for e in events] == ["transfer", "return"]
            assert events[0].document.number == "朔政发〔2020〕7号"
            assert (events[1].document.number, events[1].effective_on) == ("朔政发〔2022〕20号", notice_date)
        elif events[0].kind == "transfer" and events[0].document.number == "朔政发〔2022〕20号":
            assert events[0].effective_on == notice_date


def test_the_edition_reproduces_both_tables_cell_for_cell(source):
    edition = Edition.objects.get(slug="2022")
    assert edition.is_published
    assert edition.title == "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"
    assert edition.section1_heading == "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）"
    assert edition.section2_heading == "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项 （90项）"
    assert edition.document.number == "朔政发〔2022〕20号"
    assert edition.notes.splitlines()[0] == "备注："
    assert len(edition.notes.splitlines()) == 4
    for section, width in ((1, 8), (2, 7)):
        entries = list(edition.entries.filter(section=section).order_by("row"))
        printed = []
        previous = None
        for entry in entries:
            first = entry.number != previous
            previous = entry.number
            cells = entry.cells()
            if not first:
                cells[0] = ""  # 主项名称 is printed on a main item's first row only
            printed.append([str(entry.number) if first else "", *cells])
        assert [len(r) for r in printed] == [width] * len(printed)
        assert printed == source[section]


def test_the_documents_are_those_the_footnotes_name():
    from approvals.models import PolicyDocument

    docs = {d.number: d for d in PolicyDocument.objects.all()}
    assert set(docs) == {"朔政发〔2020〕7号", "晋政发〔2021〕47号", "朔政发〔2022〕20号"}
    assert (
        docs["朔政发〔2020〕7号"].title
        == "朔州市人民政府关于印发首批划转市行政审批服务管理局行政许可及关联事项目录的通知"
    )
    assert docs["朔政发〔2022〕20号"].issued_on == datetime.date(2022, 8, 9)
    assert docs["朔政发〔2022〕20号"].title == "朔州市人民政府关于进一步规范“一枚印章管审批”改革事项划转工作的通知"
    assert docs["晋政发〔2021〕47号"].issuer == "山西省人民政府"


def test_the_committed_fixture_equals_a_rebuild_from_the_source():
    committed = (Path(settings.BASE_DIR) / "fixtures" / "shuozhou_2022.json").read_text(encoding="utf-8")
    assert committed == fixture_text()
