"""Effective dates: an event dated later is recorded and shown at once, and changes the register only on its date.

The clock is frozen with time-machine: on 2 December 2026 a clerk returns 招标方案核准 (SZ-0001) as of
1 March 2027. Until that day every page, count and answer is that of an item at the bureau, with the
notice 将于2027年3月1日起退回原部门实施; from that day on, without anyone acting, it is returned.
"""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from approvals import services
from approvals.effective import apply_due
from approvals.models import ApprovalItem, ItemStatus, PolicyDocument, Transfer
from approvals.rules import EventPending

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECORDED = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
DUE = datetime.date(2027, 3, 1)
NOTICE = "将于2027年3月1日起退回原部门实施"
ITEM = "SZ-0001"
NAME = "招标方案核准"
CHANGELIST = reverse("admin:approvals_approvalitem_changelist")
ON_DATE = reverse("admin:approvals_approvalitem_on_date")


def _at(day: datetime.date, hour: int = 9):
    """The clock at `hour` o'clock in Shanghai on `day`, standing still."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def _notice() -> PolicyDocument:
    return PolicyDocument.objects.get(number="朔政发〔2022〕20号")


@pytest.fixture
def returned_later(clerk) -> ApprovalItem:
    """SZ-0001, returned on 2 December 2026 as of 1 March 2027."""
    item = ApprovalItem.objects.get(code=ITEM)
    with time_machine.travel(RECORDED, tick=False):
        services.item_return(item=item, effective_on=DUE, document=_notice(), user=clerk)
    return item


def _public_state(client) -> dict:
    """What the public side says about SZ-0001 and the catalogue's counts, each from its own page."""
    item_page = client.get(f"/items/{ITEM}/").content.decode()
    summary = client.get("/").context["summary"]
    transferred = client.get("/", {"q": NAME, "section": "transferred"}).context["page"].count
    returned = client.get("/", {"q": NAME, "section": "returned"}).context["page"].count
    charts = {chart.slug: chart.total for chart in client.get("/stats/").context["charts"]}
    api = client.get(f"/api/items/{ITEM}/").json()
    return {
        "page says at the bureau": "由审批服务管理局实施" in item_page.split("<dl")[0],
        "page says returned": "已退回原部门实施" in item_page.split("<dl")[0],
        "page notice": NOTICE in item_page,
        "page marks the event as waiting": "（尚未生效）" in item_page,
        "counts": (summary.at_bureau, summary.returned),
        "listed as transferred": transferred,
        "listed as returned": returned,
        "stats": charts,
        "api status": api["status"],
        "api last event": tuple(api["history"][-1][key] for key in ("kind", "effective_on", "pending")),
    }


def _admin_state(client, clerk) -> dict:
    client.force_login(clerk)  # a session of December has expired by March
    change = client.get(reverse("admin:approvals_approvalitem_change", args=[ApprovalItem.objects.get(code=ITEM).pk]))
    listed = client.get(CHANGELIST, {"q": ITEM}).content.decode()

    def on(day: str) -> bool:
        return ITEM in [item.code for item in client.get(ON_DATE, {"date": day}).context["page"]]

    return {
        "change page notice": NOTICE in change.content.decode(),
        "list notice": NOTICE in listed,
        "at the bureau on 2027-02-28": on("2027-02-28"),
        "at the bureau on 2027-03-01": on("2027-03-01"),
    }


def _register() -> tuple:
    return (
        list(Transfer.objects.order_by("pk").values_list("pk", "item_id", "kind", "pending")),
        list(ApprovalItem.objects.order_by("code").values_list("code", "status", "intake_id")),
        ApprovalItem.history.count(),
    )


