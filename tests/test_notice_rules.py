"""The rules of 朔政发〔2022〕20号, checked where the change is made and listed before publishing (issue 18 §5)."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalItem, ItemStatus, Jurisdiction, PolicyDocument, Transfer
from approvals.notice_rules import TimeLimit, check_time_limits, parse_time_limit
from catalog import prepublication
from catalog.models import Edition
from catalog.publishing import edition_compile, edition_publish
from tests import official_text
from tests.conftest import acknowledging, make_user

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 30)
# From a second reading of the gazette text: each printed row is one item or sub-item; the returned rows of
# 基本目录事项, which the tables print with no reason.
ROWS_2022 = official_text.table_rows()
ITEMS_2022 = len(ROWS_2022[1]) + len(ROWS_2022[2])
BASE_RETURNED_2022 = sum(1 for cells in ROWS_2022[2] if cells[5] == "基本目录事项")
CHANGELIST = reverse("admin:approvals_approvalitem_changelist")


@pytest.fixture
def city() -> Jurisdiction:
    return Jurisdiction.objects.get(code="shuozhou")


@pytest.fixture
def department_document(city) -> PolicyDocument:
    """A line department's own document: not the people's government's."""
    return PolicyDocument.objects.create(
        jurisdiction=city, number="朔发改发〔2024〕3号", title="关于调整审批事项的函", issuer="朔州市发展和改革委员会"
    )


@pytest.fixture
def government_document(city) -> PolicyDocument:
    return PolicyDocument.objects.create(
        jurisdiction=city, number="朔政发〔2024〕9号", title="关于调整审批事项的通知", issuer="朔州市人民政府"
    )


def _outside_base() -> ApprovalItem:
    """A main item of the bureau outside the base catalogue, with no sub-items."""
    return (
        ApprovalItem.objects.filter(status=ItemStatus.BUREAU, in_base_catalogue=False, parent=None, children=None)
        .order_by("code")
        .first()
    )


def _register() -> tuple:
    return Transfer.objects.count(), list(ApprovalItem.objects.order_by("code").values_list("code", "status"))


class TestReturnOfAnItemOutsideTheBaseCatalogue:
    def test_a_departments_document_is_refused_citing_the_rule(self, clerk, department_document):
        item, before = _outside_base(), _register()
        with pytest.raises(ValidationError) as refused:
            services.item_return(item=item, effective_on=DAY, document=department_document, user=clerk)
        assert refused.value.messages == [
            f"“{item.code} {item.name}”是基本目录外事项。依照朔政发〔2022〕20号第二条第二项，基本目录外事项须经本级"
            "人民政府同意方可调整回原部门实施，依据文件应为本级人民政府（或其办公室）印发的文件；“朔发改发〔2024〕3号”不是。"
        ]
        assert _register() == before

    def test_no_document_is_refused_and_another_jurisdictions_government_too(self, clerk):
        item = _outside_base()
        with pytest.raises(ValidationError, match="这里没有选择依据文件。"):
            services.item_return(item=item, effective_on=DAY, document=None, user=clerk)
        province = PolicyDocument.objects.get(number="晋政发〔2021〕47号")  # 山西省人民政府: not this level's
        with pytest.raises(ValidationError, match="晋政发〔2021〕47号"):
            services.item_return(item=item, effective_on=DAY, document=province, user=clerk)

    def test_the_governments_document_returns_it(self, clerk, government_document):
        item = _outside_base()
        services.item_return(item=item, effective_on=DAY, document=government_document, user=clerk)
        item.refresh_from_db()
        assert item.status == ItemStatus.RETURNED


class TestTheAdminAsksWhyABaseItemIsReturned:
    def _return(self, client, item, **form):
        data = {"action": "record_return", ACTION_CHECKBOX_NAME: [str(item.pk)], "apply": "1"}
        return client.post(CHANGELIST, {**data, "effective_on": "2024-05-01", **form})

    def test_without_a_reason_the_form_asks_for_it(self, client, clerk, government_document):
        item = ApprovalItem.objects.filter(status=ItemStatus.BUREAU, in_base_catalogue=True, parent=None).first()
        client.force_login(clerk)
        before = _register()
        page = self._return(client, item, document=government_document.pk)
        assert page.status_code == 200
        assert page.context["adminform"].form.errors["note"] == [
            "所选事项中有 1 项属于基本目录事项。依照朔政发〔2022〕20号第二条第一项，基本目录事项原则上全部划转，"
            "本级无相应职责权限或属省直部门委托的事项除外；请在“说明”中写明退回的理由。"
        ]
        assert _register() == before

        response = self._return(client, item, document=government_document.pk, note="本级无相应职责权限")
        assert response.status_code == 302
        assert item.transfers.latest("sequence").note == "本级无相应职责权限"


