"""The clerks' desk: changelists, status actions, audit trail, lost-update guard, permissions."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from approvals.admin import ApprovalItemAdmin
from approvals.admin.forms import STALE_MESSAGE
from approvals.models import ApprovalItem, ItemDepartment, ItemStatus, Jurisdiction, PolicyDocument, Transfer

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:approvals_approvalitem_changelist")


def _item(name: str) -> ApprovalItem:
    return ApprovalItem.objects.get(name=name)


def _action(client, action: str, items, **form):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(i.pk) for i in items], **form}
    return client.post(CHANGELIST, data)


@pytest.fixture
def notice():
    return PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        number="朔政发〔2024〕9号",
        title="测试调整通知",
        batch_label="三次划转",
    )


def test_the_changelist_shows_the_register_to_a_clerk(client, clerk):
    client.force_login(clerk)
    response = client.get(CHANGELIST, {"q": "政府投资项目初步设计审批"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "政府固定资产投资项目审批" in page  # found through its sub-item's name
    assert response.context["cl"].result_count == 2  # the main item and the sub-item itself


def test_each_row_checkbox_is_the_one_django_renders(client, clerk):
    """approvals/admin_scope.py writes the row checkbox itself, not through the template engine: it must stay
    Django's markup, selecting its own row."""
    client.force_login(clerk)
    response = client.get(CHANGELIST, {"q": "SZ-0060"})
    changelist = response.context["cl"]
    item = changelist.result_list[0]
    djangos = admin.ModelAdmin.action_checkbox(changelist.model_admin, item)
    assert changelist.model_admin.action_checkbox(item) == djangos
    assert djangos in response.content.decode()


def test_the_changelist_finds_an_item_by_code(client, clerk):
    client.force_login(clerk)
    response = client.get(CHANGELIST, {"q": "SZ-0060"})
    assert [i.name for i in response.context["cl"].result_list] == ["临时性建筑物搭建、堆放物料、占道施工审批"]
    assert "市住建局、市城市管理局" in response.content.decode()