def test_a_return_dated_later_changes_nothing_before_its_date_and_everything_on_it(client, clerk):
    with _at(RECORDED.date()):
        before = _public_state(client)
    item = ApprovalItem.objects.get(code=ITEM)
    intake = item.intake_id
    with time_machine.travel(RECORDED, tick=False):
        events = services.item_return(item=item, effective_on=DUE, document=_notice(), user=clerk)
    assert [(e.kind, e.effective_on, e.pending) for e in events] == [("return", DUE, True)]
    assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.BUREAU

    for moment in (RECORDED.date(), datetime.date(2027, 2, 28)):
        with _at(moment, hour=23):
            assert _public_state(client) == {
                **before,
                "page notice": True,
                "page marks the event as waiting": True,
                "api last event": ("退回原部门", "2027-03-01", True),
            }
            assert _admin_state(client, clerk) == {
                "change page notice": True,
                "list notice": True,
                "at the bureau on 2027-02-28": True,
                "at the bureau on 2027-03-01": False,
            }
    assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.BUREAU

    with _at(DUE, hour=0):
        client.get("/items/SZ-0001/")  # one request, no command: the first of the day applies the event
        assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.RETURNED
        after = _public_state(client)
        assert after == {
            **before,
            "page says at the bureau": False,
            "page says returned": True,
            "counts": (before["counts"][0] - 1, before["counts"][1] + 1),
            "listed as transferred": 0,
            "listed as returned": 1,
            "stats": {slug: total - 1 for slug, total in before["stats"].items()},
            "api status": "已退回原部门实施",
            "api last event": ("退回原部门", "2027-03-01", False),
        }
        assert _admin_state(client, clerk) == {
            "change page notice": False,
            "list notice": False,
            "at the bureau on 2027-02-28": True,
            "at the bureau on 2027-03-01": False,
        }
    item = ApprovalItem.objects.get(code=ITEM)
    assert (item.intake_id, Transfer.objects.get(pk=events[0].pk).pending) == (intake, False)
    last = item.history.order_by("-history_id").first()
    assert (last.history_type, last.status, last.history_user, last.history_change_reason) == (
        "~",
        ItemStatus.RETURNED,
        None,
        "按 2027年3月1日 生效的“退回原部门”更新状态",
    )


def test_the_public_page_names_the_waiting_event_and_the_status_in_force(client, returned_later):
    with _at(RECORDED.date()):
        page = client.get(f"/items/{ITEM}/").content.decode()
    lead = page.split('<p class="lead">')[1].split("</p>")[0]
    assert "由审批服务管理局实施" in lead and "2022" not in lead  # the transfer in force has no known date
    assert f"<strong>{NOTICE}</strong>，依据朔政发〔2022〕20号。" in page
    assert "<strong>退回原部门</strong>：由审批服务管理局实施 → 已退回原部门实施" in page
    assert '<span class="pending">（尚未生效）</span>' in page


def test_shanghai_midnight_is_the_start_of_the_day(client, returned_later):
    with time_machine.travel(datetime.datetime(2027, 2, 28, 15, 59, tzinfo=datetime.UTC), tick=False):
        client.get("/")
        assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.BUREAU
    with time_machine.travel(datetime.datetime(2027, 2, 28, 16, 0, tzinfo=datetime.UTC), tick=False):
        client.get("/")
        assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.RETURNED


def test_the_command_applies_what_is_due_once_and_says_how_many(capsys, returned_later):
    with _at(datetime.date(2027, 2, 28)):
        call_command("apply_due_events")
    assert capsys.readouterr().out == "没有到期的划转记录。\n"
    assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.BUREAU
    with _at(datetime.date(2027, 3, 2)):
        call_command("apply_due_events")
        assert capsys.readouterr().out == "已有 1 条划转记录按生效日期生效。\n"
        state = _register()
        call_command("apply_due_events")
        assert capsys.readouterr().out == "没有到期的划转记录。\n"
        assert apply_due() == 0
    assert _register() == state
    assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.RETURNED


