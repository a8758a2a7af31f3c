"""Counties: a catalogue derived from the city's, scoped clerks, the alignment report and review flags."""

import datetime
import sys

import openpyxl
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services
from approvals.alignment import alignment_report
from approvals.claims import claims_decide
from approvals.models import (
    ApprovalItem,
    Claim,
    ItemDepartment,
    ItemStatus,
    ItemType,
    Jurisdiction,
    PolicyDocument,
    Transfer,
)
from catalog.counties import county_derive
from catalog.models import Edition
from catalog.publishing import edition_compile, edition_publish
from tests.conftest import make_user
from tests.test_row_heights import short_rows

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 30)
COUNTY_NOTICE = "朔城政发〔2022〕15号"


@pytest.fixture(scope="module", autouse=True)
def _derived_county(django_db_setup, django_db_blocker):
    """朔城区 derived once for the module, in a transaction rolled back when the module ends.

    Deriving copies 230 items one by one (seconds). pytest-django runs each test in its own
    transaction; opened inside this one it becomes a savepoint, so every test starts from the
    same derived county and its own changes are rolled back as before; the county goes at the end.
    """
    with django_db_blocker.unblock():
        module = transaction.atomic()
        module.__enter__()
        try:
            clerk = make_user("county_clerk", groups=["经办人"], jurisdiction="shuocheng")
            notice = PolicyDocument.objects.create(
                jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
                number=COUNTY_NOTICE,
                title="朔城区划转事项调整通知",
                batch_label="二次划转",
            )
            created = county_derive(
                county=Jurisdiction.objects.get(code="shuocheng"),
                document=notice,
                effective_on=datetime.date(2022, 9, 1),
                user=clerk,
            )
        except BaseException:
            module.__exit__(*sys.exc_info())
            raise
    yield [item.pk for item in created]
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        module.__exit__(None, None, None)


@pytest.fixture
def shuocheng():
    return Jurisdiction.objects.get(code="shuocheng")


@pytest.fixture
def county_clerk(db):
    """The conftest's 经办人 of 朔城区, created with the module's county (it derived it)."""
    return User.objects.get(username="county_clerk")


@pytest.fixture
def county_notice(db):
    return PolicyDocument.objects.get(number=COUNTY_NOTICE)


@pytest.fixture
def derived(_derived_county):
    """The items the module's derivation created, read afresh."""
    return list(ApprovalItem.objects.filter(pk__in=_derived_county).order_by("code"))


def _assert_not_found(response) -> None:
    assert response.status_code == 404
    page = response.content.decode()
    assert "您要找的页面或事项不存在，可能已经调整。" in page and "招标方案核准" not in page


def test_a_county_catalogue_starts_as_a_copy_of_the_city_edition(shuocheng, derived):
    assert len(derived) == 213 + 17
    items = ApprovalItem.objects.filter(jurisdiction=shuocheng)
    assert items.filter(status=ItemStatus.BUREAU).main_items().count() == 213
    first = items.get(code="SC-0001")
    assert (first.name, first.derived_from.code, first.department_text()) == ("招标方案核准", "SZ-0001", "区发改委")
    two = items.get(name="临时性建筑物搭建、堆放物料、占道施工审批")
    assert two.department_text() == "区住建局、区城市管理局"
    accepted = items.get(name="床土调酸剂登记")
    assert (accepted.batch_text(), accepted.department_text()) == ("承接", "省政府下放")
    assert first.batch_text() == "二次划转"  # the county's own legal basis, not the city's
    assert shuocheng.departments.get(short_name="区市场监督管理局").full_name == "朔城区市场监督管理局"
    # Running it again copies nothing twice.
    assert county_derive(county=shuocheng) == []


def test_deriving_writes_every_item_with_its_history_in_a_few_statements(county_notice):
    yingxian = Jurisdiction.objects.get(code="yingxian")
    clerk = make_user("yingxian_clerk", groups=["经办人"], jurisdiction="yingxian")
    with CaptureQueriesContext(connection) as queries:
        created = county_derive(county=yingxian, document=county_notice, effective_on=DAY, user=clerk)
    assert len(created) == 213 + 17
    assert len(queries) <= 60  # one item at a time, it took about 5,000
    items = ApprovalItem.objects.filter(jurisdiction=yingxian)
    assert items.filter(status=ItemStatus.BUREAU).count() == 230
    first = items.get(code="YX-0003")
    assert [child.code for child in first.children.all()] == ["YX-0003-01", "YX-0003-02", "YX-0003-03"]
    assert (first.derived_from.code, first.department_text()) == ("SZ-0003", "县发改委")
    # As item_create and item_transfer write them: the history starts with the clerk, the departments too.
    assert list(first.history.values_list("history_type", "history_user")) == [("+", clerk.pk)]
    links = ItemDepartment.objects.filter(item__jurisdiction=yingxian)
    assert ItemDepartment.history.filter(item__jurisdiction=yingxian, history_type="+", history_user=clerk).count() == (
        links.count()
    )
    assert list(first.transfers.values_list("sequence", "kind", "effective_on", "document", "recorded_by")) == [
        (1, Transfer.Kind.TRANSFER, DAY, county_notice.pk, clerk.pk)
    ]
    assert Transfer.objects.filter(item__jurisdiction=yingxian, kind=Transfer.Kind.ACCEPT).count() == (
        Transfer.objects.filter(item__jurisdiction__code="shuozhou", kind=Transfer.Kind.ACCEPT).count()
    )


