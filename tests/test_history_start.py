"""Every audited row's history starts with the state it was loaded or created in."""

import html
import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalItem, Department, ItemDepartment, ItemType, Jurisdiction, PolicyDocument
from tests.test_admin import _post_data

pytestmark = pytest.mark.django_db

AUDITED_COUNTS = [(Department, 24), (PolicyDocument, 3), (ApprovalItem, 320), (ItemDepartment, 320)]


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize(("model", "count"), AUDITED_COUNTS)
def test_loading_the_official_data_writes_each_rows_first_history(model, count):
    assert model.objects.count() == count
    assert model.history.count() == count
    assert set(model.history.values_list("history_type", "history_change_reason", "history_user")) == {
        ("+", "载入官方目录", None)
    }


def test_loading_again_writes_no_second_start():
    call_command("loaddata", "shuozhou_2022", verbosity=0)
    assert ApprovalItem.history.count() == 320
    assert ItemDepartment.history.count() == 320


def test_the_migration_starts_the_history_of_rows_that_have_none():
    item = ApprovalItem.objects.get(code="SZ-0001")
    item.history.all().delete()
    ItemDepartment.history.filter(item_id=item.pk).delete()
    migration = importlib.import_module("approvals.migrations.0011_history_start")
    migration.start_history(apps, SimpleNamespace(connection=connection))
    assert list(item.history.values_list("history_type", "name")) == [("+", "招标方案核准")]
    assert ItemDepartment.history.filter(item_id=item.pk).count() == 1
    assert ApprovalItem.history.count() == 320  # the others already had theirs


def test_an_item_created_by_the_service_starts_its_history(clerk):
    item = services.item_create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        name="测试新增事项",
        item_type=ItemType.LICENSING,
        departments=[Department.objects.get(short_name="市发改委")],
        user=clerk,
    )
    assert list(item.history.values_list("history_type", "history_user")) == [("+", clerk.pk)]
    assert ItemDepartment.history.filter(item_id=item.pk, history_type="+").count() == 1


def test_the_first_edit_shows_the_old_and_new_value_in_chinese(client, clerk):
    client.force_login(clerk)
    item = ApprovalItem.objects.get(code="SZ-0001")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    data = _post_data(client.get(url).context["adminform"].form, item, name="招标方案核准（更名测试）")
    assert client.post(url, data).status_code == 302

    page = client.get(reverse("admin:approvals_approvalitem_history", args=[item.pk])).content.decode()
    text = _text(page)
    assert "事项名称： 招标方案核准 → 招标方案核准（更名测试）" in text
    assert "变更内容" in text and "修改原因" in text and "载入官方目录" in text
    assert "None" not in text and "Changes" not in text and "CHANGES" not in text
