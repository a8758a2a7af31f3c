"""The claims workbook a county fills in and sends back (export, import, refusal with every problem named,
the command) and the admin's claims page (bulk decisions, upload, who may see and change it)."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from approvals.models import ApprovalItem, Claim, ItemStatus, Jurisdiction, PolicyDocument
from catalog.exports.claims import write_claims_xlsx
from catalog.imports.claims import claims_import
from catalog.imports.problems import ImportRefused
from tests.conftest import make_user
from tests.test_claims import D, R, city, county_items, decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def shuocheng():
    return Jurisdiction.objects.get(code="shuocheng")


def _fill(path, rows: dict[str, tuple[str, str, str]]) -> None:
    """Fill the downloaded workbook as a county would: 认领情况, 不认领理由, 理由说明 of some rows."""
    book = openpyxl.load_workbook(path)
    sheet = book["认领情况"]
    for row in sheet.iter_rows(min_row=4):
        if row[0].value in rows:
            for cell, value in zip(row[2:5], rows[row[0].value], strict=True):
                cell.value = value or None
    book.save(path)


class TestClaimsWorkbook:
    def test_the_workbook_round_trip(self, shuocheng, county_clerk, tmp_path):
        decide(shuocheng, city("SZ-0002"), D.DECLINED, county_clerk, reason=R.ENTRUSTED)
        path = tmp_path / "claims.xlsx"
        assert write_claims_xlsx(shuocheng, path) == 213
        sheet = openpyxl.load_workbook(path)["认领情况"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "朔城区认领朔州市本级划转事项情况表"
        assert rows[1][0].startswith("认领情况填写：认领、由原部门实施、不认领（留空表示暂不决定）。")
        assert rows[2] == ("事项编码", "事项名称", "认领情况", "不认领理由", "理由说明")
        assert rows[3] == ("SZ-0001", "招标方案核准", None, None, None)
        assert rows[4] == ("SZ-0002", "企业投资项目核准", "不认领", "委托事项", None)
        assert len(rows) == 3 + 213
        assert [v.sqref for v in sheet.data_validations.dataValidation] == ["C4:C216", "D4:D216"]

        _fill(
            path,
            {
                "SZ-0001": ("认领", "", ""),
                "SZ-0002": ("认领", "", ""),
                "SZ-0003": ("由原部门实施", "", ""),
                "SZ-0004": ("不认领", "其他", "县级无此职能"),
            },
        )
        assert claims_import(county=shuocheng, path=path, user=county_clerk) == 4
        claims = dict(Claim.objects.values_list("city_item__code", "decision"))
        assert claims == {"SZ-0001": D.CLAIMED, "SZ-0002": D.CLAIMED, "SZ-0003": D.DEPARTMENT, "SZ-0004": D.DECLINED}
        assert list(
            county_items(shuocheng).filter(parent__isnull=True).values_list("derived_from__code", "status")
        ) == [
            ("SZ-0001", ItemStatus.BUREAU),
            ("SZ-0002", ItemStatus.BUREAU),
            ("SZ-0003", ItemStatus.PENDING),
        ]
        again = tmp_path / "again.xlsx"
        write_claims_xlsx(shuocheng, again)
        rows = list(openpyxl.load_workbook(again)["认领情况"].iter_rows(min_row=4, max_row=7, values_only=True))
        assert rows == [
            ("SZ-0001", "招标方案核准", "认领", None, None),
            ("SZ-0002", "企业投资项目核准", "认领", None, None),
            ("SZ-0003", "政府固定资产投资项目审批", "由原部门实施", None, None),
            ("SZ-0004", "企业投资项目备案（新建、改建、扩建）", "不认领", "其他", "县级无此职能"),
        ]
        # The same file read again changes nothing.
        history = Claim.history.count()
        assert claims_import(county=shuocheng, path=again, user=county_clerk) == 4
        assert Claim.history.count() == history

    def test_a_workbook_with_bad_rows_is_refused_whole_with_every_problem_named(
        self, shuocheng, county_clerk, tmp_path
    ):
        path = tmp_path / "claims.xlsx"
        write_claims_xlsx(shuocheng, path)
        _fill(
            path,
            {
                "SZ-0001": ("认领", "", ""),
                "SZ-0002": ("认了", "", ""),
                "SZ-0003": ("不认领", "", ""),
                "SZ-0004": ("不认领", "其他", ""),
                "SZ-0005": ("不认领", "没空", ""),
                "SZ-0006": ("认领", "委托事项", ""),
            },
        )
        book = openpyxl.load_workbook(path)
        book["认领情况"].append(("SZ-0001", "招标方案核准", "不认领", "委托事项", None))
        book["认领情况"].append(("SZ-0216", "校车使用许可", "认领", None, None))
        book.save(path)
        with pytest.raises(ImportRefused) as refused:
            claims_import(county=shuocheng, path=path, user=county_clerk)
        assert [str(p) for p in refused.value.problems] == [
            "工作表“认领情况”第 5 行“认领情况”列：“认了”不是可选的认领情况（认领、由原部门实施、不认领）。",
            "工作表“认领情况”第 6 行“不认领理由”列：不认领时必须填写不认领理由。",
            "工作表“认领情况”第 7 行“理由说明”列：不认领理由为“其他”时必须填写理由说明。",
            "工作表“认领情况”第 8 行“不认领理由”列："
            "“没空”不是可选的不认领理由（本级无相应职责权限、已取消或下放、委托事项、其他）。",
            "工作表“认领情况”第 9 行“不认领理由”列：只有不认领的事项填写不认领理由和理由说明。",
            "工作表“认领情况”第 217 行“事项编码”列：事项编码“SZ-0001”与第 4 行重复。",
            "工作表“认领情况”第 218 行“事项编码”列：“SZ-0216”不是朔州市本级由审批服务管理局实施的主项。",
        ]
        assert not Claim.objects.exists() and not county_items(shuocheng).exists()

    def test_another_countys_workbook_is_refused(self, shuocheng, county_clerk, tmp_path):
        path = tmp_path / "yingxian.xlsx"
        write_claims_xlsx(Jurisdiction.objects.get(code="yingxian"), path)
        _fill(path, {"SZ-0001": ("认领", "", "")})
        with pytest.raises(ImportRefused) as refused:
            claims_import(county=shuocheng, path=path, user=county_clerk)
        assert [str(p) for p in refused.value.problems] == [
            "工作表“认领情况”第 1 行：这不是朔城区的认领表（标题为“应县认领朔州市本级划转事项情况表”）。"
        ]
        assert not Claim.objects.exists()

    def test_the_command_exports_and_imports(self, shuocheng, tmp_path, capsys):
        path = tmp_path / "claims.xlsx"
        call_command("county_claims", "shuocheng", "--export", str(path))
        assert f"已写入 {path}：朔城区，213 个市级事项。" in capsys.readouterr().out
        _fill(path, {"SZ-0001": ("认领", "", ""), "SZ-0002": ("不认领", "其他", "")})
        with pytest.raises(CommandError) as refused:
            call_command("county_claims", "shuocheng", "--import", str(path))
        assert str(refused.value) == (
            "文件有问题，未做任何修改：\n工作表“认领情况”第 5 行“理由说明”列：不认领理由为“其他”时必须填写理由说明。"
        )
        assert not Claim.objects.exists()
        _fill(path, {"SZ-0002": ("不认领", "其他", "本级未设此机构")})
        call_command("county_claims", "shuocheng", "--import", str(path))
        assert f"已导入 {path}：朔城区，登记 2 个事项的认领情况。" in capsys.readouterr().out
        assert Claim.objects.filter(county=shuocheng).count() == 2


def _claims_url(county: Jurisdiction) -> str:
    return reverse("admin:catalog_job_county_claims", args=[county.pk])


class TestClaimsPage:
    def test_a_county_clerk_declines_items_in_bulk_with_a_reason(self, client, shuocheng, county_clerk):
        client.force_login(county_clerk)
        page = client.get(_claims_url(shuocheng))
        assert page.status_code == 200 and len(page.context["rows"]) == 213
        items = [str(item.pk) for item in city("SZ-0001", "SZ-0002")]
        refused = client.post(_claims_url(shuocheng), {"decision": D.DECLINED, "items": items})
        assert refused.status_code == 200
        assert refused.context["form"].non_field_errors() == ["不认领时必须选择不认领理由。"]
        assert not Claim.objects.exists()
        data = {"decision": D.DECLINED, "reason": R.NO_AUTHORITY, "items": items}
        done = client.post(_claims_url(shuocheng), data, follow=True)
        assert [str(m) for m in done.context["messages"]] == [
            "已将 2 个事项登记为“不认领”，新建本级事项 0 个（含子项）。"
        ]
        assert set(Claim.objects.values_list("decision", "reason")) == {(D.DECLINED, R.NO_AUTHORITY)}
        declined = client.get(_claims_url(shuocheng), {"decision": "declined"})
        assert [(item.code, claim.get_reason_display()) for item, claim, _copy in declined.context["rows"]] == [
            ("SZ-0001", "本级无相应职责权限"),
            ("SZ-0002", "本级无相应职责权限"),
        ]
        assert len(client.get(_claims_url(shuocheng), {"decision": "undecided"}).context["rows"]) == 211
        download = client.get(_claims_url(shuocheng), {"format": "xlsx"})
        assert download["Content-Disposition"].startswith("attachment; filename*=utf-8''")

    def test_an_uploaded_workbook_with_problems_changes_nothing_and_says_why(
        self, client, shuocheng, county_clerk, tmp_path
    ):
        path = tmp_path / "claims.xlsx"
        write_claims_xlsx(shuocheng, path)
        _fill(path, {"SZ-0001": ("认领", "", ""), "SZ-0002": ("不认领", "", "")})
        client.force_login(county_clerk)
        with path.open("rb") as upload:
            page = client.post(_claims_url(shuocheng), {"workbook": upload})
        assert page.context["problems"] == ["工作表“认领情况”第 5 行“不认领理由”列：不认领时必须填写不认领理由。"]
        assert "认领表有问题，未做任何修改。" in page.content.decode()
        assert not Claim.objects.exists()
        _fill(path, {"SZ-0002": ("由原部门实施", "", "")})
        with path.open("rb") as upload:
            done = client.post(_claims_url(shuocheng), {"workbook": upload}, follow=True)
        assert [str(m) for m in done.context["messages"]] == ["已导入认领表：登记 2 个事项的认领情况。"]
        assert Claim.objects.count() == 2

    def test_the_city_views_a_county_page_but_only_the_county_changes_it(self, client, clerk, shuocheng):
        client.force_login(clerk)
        page = client.get(_claims_url(shuocheng))
        assert page.status_code == 200 and page.context["may_change"] is False
        assert 'name="items"' not in page.content.decode()
        data = {"decision": D.CLAIMED, "items": [str(city("SZ-0001")[0].pk)]}
        assert client.post(_claims_url(shuocheng), data).status_code == 403
        other = make_user("yingxian_clerk", groups=["经办人"], jurisdiction="yingxian")
        client.force_login(other)
        assert client.get(_claims_url(shuocheng)).status_code == 404
        assert client.post(_claims_url(shuocheng), data).status_code == 404
        assert not Claim.objects.exists()

    def test_leaving_a_claimed_item_outside_the_base_catalogue_cites_the_countys_government(
        self, client, shuocheng, county_clerk
    ):
        """朔政发〔2022〕20号 二.2: the county copy goes back to its department on the county government's document,
        chosen on the same page; without it the page says why and nothing changes."""
        outside = (
            ApprovalItem.objects.filter(jurisdiction__code="shuozhou", status=ItemStatus.BUREAU, parent=None)
            .filter(in_base_catalogue=False, children=None)
            .order_by("code")
            .first()
        )
        client.force_login(county_clerk)
        url = _claims_url(shuocheng)
        client.post(url, {"decision": D.CLAIMED, "items": [str(outside.pk)]})
        [copy] = county_items(shuocheng)
        assert copy.status == ItemStatus.BUREAU

        refused = client.post(url, {"decision": D.DEPARTMENT, "items": [str(outside.pk)]})
        assert refused.status_code == 200
        [message] = refused.context["form"].non_field_errors()
        assert message.startswith(f"“{copy.code} {copy.name}”是基本目录外事项。依照朔政发〔2022〕20号第二条第二项")
        assert Claim.objects.get().decision == D.CLAIMED
        assert ApprovalItem.objects.get(pk=copy.pk).status == ItemStatus.BUREAU

        notice = PolicyDocument.objects.create(
            jurisdiction=shuocheng, number="朔城政发〔2024〕2号", title="调整审批事项的通知", issuer="朔城区人民政府"
        )
        data = {"decision": D.DEPARTMENT, "items": [str(outside.pk)], "document": str(notice.pk)}
        client.post(url, {**data, "effective_on": "2024-05-01"})
        assert Claim.objects.get().decision == D.DEPARTMENT
        assert ApprovalItem.objects.get(pk=copy.pk).status == ItemStatus.RETURNED
        assert ApprovalItem.objects.get(pk=copy.pk).transfers.latest("sequence").document == notice
