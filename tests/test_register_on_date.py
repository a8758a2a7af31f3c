"""The register on any date, past or future, gives the same answer in the admin, the public list and the API.

One rule answers all three: `ApprovalItem.objects.main_items().at_bureau(on)`. The admin's page
(某日在审批服务管理局实施的事项) asks it with `?date=`, the catalogue and `/api/items/` with `?on=`.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalItem, PolicyDocument

pytestmark = pytest.mark.django_db

ON_DATE = reverse("admin:approvals_approvalitem_on_date")
BEFORE_2022_ADJUSTMENT = datetime.date(2022, 8, 8)


def _admin(client, day: datetime.date) -> tuple[int, list[str]]:
    page = client.get(ON_DATE, {"date": day.isoformat(), "jurisdiction": "shuozhou"}).context["page"]
    return page.paginator.count, [item.code for item in page.paginator.object_list]


def _public(client, day: datetime.date) -> tuple[int, list[str]]:
    codes, number = [], 1
    while True:
        page = client.get("/", {"on": day.isoformat(), "per_page": 100, "page": number}).context["page"]
        codes += [row["code"] for row in page.items]
        if not page.has_next:
            return page.count, codes
        number += 1


def _api(client, day: datetime.date) -> tuple[int, list[str]]:
    codes, data = [], client.get("/api/items/", {"on": day.isoformat(), "page_size": 200}).json()
    while True:
        codes += [item["code"] for item in data["results"]]
        if data["next"] is None:
            return data["count"], codes
        data = client.get(data["next"]).json()


def _answers(client, day: datetime.date) -> dict[str, tuple[int, list[str]]]:
    return {"admin": _admin(client, day), "public": _public(client, day), "api": _api(client, day)}


def _rule(day: datetime.date) -> list[str]:
    items = ApprovalItem.objects.filter(jurisdiction__code="shuozhou").main_items().at_bureau(on=day)
    return list(items.order_by("code").values_list("code", flat=True))


def test_before_the_2022_adjustment_all_three_list_the_same_284_items(client, clerk):
    client.force_login(clerk)
    answers = _answers(client, BEFORE_2022_ADJUSTMENT)
    expected = _rule(BEFORE_2022_ADJUSTMENT)
    assert len(expected) == 213 - 19 + 90  # the 19 of the second batch came on 9 August; the 90 returned left then
    assert answers == {"admin": (284, expected), "public": (284, expected), "api": (284, expected)}
    assert "SZ-0216" in expected  # 校车使用许可, returned on 2022-08-09: still at the bureau the day before


def test_today_all_three_list_the_items_at_the_bureau_as_the_catalogue_does(client, clerk):
    client.force_login(clerk)
    today = timezone.localdate()
    answers = _answers(client, today)
    catalogue = client.get("/api/items/", {"section": "transferred", "page_size": 200}).json()
    listed = [item["code"] for item in catalogue["results"]]
    listed += [item["code"] for item in client.get(catalogue["next"]).json()["results"]]
    assert answers == {"admin": (213, sorted(listed)), "public": (213, sorted(listed)), "api": (213, sorted(listed))}


def test_a_return_dated_later_counts_from_its_date_in_all_three(client, clerk):
    client.force_login(clerk)
    today = timezone.localdate()
    due = today + datetime.timedelta(days=90)
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    services.item_return(item=ApprovalItem.objects.get(code="SZ-0001"), effective_on=due, document=notice, user=clerk)

    for day, count, listed in ((today, 213, True), (due - datetime.timedelta(days=1), 213, True), (due, 212, False)):
        answers = _answers(client, day)
        expected = _rule(day)
        assert (len(expected), "SZ-0001" in expected) == (count, listed), day
        assert answers == {"admin": (count, expected), "public": (count, expected), "api": (count, expected)}, day
    # Until its date the stored status, which the catalogue without a date shows, has not moved either.
    assert client.get("/", {"q": "招标方案核准", "section": "transferred"}).context["page"].count == 1


def test_the_page_says_whose_register_of_which_day_it_shows(client):
    page = client.get("/", {"on": "2027-03-01"}).content.decode()
    assert '<h2 class="on-date">2027年3月1日 的目录（在审批服务管理局实施的事项）</h2>' in page
    assert '<p role="status">共 213 项（主项），第 1 / 11 页</p>' in page
    assert "目录日期：2027年3月1日" in page  # the chip that removes the date


@pytest.mark.parametrize("value", ["2022-13-45", "明天", "99999-01-01", "2022-02-30"])
def test_a_date_not_understood_is_a_chinese_error_not_a_500(client, value):
    message = "请按“年-月-日”填写日期，例如 2027-03-01。"
    page = client.get("/", {"on": value})
    assert page.status_code == 200
    assert f'<p class="notice" id="id_on_error">{message}</p>' in page.content.decode()
    assert "以下条件的取值无法识别，已忽略：目录日期。" in page.content.decode()
    assert page.context["page"].count == 303  # the date ignored: today's catalogue
    api = client.get("/api/items/", {"on": value})
    assert (api.status_code, api.json()) == (400, {"on": [message]})
