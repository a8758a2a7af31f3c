"""Counties claim the city's items: each decision and the county items it derives, the locked fields,
the alignment counts and the public /alignment/ pages (the workbook and the admin page: test_claims_workbook.py)."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from approvals import services
from approvals.alignment import alignment_report, alignment_summaries
from approvals.claims import claims_decide
from approvals.models import ApprovalItem, Claim, ItemStatus, Jurisdiction, Transfer

pytestmark = pytest.mark.django_db

D, R = Claim.Decision, Claim.Reason


@pytest.fixture
def shuocheng():
    return Jurisdiction.objects.get(code="shuocheng")


def city(*codes: str) -> list[ApprovalItem]:
    return list(ApprovalItem.objects.filter(code__in=codes).order_by("code"))


def city_range(first: int, last: int) -> list[ApprovalItem]:
    return city(*(f"SZ-{n:04d}" for n in range(first, last + 1)))


def county_items(county: Jurisdiction):
    return ApprovalItem.objects.filter(jurisdiction=county).order_by("code")


def decide(county, items, decision, user, reason="", text=""):
    return claims_decide(county=county, items=items, decision=decision, reason=reason, reason_text=text, user=user)


def _errors(excinfo) -> list[str]:
    return excinfo.value.messages


class TestClaimsDecide:
    def test_claiming_an_item_puts_a_copy_with_its_sub_items_at_the_county_bureau(self, shuocheng, county_clerk):
        source = ApprovalItem.objects.get(code="SZ-0003")
        source.legal_basis = "《政府投资条例》第九条"
        source.save()
        decided = decide(shuocheng, [source], D.CLAIMED, county_clerk)
        assert [item.code for item in decided.created] == ["SC-0001", "SC-0001-01", "SC-0001-02", "SC-0001-03"]
        copy = county_items(shuocheng).get(code="SC-0001")
        assert (copy.name, copy.item_type, copy.legal_basis, copy.derived_from, copy.status) == (
            "政府固定资产投资项目审批",
            "other",
            "《政府投资条例》第九条",
            source,
            ItemStatus.BUREAU,
        )
        assert copy.department_text() == "区发改委"
        assert set(county_items(shuocheng).values_list("status", flat=True)) == {ItemStatus.BUREAU}
        assert list(copy.transfers.values_list("kind", "note", "recorded_by")) == [
            (Transfer.Kind.TRANSFER, "县级认领：认领", county_clerk.pk)
        ]
        claim = Claim.objects.get()
        assert (claim.county, claim.city_item, claim.decision, claim.reason, claim.decided_by) == (
            shuocheng,
            source,
            D.CLAIMED,
            "",
            county_clerk,
        )
        # The same decision again changes nothing and writes no history.
        assert decide(shuocheng, [source], D.CLAIMED, county_clerk).claims == []
        assert claim.history.count() == 1 and Transfer.objects.filter(item__jurisdiction=shuocheng).count() == 4

    def test_an_item_left_with_its_department_is_derived_pending_and_moves_with_the_decision(
        self, shuocheng, county_clerk
    ):
        [source] = city("SZ-0001")
        decide(shuocheng, [source], D.DEPARTMENT, county_clerk)
        copy = county_items(shuocheng).get()
        assert (copy.code, copy.status, copy.transfers.count()) == ("SC-0001", ItemStatus.PENDING, 0)
        decide(shuocheng, [source], D.CLAIMED, county_clerk)
        decide(shuocheng, [source], D.DEPARTMENT, county_clerk)
        copy.refresh_from_db()
        assert copy.status == ItemStatus.RETURNED
        assert list(copy.transfers.values_list("kind", "note")) == [
            (Transfer.Kind.TRANSFER, "县级认领：认领"),
            (Transfer.Kind.RETURN, "县级认领：由原部门实施"),
        ]
        assert county_items(shuocheng).count() == 1  # the same copy throughout
        claim = Claim.objects.get()
        assert list(claim.history.order_by("history_id").values_list("decision", flat=True)) == [
            D.DEPARTMENT,
            D.CLAIMED,
            D.DEPARTMENT,
        ]

    def test_declining_needs_a_reason_and_leaves_no_county_item(self, shuocheng, county_clerk):
        items = city("SZ-0001", "SZ-0002")
        with pytest.raises(ValidationError) as refused:
            decide(shuocheng, items, D.DECLINED, county_clerk)
        assert _errors(refused) == ["不认领时必须选择不认领理由。"]
        with pytest.raises(ValidationError) as refused:
            decide(shuocheng, items, D.DECLINED, county_clerk, reason=R.OTHER, text="  ")
        assert _errors(refused) == ["不认领理由为“其他”时必须填写理由说明。"]
        with pytest.raises(ValidationError) as refused:
            decide(shuocheng, items, D.DECLINED, county_clerk, reason="unknown")
        assert _errors(refused) == [
            "不认领理由“unknown”不在列表中，应为：本级无相应职责权限、已取消或下放、委托事项、其他。"
        ]
        assert not Claim.objects.exists()

        decide(shuocheng, items[:1], D.DECLINED, county_clerk, reason=R.NO_AUTHORITY)
        assert not county_items(shuocheng).exists()
        assert Claim.objects.get().get_reason_display() == "本级无相应职责权限"

    def test_declining_a_claimed_item_cancels_the_county_copy_and_keeps_its_history(self, shuocheng, county_clerk):
        [source] = city("SZ-0003")
        decide(shuocheng, [source], D.CLAIMED, county_clerk)
        decide(shuocheng, [source], D.DECLINED, county_clerk, reason=R.OTHER, text="县级未设投资审批机构")
        assert set(county_items(shuocheng).values_list("status", flat=True)) == {ItemStatus.CANCELLED}
        copy = county_items(shuocheng).get(code="SC-0001")
        assert list(copy.transfers.values_list("kind", "note")) == [
            (Transfer.Kind.TRANSFER, "县级认领：认领"),
            (Transfer.Kind.CANCEL, "县级不认领：县级未设投资审批机构"),
        ]
        assert (Claim.objects.get().reason, Claim.objects.get().reason_text) == (R.OTHER, "县级未设投资审批机构")
        # Claimed again, the county gets a new copy: the cancelled one stays in the register's history.
        decide(shuocheng, [source], D.CLAIMED, county_clerk)
        assert list(county_items(shuocheng).filter(parent__isnull=True).values_list("code", "status")) == [
            ("SC-0001", ItemStatus.CANCELLED),
            ("SC-0002", ItemStatus.BUREAU),
        ]
        assert Claim.objects.get().reason == ""  # a reason belongs to 不认领 only

    def test_only_main_items_of_the_city_bureau_are_claimed(self, shuocheng, county_clerk):
        sub_item = ApprovalItem.objects.get(code="SZ-0003-01")
        with pytest.raises(ValidationError) as refused:
            decide(shuocheng, [sub_item], D.CLAIMED, county_clerk)
        assert _errors(refused) == ["子项随主项认领，不能单独认领：SZ-0003-01。"]
        returned = ApprovalItem.objects.get(code="SZ-0216")  # 校车使用许可, returned to its department
        with pytest.raises(ValidationError) as refused:
            decide(shuocheng, [*city("SZ-0001"), returned], D.CLAIMED, county_clerk)
        assert _errors(refused) == ["只能认领朔州市本级由审批服务管理局实施的事项：SZ-0216 不在其中。"]
        with pytest.raises(ValidationError) as refused:
            claims_decide(county=Jurisdiction.objects.get(code="shuozhou"), items=city("SZ-0001"), decision=D.CLAIMED)
        assert _errors(refused) == ["“朔州市本级”不是县（市、区），不能认领市级事项。"]
        assert not Claim.objects.exists() and not county_items(shuocheng).exists()

    def test_a_clerk_decides_only_for_their_own_county(self, county_clerk, clerk):
        yingxian = Jurisdiction.objects.get(code="yingxian")
        for user in (county_clerk, clerk):
            with pytest.raises(PermissionDenied):
                decide(yingxian, city("SZ-0001"), D.CLAIMED, user)
        assert not Claim.objects.exists() and not county_items(yingxian).exists()


class TestLockedFields:
    def test_a_claimed_item_keeps_the_city_name_type_and_legal_basis(self, shuocheng, county_clerk):
        decide(shuocheng, city("SZ-0007"), D.CLAIMED, county_clerk)
        for field, value in (("name", "教师资格认定（区级）"), ("item_type", "other"), ("legal_basis", "《教师法》")):
            copy = county_items(shuocheng).get()
            setattr(copy, field, value)
            with pytest.raises(ValidationError) as refused:
                services.item_update(item=copy, user=county_clerk)
            assert _errors(refused) == [
                "事项“SC-0001”的事项名称、事项类型和设定依据与市级事项“SZ-0007”一致，县级不能修改；"
                "如有不同，请向市级提出调整申请。"
            ]
        copy = county_items(shuocheng).get()
        assert (copy.name, copy.item_type, copy.legal_basis) == ("教师资格认定", "licensing", "")
        copy.remarks = "区政务大厅二楼"  # the county's own fields stay the county's
        services.item_update(item=copy, user=county_clerk)
        assert county_items(shuocheng).get().remarks == "区政务大厅二楼"

    def test_the_admin_shows_them_read_only_with_the_reason(self, client, shuocheng, county_clerk):
        decide(shuocheng, city("SZ-0007"), D.CLAIMED, county_clerk)
        copy = county_items(shuocheng).get()
        client.force_login(county_clerk)
        page = client.get(reverse("admin:approvals_approvalitem_change", args=[copy.pk]))
        assert not {"name", "item_type", "legal_basis"} & set(page.context["adminform"].form.fields)
        assert "remarks" in page.context["adminform"].form.fields
        assert [str(m) for m in page.context["messages"]] == [
            "本事项由市级事项派生：事项名称、事项类型和设定依据随市级事项，县级不能修改；如有不同，请向市级提出调整申请。"
        ]
        own = services.item_create(
            jurisdiction=shuocheng,
            name="区级自有事项",
            item_type="licensing",
            departments=[copy.departments.get()],
            user=county_clerk,
        )
        form = client.get(reverse("admin:approvals_approvalitem_change", args=[own.pk])).context["adminform"].form
        assert {"name", "item_type", "legal_basis"} <= set(form.fields)


def _realistic(county: Jurisdiction, user) -> None:
    """150 items claimed, 10 left with their departments, 5 declined with reasons, 48 not yet decided."""
    decide(county, city_range(1, 150), D.CLAIMED, user)
    decide(county, city_range(151, 160), D.DEPARTMENT, user)
    decide(county, city("SZ-0201", "SZ-0202"), D.DECLINED, user, reason=R.NO_AUTHORITY)
    decide(county, city("SZ-0203"), D.DECLINED, user, reason=R.CANCELLED)
    decide(county, city("SZ-0204"), D.DECLINED, user, reason=R.ENTRUSTED)
    decide(county, city("SZ-0205"), D.DECLINED, user, reason=R.OTHER, text="县级未设气象机构")


class TestAlignment:
    def test_the_counts_on_a_realistic_county(self, shuocheng, county_clerk, tmp_path):
        _realistic(shuocheng, county_clerk)
        report = alignment_report(shuocheng)
        # Main items; their sub-items beside: SZ-0003 (3), SZ-0019…0021 claimed, SZ-0155…0157 at their
        # departments, SZ-0202 (2) and SZ-0204 (4) declined, SZ-0212 (2) not yet decided.
        assert report.counts == {"claimed": 150, "department": 10, "declined": 5, "undecided": 48}
        assert report.sub_items == {"claimed": 6, "department": 3, "declined": 6, "undecided": 2}
        assert sum(report.counts.values()) == 213 and len(report.lines) == 213  # each item once
        assert report.reasons == {"本级无相应职责权限": 2, "已取消或下放": 1, "委托事项": 1, "其他": 1}
        lines = {line.city_code: line for line in report.lines}
        assert (lines["SZ-0205"].category, lines["SZ-0205"].detail) == ("declined", "其他：县级未设气象机构")
        assert (lines["SZ-0001"].county_code, lines["SZ-0001"].county_name) == ("SC-0001", "招标方案核准")
        assert (lines["SZ-0151"].category, lines["SZ-0151"].county_code) == ("department", "SC-0151")
        assert (lines["SZ-0213"].category, lines["SZ-0213"].county_code) == ("undecided", "")
        assert report.text() == (
            "认领（由审批服务管理局实施） 150 项（含子项 6 个）；由原部门实施 10 项（含子项 3 个）；"
            "不认领 5 项（含子项 6 个）：本级无相应职责权限 2 项、已取消或下放 1 项、委托事项 1 项、其他 1 项；"
            "尚未认领 48 项（含子项 2 个）"
        )
        [summary] = alignment_summaries([shuocheng])
        assert (summary.counts, summary.sub_items, summary.reasons) == (report.counts, report.sub_items, report.reasons)

        target = tmp_path / "alignment.xlsx"
        call_command("alignment_report", "shuocheng", "-o", str(target))
        rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
        assert rows[0][0] == "朔城区认领朔州市本级划转事项情况"
        assert rows[1][0] == report.text()
        assert len(rows) == 4 + 213
        assert rows[4] == (
            "认领（由审批服务管理局实施）",
            "SZ-0001",
            "招标方案核准",
            None,
            "SC-0001",
            "招标方案核准",
            None,
        )

    def test_a_county_without_decisions_is_not_yet_entered(self, client, shuocheng):
        [summary] = alignment_summaries([shuocheng])
        assert not summary.started and summary.text() == "尚未录入"
        assert summary.counts == {"claimed": 0, "department": 0, "declined": 0, "undecided": 213}
        page = client.get("/alignment/shuocheng/").content.decode()
        assert "<strong>尚未录入</strong>" in page and "尚未认领：213 项（主项）" in page

    def test_the_public_list_reads_six_counties_in_a_bounded_number_of_queries(
        self, client, county_clerk, django_assert_max_num_queries
    ):
        counties = Jurisdiction.objects.filter(level=Jurisdiction.Level.COUNTY).order_by("position")
        assert counties.count() == 6
        for county in counties[:5]:
            decide(county, city_range(1, 100), D.CLAIMED, None)
        _realistic(Jurisdiction.objects.get(code="shuocheng"), county_clerk)
        with django_assert_max_num_queries(4):
            listing = client.get("/alignment/")
        page = listing.content.decode()
        rows = {s.county.code: (s.counts, s.started) for s in listing.context["summaries"]}
        assert rows["shuocheng"] == ({"claimed": 150, "department": 10, "declined": 5, "undecided": 48}, True)
        assert rows["pinglu"] == ({"claimed": 100, "department": 0, "declined": 0, "undecided": 113}, True)
        assert rows["youyu"][1] is False
        assert '<td data-label="认领（由审批服务管理局实施）">150 项（主项）（含子项 6 个）</td>' in page
        assert '<td colspan="4" data-label="认领情况">尚未录入</td>' in page
        with django_assert_max_num_queries(5):
            detail = client.get("/alignment/shuocheng/")
        body = detail.content.decode()
        assert "不认领：5 项（主项）（含子项 6 个）<ul><li>本级无相应职责权限：2 项（主项）</li>" in body
        assert "<li>其他：1 项（主项）</li>" in body and "其他：县级未设气象机构" in body