def test_a_main_item_and_its_sub_items_wait_together_and_a_transfer_becomes_their_intake(clerk):
    with time_machine.travel(RECORDED, tick=False):
        returned = services.item_return(
            item=ApprovalItem.objects.get(code="SZ-0212"), effective_on=DUE, document=_notice(), user=clerk
        )
        transferred = services.item_transfer(
            item=ApprovalItem.objects.get(code="SZ-0216"), effective_on=DUE, document=_notice(), user=clerk
        )
    assert [e.item.code for e in returned] == ["SZ-0212", "SZ-0212-01", "SZ-0212-02"]
    statuses = dict(ApprovalItem.objects.filter(code__in=["SZ-0212", "SZ-0216"]).values_list("code", "status"))
    assert statuses == {"SZ-0212": ItemStatus.BUREAU, "SZ-0216": ItemStatus.RETURNED}
    assert apply_due(datetime.date(2027, 2, 28)) == 0
    assert apply_due(DUE) == 4
    items = {i.code: i for i in ApprovalItem.objects.filter(code__startswith="SZ-021").filter(code__lte="SZ-0216")}
    assert {code: items[code].status for code in ["SZ-0212", "SZ-0212-01", "SZ-0212-02", "SZ-0216"]} == {
        "SZ-0212": ItemStatus.RETURNED,
        "SZ-0212-01": ItemStatus.RETURNED,
        "SZ-0212-02": ItemStatus.RETURNED,
        "SZ-0216": ItemStatus.BUREAU,
    }
    assert items["SZ-0216"].intake_id == transferred[0].pk


def test_a_second_event_is_refused_while_one_waits_and_nothing_changes(client, clerk, returned_later):
    before = _register()
    with time_machine.travel(RECORDED, tick=False), pytest.raises(EventPending) as refused:
        services.item_cancel(item=returned_later, effective_on=RECORDED.date(), document=_notice(), user=clerk)
    assert refused.value.messages == [
        f"事项“{ITEM} {NAME}”已登记将于 2027年3月1日 生效的“退回原部门”，生效之前不能登记新的划转记录。"
    ]
    assert _register() == before

    client.force_login(clerk)
    with time_machine.travel(RECORDED, tick=False):
        response = client.post(CHANGELIST, {"action": "record_cancel", ACTION_CHECKBOX_NAME: [str(returned_later.pk)]})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [*refused.value.messages, "没有登记任何事项。"]
    assert _register() == before


def test_the_admin_action_takes_a_later_date_and_says_when_it_takes_effect(client, clerk):
    client.force_login(clerk)
    item = ApprovalItem.objects.get(code=ITEM)
    form = {"apply": "1", "effective_on": "2027-03-01", "document": str(_notice().pk), "note": "本级无相应职责权限"}
    with time_machine.travel(RECORDED, tick=False):
        response = client.post(CHANGELIST, {"action": "record_return", ACTION_CHECKBOX_NAME: [str(item.pk)], **form})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已为 1 个事项登记“退回原部门”，共写入 1 条划转记录。将于 2027年3月1日 生效，在此之前事项状态不变。"
    ]
    assert ApprovalItem.objects.get(code=ITEM).status == ItemStatus.BUREAU
    assert Transfer.objects.filter(item=item, pending=True).count() == 1


def test_an_event_dated_today_or_earlier_takes_effect_at_once(clerk):
    item = ApprovalItem.objects.get(code=ITEM)
    with time_machine.travel(RECORDED, tick=False):
        [event] = services.item_return(item=item, effective_on=RECORDED.date(), document=_notice(), user=clerk)
    assert (event.pending, ApprovalItem.objects.get(code=ITEM).status) == (False, ItemStatus.RETURNED)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("official_data")
def test_two_processes_applying_at_once_apply_each_event_once(postgres, clerk):
    item = ApprovalItem.objects.get(code="SZ-0212")
    with time_machine.travel(RECORDED, tick=False):
        services.item_return(item=item, effective_on=DUE, document=_notice(), user=clerk)
    history = ApprovalItem.history.count()
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(apply_due(DUE))
        except Exception as error:  # a failure is the result under test
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results, key=str) == [0, 3]
    assert ApprovalItem.history.count() == history + 3
    assert set(ApprovalItem.objects.filter(code__startswith="SZ-0212").values_list("status", flat=True)) == {
        ItemStatus.RETURNED
    }