class TestTimeLimits:
    @pytest.mark.parametrize(
        ("text", "parsed"),
        [
            ("20个工作日", TimeLimit(20, "工作日")),
            ("20 工作日", TimeLimit(20, "工作日")),
            ("30日", TimeLimit(30, "自然日")),
            ("15个自然日", TimeLimit(15, "自然日")),
            ("即办", TimeLimit(0, "即办")),
            ("", None),
        ],
    )
    def test_the_structured_forms_are_read(self, text, parsed):
        assert parse_time_limit(text, label="statutory_time_limit") == parsed

    def test_free_text_is_refused_naming_the_field(self):
        with pytest.raises(ValidationError) as refused:
            check_time_limits(statutory="二十天左右", promised="")
        assert refused.value.message_dict == {
            "statutory_time_limit": [
                "法定时限应写成“数字 + 工作日”或“数字 + 自然日”，或“即办”，例如“20个工作日”；这里是“二十天左右”。"
            ]
        }

    @pytest.mark.parametrize(
        ("statutory", "promised", "refused"),
        [
            ("20个工作日", "25个工作日", True),
            ("20个工作日", "10个工作日", False),
            ("15日", "20个工作日", True),  # 20 working days last at least 20 days
            ("20个工作日", "25日", False),  # 25 days may be fewer than 20 working days: not certain
            ("即办", "1个工作日", True),
            ("20个工作日", "即办", False),
        ],
    )
    def test_the_promise_is_never_longer_than_the_law(self, statutory, promised, refused):
        if not refused:
            check_time_limits(statutory=statutory, promised=promised)
            return
        with pytest.raises(ValidationError) as error:
            check_time_limits(statutory=statutory, promised=promised)
        assert error.value.message_dict["promised_time_limit"][0].startswith("承诺时限（")

    def test_an_edit_with_a_longer_promise_is_refused_and_changes_nothing(self, clerk):
        item = ApprovalItem.objects.get(code="SZ-0001")
        item.statutory_time_limit, item.promised_time_limit = "20个工作日", "25个工作日"
        with pytest.raises(ValidationError) as refused:
            services.item_update(item=item, user=clerk)
        assert refused.value.message_dict == {
            "promised_time_limit": ["承诺时限（25个工作日）不能长于法定时限（20个工作日）。"]
        }
        stored = ApprovalItem.objects.get(code="SZ-0001")
        assert (stored.statutory_time_limit, stored.promised_time_limit) == ("", "")


class TestBeforePublishing:
    def test_the_2022_edition_passes_the_errors_and_lists_its_warnings(self):
        checks = prepublication.edition_checks(Edition.objects.get(slug="2022"))
        assert [(check.level, len(check.problems)) for check in checks] == [
            ("error", 0),
            ("error", 0),
            ("error", 0),
            ("warning", BASE_RETURNED_2022),
            ("warning", ITEMS_2022),
        ]

    def test_a_heading_that_miscounts_blocks_publishing(self, city, publisher):
        draft = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY)
        draft.section1_heading = draft.section1_heading.replace("（213项）", "（214项）")
        draft.save()
        with pytest.raises(ValidationError) as refused:
            edition_publish(edition=draft, user=publisher)
        assert refused.value.messages == [
            "目录版本“2024”未通过发布前检查：各部分标题中的事项数与所列主项数一致（1 项不符）。请先更正，再发布。"
        ]
        assert Edition.objects.get(slug="2024").status == Edition.Status.DRAFT
        [problem] = prepublication.edition_checks(draft)[0].problems
        assert problem == f"“{draft.section1_heading}”写 214 项，表中列有 213 项主项。"

    def test_the_page_shows_each_rule_and_the_acknowledgement_is_kept(self, client, city, clerk, publisher):
        draft = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, user=clerk)
        client.force_login(publisher)
        changelist = reverse("admin:catalog_edition_changelist")
        selected = {"action": "publish", ACTION_CHECKBOX_NAME: [str(draft.pk)]}
        page = client.post(changelist, selected).content.decode()
        assert "<h3>发布前检查</h3>" in page
        assert page.count("<td>通过") == 4  # the 2024 draft returns nothing: only the 设定依据 warning
        # 设定依据: none of the draft's items has one yet; it lists the items at the bureau, the 2022 section (一)'s
        assert f"<summary>提醒：{len(ROWS_2022[1])} 项</summary>" in page
        assert 'name="acknowledge_' in page and " required>" in page

        unticked = {**acknowledging(draft), f"acknowledge_{draft.pk}": ""}
        response = client.post(changelist, {**selected, "confirm": "yes", **unticked}, follow=True)
        assert [str(m) for m in response.context["messages"]] == ["“2024”未发布：请先阅读并勾选确认它的发布前提醒。"]
        assert Edition.objects.get(slug="2024").status == Edition.Status.DRAFT

        client.post(changelist, {**selected, "confirm": "yes", **acknowledging(draft)})
        published = Edition.objects.get(slug="2024")
        assert published.status == Edition.Status.PUBLISHED
        assert published.published_by == publisher
        assert published.acknowledged_warnings == f"事项应有设定依据：{len(ROWS_2022[1])} 项"

    def test_warnings_that_changed_after_the_page_was_read_refuse(self, city, clerk):
        draft = edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY, user=clerk)
        with pytest.raises(ValidationError, match="发布前提醒在您确认之后有了变化"):
            edition_publish(
                edition=draft, user=make_user("reviewer", groups=["审核人"]), acknowledged="事项应有设定依据：1 项"
            )
