"""The services are the only writers of an item's status: each writes the event and the state together."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from approvals import services
from approvals.models import ApprovalItem, Department, ItemStatus, ItemType, Jurisdiction, PolicyDocument, Transfer

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 3, 1)


@pytest.fixture
def notice():
    return PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        number="朔政发〔2024〕1号",
        title="测试调整通知",
        batch_label="三次划转",
    )


def _item(name: str) -> ApprovalItem:
    return ApprovalItem.objects.get(name=name)


def test_returning_an_item_writes_the_event_and_the_status_together(clerk_user, notice):
    item = _item("招标方案核准")
    [event] = services.item_return(item=item, effective_on=DAY, document=notice, user=clerk_user)
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED
    assert (event.sequence, event.kind, event.from_status, event.to_status) == (2, "return", "bureau", "returned")
    assert (event.effective_on, event.document, event.recorded_by) == (DAY, notice, clerk_user)
    assert item.batch_text() == "首次划转"  # how it came to the bureau does not change by leaving it


def test_an_edit_made_on_a_copy_read_before_an_event_never_writes_the_old_status_back(clerk_user, notice):
    opened = _item("招标方案核准")  # a clerk's form, read while the item was at the bureau
    services.item_return(item=_item("招标方案核准"), effective_on=DAY, document=notice, user=clerk_user)
    opened.remarks = "改了备注"
    services.item_update(item=opened, user=clerk_user)
    stored = _item("招标方案核准")
    assert (stored.status, stored.remarks) == (ItemStatus.RETURNED, "改了备注")
    assert stored.intake.kind == "transfer"  # the intake stays the 2020 transfer, not rewritten by the edit


def test_returning_a_main_item_returns_each_of_its_sub_items(notice):
    main = _item("雷电防护装置设计审核和竣工验收")
    events = services.item_return(item=main, effective_on=DAY, document=notice)
    assert [e.item.name for e in events] == [
        "雷电防护装置设计审核和竣工验收",
        "雷电防护装置设计审核",
        "雷电防护装置竣工验收",
    ]
    assert set(ApprovalItem.objects.filter(pk__in=[e.item_id for e in events]).values_list("status", flat=True)) == {
        ItemStatus.RETURNED
    }


def test_bringing_a_returned_item_back_makes_its_new_batch_the_intake(notice):
    item = _item("校车使用许可")
    services.item_transfer(item=item, effective_on=DAY, document=notice)
    item.refresh_from_db()
    assert item.status == ItemStatus.BUREAU
    assert item.batch_text() == "三次划转"
    assert list(item.transfers.values_list("kind", flat=True)) == ["transfer", "return", "transfer"]


def test_it_refuses_to_return_an_item_that_is_not_at_the_bureau_and_writes_nothing(notice):
    item = _item("校车使用许可")
    before = Transfer.objects.count()
    with pytest.raises(services.TransitionRefused) as refused:
        services.item_return(item=item, effective_on=DAY, document=notice)
    assert "当前状态为“已退回原部门实施”，不能退回原部门" in refused.value.messages[0]
    assert Transfer.objects.count() == before
    item.refresh_from_db()
    assert item.status == ItemStatus.RETURNED


def test_a_refused_sub_item_refuses_the_whole_main_item(notice):
    main = _item("雷电防护装置设计审核和竣工验收")
    services.item_return(item=main.children.first(), effective_on=DAY, document=notice)
    before = Transfer.objects.count()
    with pytest.raises(services.TransitionRefused):
        services.item_return(item=main, effective_on=DAY, document=notice)
    assert Transfer.objects.count() == before
    assert _item("雷电防护装置设计审核和竣工验收").status == ItemStatus.BUREAU


def test_cancelled_items_cannot_come_back(notice):
    item = _item("招标方案核准")
    services.item_cancel(item=item, effective_on=DAY, document=notice)
    with pytest.raises(services.TransitionRefused):
        services.item_transfer(item=item, effective_on=DAY, document=notice)


def test_created_items_get_the_next_stable_code_and_wait_for_a_transfer():
    city = Jurisdiction.objects.get(code="shuozhou")
    department = Department.objects.get(short_name="市发改委")
    item = services.item_create(
        jurisdiction=city, name=" 新增测试事项 ", item_type=ItemType.LICENSING, departments=[department]
    )
    assert (item.code, item.name, item.status) == ("SZ-0304", "新增测试事项", ItemStatus.PENDING)
    sub = services.item_create(
        jurisdiction=city, name="子项", item_type=ItemType.LICENSING, departments=[department], parent=item
    )
    assert sub.code == "SZ-0304-01"
    assert item.transfers.count() == 0


def test_creating_an_item_without_department_or_source_is_refused():
    city = Jurisdiction.objects.get(code="shuozhou")
    with pytest.raises(ValidationError) as refused:
        services.item_create(jurisdiction=city, name="无部门事项", item_type=ItemType.LICENSING)
    assert refused.value.code == "no_department"
    assert not ApprovalItem.objects.filter(name="无部门事项").exists()


def test_accepting_a_power_from_the_province_puts_it_at_the_bureau():
    city = Jurisdiction.objects.get(code="shuozhou")
    item = services.item_create(
        jurisdiction=city, name="省级下放测试事项", item_type=ItemType.LICENSING, source_text="省政府下放"
    )
    services.item_accept(item=item, effective_on=None, document=None, note="承接省政府下放职权")
    item.refresh_from_db()
    assert (item.status, item.batch_text(), item.department_text()) == (ItemStatus.BUREAU, "承接", "省政府下放")


def test_the_register_on_a_past_day_is_read_from_the_history(notice):
    items = ApprovalItem.objects.filter(jurisdiction__code="shuozhou").main_items()
    assert items.at_bureau(on=datetime.date(2022, 8, 8)).count() == 213 - 19 + 90  # before the 2022 adjustment
    assert items.at_bureau(on=datetime.date(2022, 8, 9)).count() == 213
    services.item_return(item=_item("招标方案核准"), effective_on=DAY, document=notice)
    assert items.at_bureau(on=DAY - datetime.timedelta(days=1)).count() == 213
    assert items.at_bureau(on=DAY).count() == 212
    assert items.at_bureau().count() == 212
