"""Upstream review (issue 18 §2): a city edition's changes queued for the counties that carry the items."""

import datetime

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalItem, Department, Jurisdiction
from catalog.publishing import edition_compile, edition_publish
from catalog.upstream import UpstreamChange, keep, take_over
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 30)


def _copy(city_code: str, county: str, code: str) -> ApprovalItem:
    """A county's copy of a city item, as deriving or claiming writes it."""
    city_item = ApprovalItem.objects.get(code=city_code)
    return ApprovalItem.objects.create(
        jurisdiction=Jurisdiction.objects.get(code=county),
        code=code,
        name=city_item.name,
        item_type=city_item.item_type,
        in_base_catalogue=city_item.in_base_catalogue,
        source_text="朔城区交通运输局",
        derived_from=city_item,
    )


@pytest.fixture
def published(clerk) -> tuple:
    """Two county copies; the city renames one item and moves the other to another department, then publishes."""
    renamed, moved = _copy("SZ-0001", "shuocheng", "SC-0001"), _copy("SZ-0100", "shuocheng", "SC-0002")
    city_item = ApprovalItem.objects.get(code="SZ-0001")
    city_item.name = "招标方案核准（依法必须招标的项目）"
    services.item_update(item=city_item, user=clerk)
    services.item_set_departments(
        item=ApprovalItem.objects.get(code="SZ-0100"),
        departments=[Department.objects.get(jurisdiction__code="shuozhou", short_name="市发改委")],
        user=clerk,
    )
    city = Jurisdiction.objects.get(code="shuozhou")
    draft = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, user=clerk)
    edition_publish(edition=draft, user=make_user("reviewer", groups=["审核人"]))
    return renamed, moved


def test_publishing_queues_each_county_copy_with_the_columns_that_changed(published):
    renamed, moved = published
    queue = {change.county_item.code: change for change in UpstreamChange.objects.select_related("county_item")}
    assert set(queue) == {"SC-0001", "SC-0002"}
    assert queue["SC-0001"].changes == [
        {"column": "事项名称", "before": "招标方案核准", "after": "招标方案核准（依法必须招标的项目）"}
    ]
    assert queue["SC-0002"].changes == [{"column": "划转部门", "before": "市交通局", "after": "市发改委"}]
    assert {change.status for change in queue.values()} == {"pending"}
    assert {change.jurisdiction.code for change in queue.values()} == {"shuocheng"}


def test_taking_over_a_rename_and_a_move(published, clerk):
    shuocheng_clerk = make_user("sc_clerk", groups=["经办人"], jurisdiction="shuocheng")
    rename = UpstreamChange.objects.get(county_item__code="SC-0001")
    assert take_over(rename, user=shuocheng_clerk) == []
    assert ApprovalItem.objects.get(code="SC-0001").name == "招标方案核准（依法必须招标的项目）"
    rename.refresh_from_db()
    assert (rename.status, rename.decided_by) == ("taken", shuocheng_clerk)

    move = UpstreamChange.objects.get(county_item__code="SC-0002")
    assert take_over(move, user=shuocheng_clerk) == ["划转部门"]  # the county's own departments: by hand
    assert ApprovalItem.objects.get(code="SC-0002").source_text == "朔城区交通运输局"


def test_keeping_the_county_value_needs_a_reason(published):
    shuocheng_clerk = make_user("sc_clerk", groups=["经办人"], jurisdiction="shuocheng")
    change = UpstreamChange.objects.get(county_item__code="SC-0001")
    with pytest.raises(Exception, match="保留本级的值须写明理由"):
        keep(change, reason=" ", user=shuocheng_clerk)
    assert UpstreamChange.objects.get(pk=change.pk).status == "pending"
    keep(change, reason="本县沿用原名称，已报市局备案", user=shuocheng_clerk)
    change.refresh_from_db()
    assert (change.status, change.reason) == ("kept", "本县沿用原名称，已报市局备案")
    assert ApprovalItem.objects.get(code="SC-0001").name == "招标方案核准"


def test_the_admin_shows_the_comparison_decides_and_the_index_counts_the_queue(client, published):
    client.force_login(make_user("sc_clerk", groups=["经办人"], jurisdiction="shuocheng"))
    index = client.get(reverse("admin:index")).content.decode()
    assert "2 项待核对，最早一项已等 0" in index
    change = UpstreamChange.objects.get(county_item__code="SC-0001")
    url = reverse("admin:catalog_upstreamchange_change", args=[change.pk])
    page = client.get(url).content.decode()
    assert (
        "<tr><td>事项名称</td><td>招标方案核准</td><td>招标方案核准（依法必须招标的项目）</td><td>招标方案核准</td></tr>"
        in page
    )
    refused = client.post(url, {"decision": "keep", "reason": ""})
    assert refused.status_code == 200 and "保留本级的值须写明理由。" in refused.content.decode()
    client.post(url, {"decision": "take", "reason": ""})
    assert UpstreamChange.objects.get(pk=change.pk).status == "taken"
    assert "1 项待核对" in client.get(reverse("admin:index")).content.decode()


def test_another_countys_clerk_sees_none_of_the_queue(client, published):
    client.force_login(make_user("hr_clerk", groups=["经办人"], jurisdiction="huairen"))
    change = UpstreamChange.objects.get(county_item__code="SC-0001")
    assert client.get(reverse("admin:catalog_upstreamchange_change", args=[change.pk])).status_code in (302, 404)
    listing = client.get(reverse("admin:catalog_upstreamchange_changelist")).content.decode()
    assert "SC-0001" not in listing
    assert "待核对" not in client.get(reverse("admin:index")).content.decode()
