"""Element standardisation (issue 18 §3): the counties whose service-guide elements differ from the city's."""

import io

import openpyxl
import pytest
from django.urls import reverse

from approvals.models import ApprovalItem, Jurisdiction
from approvals.standardisation import Difference, ItemDifferences, element_differences
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _copy(city_item: ApprovalItem, county: str, code: str, **elements) -> ApprovalItem:
    """A county's copy of a city item (as deriving or claiming writes it), with its own elements."""
    place = Jurisdiction.objects.get(code=county)
    values = {name: getattr(city_item, name) for name in ("application_materials", "statutory_time_limit", "fees")}
    return ApprovalItem.objects.create(
        jurisdiction=place,
        code=code,
        name=city_item.name,
        item_type=city_item.item_type,
        source_text="测试",
        derived_from=city_item,
        **{**values, **elements},
    )


@pytest.fixture
def copies() -> ApprovalItem:
    city_item = ApprovalItem.objects.get(code="SZ-0001")
    ApprovalItem.objects.filter(pk=city_item.pk).update(
        application_materials="1. 申请表\n2. 项目可行性研究报告", statutory_time_limit="20个工作日", fees="不收费"
    )
    city_item.refresh_from_db()
    _copy(city_item, "shuocheng", "SC-0001", application_materials="1. 申请表 2. 项目可行性研究报告")  # spacing only
    _copy(city_item, "pinglu", "PL-0001", statutory_time_limit="15个工作日", fees="")
    _copy(city_item, "huairen", "HR-0001")
    return city_item


def test_the_city_report_lists_each_difference_and_ignores_spacing(copies):
    assert element_differences(Jurisdiction.objects.get(code="shuozhou")) == [
        ItemDifferences(
            "SZ-0001",
            "招标方案核准",
            [
                Difference("平鲁区", "PL-0001", "法定时限", "20个工作日", "15个工作日"),
                Difference("平鲁区", "PL-0001", "收费", "不收费", ""),
            ],
        )
    ]
    assert element_differences(Jurisdiction.objects.get(code="huairen")) == []


def test_the_admin_page_and_its_workbook(client, copies):
    client.force_login(make_user("city_clerk", groups=["经办人"]))
    city = Jurisdiction.objects.get(code="shuozhou")
    url = reverse("admin:approvals_jurisdiction_elements", args=[city.pk])
    page = client.get(url).content.decode()
    assert "共 1 项市级事项有差异，2 处。" in page
    assert "<h2>SZ-0001 招标方案核准（平鲁区）</h2>" in page
    assert "<td>平鲁区</td><td>PL-0001</td><td>收费</td><td>不收费</td><td>（空）</td>" in page

    book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[1] == ["市级事项编码", "市级事项名称", "县（市、区）", "本级事项编码", "要素", "市级", "本级"]
    assert rows[2:] == [
        ["SZ-0001", "招标方案核准", "平鲁区", "PL-0001", "法定时限", "20个工作日", "15个工作日"],
        ["SZ-0001", "招标方案核准", "平鲁区", "PL-0001", "收费", "不收费", "（空）"],
    ]


def test_a_county_clerk_sees_only_their_county(client, copies):
    client.force_login(make_user("huairen_clerk", groups=["经办人"], jurisdiction="huairen"))
    city, own = (Jurisdiction.objects.get(code=code) for code in ("shuozhou", "huairen"))
    assert client.get(reverse("admin:approvals_jurisdiction_elements", args=[city.pk])).status_code == 404
    page = client.get(reverse("admin:approvals_jurisdiction_elements", args=[own.pk])).content.decode()
    assert "各县（市、区）的办事指南要素与市级一致。" in page
