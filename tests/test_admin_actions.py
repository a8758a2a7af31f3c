"""The status-change actions: refused before the form, and a legal basis chosen or registered inline."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from approvals.models import ApprovalItem, ItemStatus, PolicyDocument, Transfer

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:approvals_approvalitem_changelist")
NEW_DOCUMENT = {
    "new_number": "朔政发〔2024〕11号",
    "new_title": "关于退回部分审批事项的通知",
    "new_issuer": "朔州市人民政府",
    "new_issued_on": "2024-04-20",
}


def _action(client, action: str, codes, **form):
    items = ApprovalItem.objects.filter(code__in=codes)
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [str(i.pk) for i in items], **form})


def _register() -> tuple[int, list[tuple[str, str]]]:
    return Transfer.objects.count(), list(ApprovalItem.objects.order_by("code").values_list("code", "status"))


def _apply(**form) -> dict:
    return {"apply": "1", "effective_on": "2024-05-01", **form}


def test_an_impossible_target_is_refused_before_the_form_with_the_item_and_the_reason(client, clerk):
    client.force_login(clerk)
    before = _register()
    response = _action(client, "record_return", ["SZ-0001", "SZ-0216"])
    assert response.status_code == 302 and response.url == CHANGELIST
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "事项“SZ-0216 校车使用许可”当前状态为“已退回原部门实施”，不能退回原部门。",
        "没有登记任何事项。",
    ]
    assert _register() == before


def test_a_sub_item_that_cannot_take_the_event_refuses_its_main_item(client, clerk):
    client.force_login(clerk)
    sub = ApprovalItem.objects.get(code="SZ-0212-02")
    ApprovalItem.objects.filter(pk=sub.pk).update(status=ItemStatus.RETURNED)
    before = _register()
    response = _action(client, "record_return", ["SZ-0212"])
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[0] == f"事项“SZ-0212-02 {sub.name}”当前状态为“已退回原部门实施”，不能退回原部门。"
    assert _register() == before


def test_the_form_is_laid_out_like_the_admins_own(client, clerk):
    client.force_login(clerk)
    page = _action(client, "record_return", ["SZ-0001"]).content.decode()
    assert page.count('class="module aligned') == 3
    assert "或登记新的依据文件" in page and "form-row field-new_number" in page


def test_a_document_registered_inline_is_cited_by_the_new_events(client, clerk):
    client.force_login(clerk)
    response = _action(client, "record_return", ["SZ-0212"], **_apply(**NEW_DOCUMENT, note="本级无相应职责权限"))
    assert response.status_code == 302
    document = PolicyDocument.objects.get(number="朔政发〔2024〕11号")
    assert (document.jurisdiction.code, document.title, document.issuer, str(document.issued_on)) == (
        "shuozhou",
        "关于退回部分审批事项的通知",
        "朔州市人民政府",
        "2024-04-20",
    )
    assert list(document.transfers.order_by("item__code").values_list("item__code", "kind")) == [
        ("SZ-0212", "return"),
        ("SZ-0212-01", "return"),
        ("SZ-0212-02", "return"),
    ]
    assert list(document.history.values_list("history_type", "history_user")) == [("+", clerk.pk)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "请选择依据文件，或填写文号和标题登记新文件。"),
        ({"document": "first", **NEW_DOCUMENT}, "请选择已登记的依据文件，或者登记新文件，二者只能填写一项。"),
        (
            {**NEW_DOCUMENT, "new_number": "朔政发〔2020〕7号"},
            "文号“朔政发〔2020〕7号”已经登记，请在“依据文件”中选择它。",
        ),
        ({"new_number": "朔政发〔2024〕12号"}, "登记新文件须填写标题。"),
    ],
)
def test_a_missing_doubled_or_known_document_is_a_form_error_and_writes_nothing(client, clerk, form, message):
    client.force_login(clerk)
    if form.get("document") == "first":
        form["document"] = str(PolicyDocument.objects.get(number="朔政发〔2020〕7号").pk)
    before, documents = _register(), PolicyDocument.objects.count()
    response = _action(client, "record_return", ["SZ-0001"], **_apply(**form))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _register() == before and PolicyDocument.objects.count() == documents