@pytest.mark.parametrize("per_page", [10, 100])
def test_the_changelist_runs_the_same_few_queries_whatever_the_page_size(
    client, clerk, per_page, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(ApprovalItemAdmin, "list_per_page", per_page)
    client.force_login(clerk)
    with django_assert_max_num_queries(14):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == per_page


def test_the_filters_narrow_the_list(client, clerk):
    client.force_login(clerk)
    returned = client.get(CHANGELIST, {"status__exact": "returned"})
    assert returned.context["cl"].result_count == 90
    # The same values as the public filter's: first (首次划转), second (二次划转), accepted (承接).
    batch = client.get(CHANGELIST, {"batch": "second", "level": "main"})
    assert batch.context["cl"].result_count == 19
    assert client.get("/", {"batch": "second"}).context["page"].count == 19
    accepted = client.get(CHANGELIST, {"batch": "accepted"})
    assert accepted.context["cl"].result_count == 2


def test_an_action_asks_for_the_date_and_the_legal_basis_first(client, clerk):
    client.force_login(clerk)
    item = _item("招标方案核准")
    response = _action(client, "record_return", [item])
    assert response.status_code == 200
    page = response.content.decode()
    assert "生效日期" in page and "依据文件" in page and "招标方案核准" in page
    assert item.transfers.count() == 1  # nothing written yet


def test_returning_items_through_the_admin_records_the_event_and_who_did_it(client, clerk, notice):
    client.force_login(clerk)
    items = [_item("招标方案核准"), _item("雷电防护装置设计审核和竣工验收")]
    response = _action(
        client, "record_return", items, apply="1", effective_on="2024-05-01", document=str(notice.pk), note="测试"
    )
    assert response.status_code == 302
    events = Transfer.objects.filter(document=notice).order_by("item__code")
    assert [e.item.code for e in events] == ["SZ-0001", "SZ-0212", "SZ-0212-01", "SZ-0212-02"]
    assert {(e.kind, e.effective_on, e.recorded_by_id) for e in events} == {
        ("return", datetime.date(2024, 5, 1), clerk.pk)
    }
    assert _item("招标方案核准").status == ItemStatus.RETURNED


def test_a_refused_action_changes_no_item_and_says_why(client, clerk, notice):
    client.force_login(clerk)
    items = [_item("招标方案核准"), _item("校车使用许可")]  # the second is already returned
    before = Transfer.objects.count()
    response = _action(client, "record_return", items, apply="1", effective_on="2024-05-01", document=str(notice.pk))
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert "事项“SZ-0216 校车使用许可”当前状态为“已退回原部门实施”，不能退回原部门。" in shown
    assert Transfer.objects.count() == before
    assert _item("招标方案核准").status == ItemStatus.BUREAU


def test_an_action_without_a_document_is_refused_in_chinese(client, clerk):
    client.force_login(clerk)
    response = _action(client, "record_return", [_item("招标方案核准")], apply="1", effective_on="2024-05-01")
    assert "请选择依据文件，或填写文号和标题登记新文件。" in response.content.decode()
    assert _item("招标方案核准").status == ItemStatus.BUREAU


def test_staff_without_permission_get_no_register(client, bare_staff):
    client.force_login(bare_staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 403
    page = response.content.decode()
    assert "您没有访问此页面的权限。" in page and "招标方案核准" not in page


def test_a_clerk_edit_is_in_the_audit_trail_with_its_author(client, clerk):
    client.force_login(clerk)
    item = _item("招标方案核准")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = _post_data(form, item, name="招标方案核准（更名测试）")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = item.history.order_by("-history_date").first()
    assert (record.name, record.history_user, record.history_type) == ("招标方案核准（更名测试）", clerk, "~")
    history = client.get(reverse("admin:approvals_approvalitem_history", args=[item.pk])).content.decode()
    assert "招标方案核准（更名测试）" in history
    assert "朔政发〔2020〕7号" in history  # the transfer events are on the same page


def test_the_second_save_of_a_stale_form_is_refused_and_the_first_survives(client, clerk, publisher):
    item = _item("招标方案核准")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    client.force_login(clerk)
    stale = _post_data(client.get(url).context["adminform"].form, item, name="第二位经办人的名称")
    client.force_login(publisher)
    first = _post_data(client.get(url).context["adminform"].form, item, name="第一位经办人的名称")
    assert client.post(url, first).status_code == 302
    client.force_login(clerk)
    response = client.post(url, stale)
    assert response.status_code == 200
    assert str(STALE_MESSAGE) in response.content.decode()
    assert _item("第一位经办人的名称").pk == item.pk


def test_two_saves_at_the_same_instant_give_the_loser_the_stale_message(client, clerk, monkeypatch):
    """The other save commits between this form's check and its UPDATE: the stale message, no 500.

    One thread cannot commit inside another's request, so the other save comes first and this form's
    first check is made to pass as it would have a moment earlier; tests/test_concurrency.py races
    two real threads on PostgreSQL.
    """
    from django import forms

    from approvals.admin.forms import ApprovalItemForm

    item = _item("招标方案核准")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    client.force_login(clerk)
    mine = _post_data(client.get(url).context["adminform"].form, item, name="后保存的名称")
    other = ApprovalItem.objects.get(pk=item.pk)
    other.name = "先保存的名称"
    other.save()
    checked = ApprovalItemForm.clean
    calls = []

    def checked_before_the_other_save(form):
        calls.append(form)
        return forms.ModelForm.clean(form) if len(calls) == 1 else checked(form)

    monkeypatch.setattr(ApprovalItemForm, "clean", checked_before_the_other_save)
    response = client.post(url, mine)
    assert len(calls) == 2  # the UPDATE found a newer version, and the form was checked again
    assert response.status_code == 200
    assert str(STALE_MESSAGE) in response.content.decode()
    assert ApprovalItem.objects.get(pk=item.pk).name == "先保存的名称"


def test_a_department_link_change_is_audited_and_validated(client, clerk):
    client.force_login(clerk)
    item = _item("招标方案核准")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    data = _post_data(client.get(url).context["adminform"].form, item)
    link = item.department_links.get()
    data.update({"department_links-0-DELETE": "on"})
    response = client.post(url, data)
    assert response.status_code == 200  # no department and no source: refused
    assert "需要至少一个划转部门" in response.content.decode()
    assert ItemDepartment.objects.filter(pk=link.pk).exists()


def test_a_garbled_version_is_a_form_error_not_a_server_error(client, clerk):
    client.force_login(clerk)
    item = _item("招标方案核准")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    data = _post_data(client.get(url).context["adminform"].form, item, version="1:forged", name="伪造")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "表单版本号无效" in response.content.decode()
    assert not ApprovalItem.objects.filter(name="伪造").exists()


def _post_data(form, item: ApprovalItem, **changes) -> dict:
    """The change form's current values as a POST, with the inlines' management data."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = field.prepare_value(value) if name == "version" else value
    data.update(changes)
    links = list(item.department_links.order_by("position"))
    data.update(
        {
            "department_links-TOTAL_FORMS": str(len(links)),
            "department_links-INITIAL_FORMS": str(len(links)),
            "department_links-MIN_NUM_FORMS": "0",
            "department_links-MAX_NUM_FORMS": "1000",
        }
    )
    for index, link in enumerate(links):
        data[f"department_links-{index}-id"] = str(link.pk)
        data[f"department_links-{index}-item"] = str(item.pk)
        data[f"department_links-{index}-department"] = str(link.department_id)
        data[f"department_links-{index}-position"] = str(link.position)
    for prefix in ("children", "transfers"):
        count = item.children.count() if prefix == "children" else item.transfers.count()
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "0",
            }
        )
    return data


@pytest.mark.parametrize(
    ("url_name", "count", "first"),
    [
        ("admin:approvals_department_changelist", 24, "市行政审批服务管理局"),
        ("admin:approvals_transfer_changelist", 410, "SZ-0001 划转至审批服务管理局"),  # 320 intakes, 90 returns
        ("admin:catalog_edition_changelist", 1, "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"),
    ],
)
def test_the_other_changelists_run_a_few_queries(
    client, admin_user, url_name, count, first, django_assert_max_num_queries
):
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(url_name))
    changelist = response.context["cl"]
    assert (response.status_code, changelist.result_count, len(changelist.result_list)) == (200, count, min(count, 100))
    assert str(changelist.result_list[0]) == first


def test_department_list_shows_counts_and_aliases(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("admin:approvals_department_changelist"), {"q": "市场监"})
    [department] = response.context["cl"].result_list
    # Main items (主项), as the API and the stats page count them: 21 in any status, 19 at the bureau.
    counts = (department.short_name, department.items_registered, department.items_at_bureau)
    assert counts == ("市市场监督管理局", 21, 19)
    assert "市市场监管局" in response.content.decode()


def test_an_item_added_in_the_admin_is_created_by_the_service(client, clerk):
    """The add form writes through services.item_create: the next code, after its siblings, audited."""
    client.force_login(clerk)
    parent = ApprovalItem.objects.get(code="SZ-0204")
    siblings = list(parent.children.order_by("position").values_list("code", "position"))
    department = parent.department_links.get().department
    add = reverse("admin:approvals_approvalitem_add")
    page = client.get(add)
    data = {
        "jurisdiction": str(parent.jurisdiction_id),
        "parent": str(parent.pk),
        "position": "0",
        "name": "新增子项（测试）",
        "item_type": "licensing",
        "source_text": "",
        "remarks": "",
    }
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0"})
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    data.update(
        {
            "department_links-TOTAL_FORMS": "1",
            "department_links-0-department": str(department.pk),
            "department_links-0-position": "0",
        }
    )
    response = client.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = ApprovalItem.objects.get(name="新增子项（测试）")
    assert (item.code, item.position) == (f"SZ-0204-{len(siblings) + 1:02d}", siblings[-1][1] + 1)
    assert list(item.department_links.values_list("department__short_name", flat=True)) == [department.short_name]
    assert item.history.get().history_user == clerk
    assert response["Location"] == reverse("admin:approvals_approvalitem_changelist")


def test_the_department_autocomplete_answers_in_register_order_and_a_bare_request_is_not_found(client, clerk):
    import warnings

    from django.core.paginator import UnorderedObjectListWarning

    client.force_login(clerk)
    assert client.get("/admin/autocomplete/").status_code == 404  # Django's own view would raise a 500
    query = {"app_label": "approvals", "model_name": "itemdepartment", "field_name": "department", "term": "市"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        found = client.get("/admin/autocomplete/", query).json()
    names = [row["text"] for row in found["results"]]
    assert names[:3] == ["市行政审批服务管理局", "市发改委", "市教育局"]  # the order the register lists them in
