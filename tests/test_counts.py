"""One count of a department's items: main items (主项) whose departments include it, at the bureau now.

The admin's department list, the API and the statistics page show the same numbers
(`DepartmentQuerySet.with_item_counts`), and every count on a page says what it counts: 主项 or 表格行.

The numbers, from the official 2022 catalogue:
- 市发改委 5: its main items in section (一); its three sub-items at the bureau are rows of those main
  items, not items of their own (the admin counted them and said 8).
- 市住建局 25 and 市城市管理局 16: items 60 (临时性建筑物搭建、堆放物料、占道施工审批) and 61 list both
  departments and count for each, in whatever place the department stands.
"""

import re

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument

pytestmark = pytest.mark.django_db

EXPECTED = {"市发改委": 5, "市住建局": 25, "市城市管理局": 16}
ITEM_60 = "临时性建筑物搭建、堆放物料、占道施工审批"


def _admin(client, user) -> dict[str, int]:
    client.force_login(user)
    city = Jurisdiction.objects.get(code="shuozhou")
    response = client.get(reverse("admin:approvals_department_changelist"), {"jurisdiction__id__exact": city.pk})
    page = response.content.decode()
    assert "在审批局实施的主项" in page and "全部主项" in page
    return {d.short_name: d.items_at_bureau for d in response.context["cl"].result_list if d.short_name in EXPECTED}


def _api(client) -> dict[str, int]:
    counts, url = {}, "/api/departments/"
    while url:
        data = client.get(url).json()
        counts.update(
            {d["short_name"]: d["items_at_bureau"] for d in data["results"] if d["jurisdiction"] == "shuozhou"}
        )
        url = data["next"]
    return {name: counts[name] for name in EXPECTED}


def _stats(client) -> tuple[dict[str, int], dict[str, int]]:
    """The department chart's numbers: from the page's context, and from its table as printed."""
    response = client.get("/stats/")
    [chart] = [chart for chart in response.context["charts"] if chart.slug == "departments"]
    page = response.content.decode()
    table = page.split('aria-labelledby="departments-heading"')[1].split("</table>")[0]
    printed = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', table))
    return (
        {name: n for name, n in chart.rows if name in EXPECTED},
        {name: int(printed[name]) for name in EXPECTED},
    )


def test_item_60_counts_for_both_its_departments():
    item = ApprovalItem.objects.get(name=ITEM_60)
    assert (item.code, item.department_text()) == ("SZ-0060", "市住建局、市城市管理局")


def test_the_admin_the_api_and_the_stats_page_give_the_same_numbers(client, clerk):
    assert _admin(client, clerk) == EXPECTED
    assert _api(client) == EXPECTED
    assert _stats(client) == (EXPECTED, EXPECTED)


def test_they_move_together_when_an_item_of_two_departments_is_returned(client, clerk):
    notice = PolicyDocument.objects.get(
        number="朔政发〔2022〕20号"
    )  # the city government's: item 60 is outside the base
    services.item_return(item=ApprovalItem.objects.get(name=ITEM_60), effective_on=None, document=notice, user=clerk)
    expected = {"市发改委": 5, "市住建局": 24, "市城市管理局": 15}
    assert _admin(client, clerk) == expected
    assert _api(client) == expected
    assert _stats(client) == (expected, expected)


def test_the_department_page_heading_gives_the_same_count(client):
    page = client.get("/departments/fgw/").content.decode()
    assert "已划转至审批服务管理局实施：5 项（主项）" in page


def test_the_stats_page_says_it_counts_main_items_and_how_shared_ones_count(client):
    response = client.get("/stats/")
    [departments, types, batches] = response.context["charts"]
    # 213 main items at the bureau; items 60 and 61 have two bars each, the two accepted ones one of their own.
    assert (departments.total, sum(n for _name, n in departments.rows)) == (213, 215)
    assert departments.rows[-1] == ("省政府下放（承接）", 2)
    assert (types.total, batches.total) == (213, 213)
    page = response.content.decode()
    assert "各部门在审批局实施的主项数：共 213 项（主项）" in page
    assert "由两个以上部门共同划转的主项在每个部门各计一次，合计按主项计。" in page
    assert page.count('<th scope="col">项（主项）</th>') == 3


def test_the_home_page_says_which_counts_are_main_items_and_which_table_rows(client):
    page = client.get("/").content.decode()
    assert "<strong>213</strong> 项（主项）由审批服务管理局实施" in page
    assert "<strong>90</strong> 项（主项）已调整回原部门实施" in page
    assert "审批局实施事项按类型（有子项的主项每个子项计一行）：" in page
    assert "<span>行政许可 172 行（含子项）</span>" in page  # table rows; the stats page counts 167 main items
    assert "共 303 项（主项），第 1 / 16 页" in page
