"""New items written once, in their final status (approvals/bulk.py), through insert_rows (COPY on PostgreSQL)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import bulk
from approvals.bulk_write import insert_rows, reserve_ids
from approvals.models import ApprovalItem, Department, ItemDepartment, ItemStatus, Jurisdiction, Transfer
from approvals.register_version import current

pytestmark = pytest.mark.django_db


def _specs() -> list[bulk.ItemSpec]:
    department = Department.objects.filter(jurisdiction__code="shuozhou", is_bureau=False).first()
    child = bulk.ItemSpec(name="甲子项审批", item_type="licensing", departments=[department])
    main = bulk.ItemSpec(name="乙主项核准", item_type="licensing", departments=[department], children=[child])
    single = bulk.ItemSpec(name="丙项备案", item_type="licensing", departments=[department], in_base_catalogue=True)
    return [main, single]


def test_new_items_take_their_events_in_memory_and_are_written_once_in_their_final_status(clerk):
    city = Jurisdiction.objects.get(code="shuozhou")
    new = bulk.items_prepare_bulk(jurisdiction=city, specs=_specs(), user=clerk)
    assert not ApprovalItem.objects.filter(pk__in=[item.pk for item in new.items]).exists()  # ids reserved only
    with CaptureQueriesContext(connection) as queries:
        bulk.record(Transfer.Kind.TRANSFER, items=new.items, effective_on=None, document=None, user=clerk, new=new)
        bulk.record(Transfer.Kind.RETURN, items=new.items[2:], effective_on=None, document=None, user=clerk, new=new)
        bulk.items_write_bulk(new)
    # No item row is written and then updated (each version of a main item's row enters the GIN index).
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "approvals_approvalitem"')]
    main, child, single = (ApprovalItem.objects.get(pk=item.pk) for item in new.items)
    assert [main.code, child.code, child.parent_id] == ["SZ-0304", "SZ-0304-01", main.pk]
    assert (main.status, single.status) == (ItemStatus.BUREAU, ItemStatus.RETURNED)
    assert main.intake == main.transfers.get(sequence=1)
    assert single.intake == single.transfers.get(sequence=1)
    assert [(t.sequence, t.kind, t.from_status, t.to_status) for t in single.transfers.order_by("sequence")] == [
        (1, "transfer", ItemStatus.PENDING, ItemStatus.BUREAU),
        (2, "return", ItemStatus.BUREAU, ItemStatus.RETURNED),
    ]
    # The history shows each item as created; its events are the rest of it.
    history = list(main.history.values_list("history_type", "status", "intake_id", "history_user_id", "created_at"))
    assert history == [("+", ItemStatus.PENDING, None, clerk.pk, main.created_at)]
    link = ItemDepartment.objects.get(item=main)
    assert list(link.history.values_list("history_type", "history_change_reason")) == [("+", "随事项新建")]
    # The main item was written after its sub-item: its search text has the sub-item's line at once.
    assert list(ApprovalItem.objects.search("甲子项").values_list("code", flat=True)) == ["SZ-0304"]


def test_an_item_cannot_be_written_twice():
    city = Jurisdiction.objects.get(code="shuozhou")
    new = bulk.items_prepare_bulk(jurisdiction=city, specs=_specs()[1:])
    bulk.items_write_bulk(new)
    with pytest.raises(ValueError):
        bulk.items_write_bulk(new)
    assert new.items[0] not in new  # written: record treats it as any item in the register
    bulk.record(Transfer.Kind.TRANSFER, items=new.items, effective_on=None, document=None, new=new)
    assert ApprovalItem.objects.get(pk=new.items[0].pk).status == ItemStatus.BUREAU


def test_reserved_ids_are_never_handed_out_again():
    reserved = reserve_ids(Jurisdiction, 3)
    assert len(set(reserved)) == 3
    later = Jurisdiction.objects.create(code="later", name="后建", level="county", code_prefix="LT")
    assert later.pk > max(reserved)
    assert reserve_ids(Jurisdiction, 2)[0] > later.pk


def test_insert_rows_fills_what_bulk_create_would_and_raises_the_register_version():
    before = current()
    city = Jurisdiction.objects.get(code="shuozhou")
    items = [ApprovalItem(jurisdiction=city, code=f"X-{n}", name=f"写入{n}", item_type="licensing") for n in range(3)]
    insert_rows(ApprovalItem, items)
    assert all(item.pk for item in items) and not items[0]._state.adding
    stored = ApprovalItem.objects.get(code="X-1")
    assert (stored.pk, stored.version, stored.status, stored.search_text) == (
        items[1].pk,
        items[1].version,
        "pending",
        "写入1",
    )
    assert stored.version
    assert stored.created_at is not None and stored.updated_at is not None
    assert current().number > before.number or connection.vendor == "postgresql"  # PG: raised at commit


def test_insert_rows_leaves_ids_unknown_when_asked():
    item = ApprovalItem.objects.first()
    events = [Transfer(item=item, sequence=90 + n, kind="transfer", from_status="x", to_status="y") for n in range(2)]
    insert_rows(Transfer, events, ids=connection.vendor != "postgresql")
    assert Transfer.objects.filter(item=item, sequence__gte=90).count() == 2
    assert Transfer.objects.get(item=item, sequence=90).recorded_at.date() >= datetime.date(2026, 1, 1)