def test_a_county_clerk_cannot_change_the_city_register_by_any_service(county_clerk):
    city_item = ApprovalItem.objects.get(code="SZ-0001")
    document = PolicyDocument.objects.first()
    with pytest.raises(PermissionDenied):
        services.item_return(item=city_item, effective_on=DAY, document=document, user=county_clerk)
    with pytest.raises(PermissionDenied):
        services.item_create(
            jurisdiction=city_item.jurisdiction,
            name="越权",
            item_type=ItemType.LICENSING,
            source_text="x",
            user=county_clerk,
        )
    assert city_item.transfers.count() == 1


def test_a_county_clerk_sees_only_the_county_in_the_admin(client, county_clerk, derived):
    client.force_login(county_clerk)
    changelist = client.get(reverse("admin:approvals_approvalitem_changelist"))
    assert changelist.context["cl"].result_count == 230
    city_item = ApprovalItem.objects.get(code="SZ-0001")
    change = client.get(reverse("admin:approvals_approvalitem_change", args=[city_item.pk]), follow=True)
    assert change.redirect_chain == [("/admin/", 302)]  # as if it did not exist: nothing of it is shown
    assert [str(m) for m in change.context["messages"]] == [
        f"ID 为“{city_item.pk}”的 审批事项 不存在。可能已经被删除了？"
    ]
    _assert_not_found(client.get(reverse("admin:approvals_approvalitem_history", args=[city_item.pk])))
    editions = client.get(reverse("admin:catalog_edition_changelist"))
    assert editions.context["cl"].result_count == 0
    # An action posted with a city item's id touches nothing: the id is outside the clerk's list.
    client.post(
        reverse("admin:approvals_approvalitem_changelist"),
        {
            "action": "record_return",
            ACTION_CHECKBOX_NAME: [str(city_item.pk)],
            "apply": "1",
            "effective_on": "2024-01-01",
            "document": str(PolicyDocument.objects.first().pk),
        },
    )
    assert city_item.transfers.count() == 1


def test_a_city_clerk_views_the_counties_but_changes_only_the_city(client, clerk, derived, shuocheng):
    client.force_login(clerk)
    changelist = client.get(reverse("admin:approvals_approvalitem_changelist"))
    assert changelist.context["cl"].result_count == 320 + 230
    county_item = ApprovalItem.objects.get(code="SC-0001")
    page = client.get(reverse("admin:approvals_approvalitem_change", args=[county_item.pk]))
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    response = client.post(
        reverse("admin:approvals_approvalitem_changelist"),
        {
            "action": "record_return",
            ACTION_CHECKBOX_NAME: [str(county_item.pk)],
            "apply": "1",
            "effective_on": "2024-01-01",
            "document": str(PolicyDocument.objects.first().pk),
        },
        follow=True,
    )
    assert "所选记录中有 1 条不属于您的辖区，未做任何修改。" in response.content.decode()
    assert ApprovalItem.objects.get(code="SC-0001").status == ItemStatus.BUREAU


def test_staff_without_a_jurisdiction_see_nothing(client, db):
    from django.contrib.auth.models import Group

    user = User.objects.create_user("nobody", password="x-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="经办人"))
    client.force_login(user)
    changelist = client.get(reverse("admin:approvals_approvalitem_changelist"))
    assert changelist.context["cl"].result_count == 0
    assert "您的账号尚未指定辖区，因此看不到任何事项登记。" in changelist.content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert "您的账号尚未指定辖区" in index
    assert reverse("admin:approvals_approvalitem_add") not in index  # nothing to add to


def test_the_alignment_report_on_a_realistic_county_adjustment(
    shuocheng, derived, county_notice, county_clerk, tmp_path
):
    # Deriving claimed every item; the county then leaves one with its department and declines another.
    decided = {"document": county_notice, "effective_on": DAY, "user": county_clerk}
    department, declined = Claim.Decision.DEPARTMENT, Claim.Decision.DECLINED
    claims_decide(county=shuocheng, items=[ApprovalItem.objects.get(code="SZ-0002")], decision=department, **decided)
    entrusted = {"decision": declined, "reason": Claim.Reason.ENTRUSTED}
    claims_decide(county=shuocheng, items=[ApprovalItem.objects.get(code="SZ-0007")], **entrusted, **decided)
    county = ApprovalItem.objects.filter(jurisdiction=shuocheng)
    assert (county.get(code="SC-0002").status, county.get(code="SC-0007").status) == ("returned", "cancelled")
    report = alignment_report(shuocheng)
    assert report.counts == {"claimed": 211, "department": 1, "declined": 1, "undecided": 0}
    lines = {line.city_code: line for line in report.lines}
    assert (lines["SZ-0002"].category, lines["SZ-0002"].county_code) == ("department", "SC-0002")
    assert (lines["SZ-0007"].category, lines["SZ-0007"].county_code, lines["SZ-0007"].detail) == (
        "declined",
        "",
        "委托事项",
    )

    target = tmp_path / "alignment.xlsx"
    call_command("alignment_report", "shuocheng", "-o", str(target))
    book = openpyxl.load_workbook(target)
    assert short_rows(book) == []
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == (
        "认领（由审批服务管理局实施） 211 项（含子项 17 个）；由原部门实施 1 项；"
        "不认领 1 项：委托事项 1 项；尚未认领 0 项"
    )
    assert len(rows) == 4 + 213


def test_a_new_city_edition_flags_the_county_copies_of_changed_items(shuocheng, derived, clerk, publisher):
    notice = PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        number="朔政发〔2024〕3号",
        title="调整通知",
        batch_label="三次划转",
    )
    services.item_return(item=ApprovalItem.objects.get(code="SZ-0001"), effective_on=DAY, document=notice, user=clerk)
    city = Jurisdiction.objects.get(code="shuozhou")
    edition_publish(edition=edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY), user=publisher)
    flagged = ApprovalItem.objects.filter(jurisdiction=shuocheng).exclude(review_reason="")
    assert [(i.code, i.review_reason) for i in flagged] == [("SC-0001", "市级2024版：退回原部门")]
    assert alignment_report(shuocheng).counts["claimed"] == 212  # SZ-0001 is no longer the city bureau's


def test_the_alignment_page_in_the_admin(client, clerk, derived, shuocheng):
    client.force_login(clerk)
    page = client.get(reverse("admin:approvals_jurisdiction_alignment", args=[shuocheng.pk]))
    assert page.status_code == 200
    assert "<li>认领（由审批服务管理局实施）：213 项（含子项 17 个）</li>" in page.content.decode()
    city = Jurisdiction.objects.get(code="shuozhou")
    _assert_not_found(client.get(reverse("admin:approvals_jurisdiction_alignment", args=[city.pk])))


def test_deriving_is_refused_for_the_city_itself():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        county_derive(county=Jurisdiction.objects.get(code="shuozhou"))
    assert not Edition.objects.filter(jurisdiction__code="shuozhou").exclude(slug="2022").exists()
    assert Transfer.objects.filter(item__jurisdiction__code="shuozhou").count() == 230 + 90 * 2


def test_the_public_alignment_pages(client, derived, shuocheng, county_notice, county_clerk):
    claims_decide(
        county=shuocheng,
        items=[ApprovalItem.objects.get(code="SZ-0002")],
        decision=Claim.Decision.DEPARTMENT,
        document=county_notice,
        effective_on=DAY,
        user=county_clerk,
    )
    listing = client.get("/alignment/")
    assert listing.status_code == 200
    counts = {summary.county.code: summary.counts for summary in listing.context["summaries"]}
    assert counts["shuocheng"] == {"claimed": 212, "department": 1, "declined": 0, "undecided": 0}
    assert counts["yingxian"] == {"claimed": 0, "department": 0, "declined": 0, "undecided": 213}  # not started
    assert '<td colspan="4" data-label="认领情况">尚未录入</td>' in listing.content.decode()
    page = client.get("/alignment/shuocheng/")
    assert "<li>由原部门实施：1 项（主项）</li>" in page.content.decode()
    _assert_not_found(client.get("/alignment/shuozhou/"))


def test_the_public_pages_and_api_take_a_jurisdiction(client, derived):
    assert client.get("/", {"jurisdiction": "shuocheng"}).context["summary"].at_bureau == 213
    assert client.get("/api/items/", {"jurisdiction": "shuocheng"}).json()["count"] == 213
    assert (
        client.get("/api/items/", {"jurisdiction": "shuocheng", "q": "招标方案核准"}).json()["results"][0]["code"]
        == "SC-0001"
    )
