"""The national codes (issue 18 §4): credit codes checked by GB 32100-2015, division codes in the API, each
item's 事项类型代码, 基本编码, 行使层级 and 实施编码 on its page, in the API, the admin and the national export."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse

from approvals import codes, services
from approvals.admin.register import JurisdictionAdmin
from approvals.item_codes import item_codes
from approvals.models import ApprovalItem, Department, ItemDepartment, ItemStatus, Jurisdiction
from catalog.exports.national import HEADER, national_items, write_national

pytestmark = pytest.mark.django_db

# GB 32100-2015 as the standard prints it, written here independently of approvals.codes: the 31 characters
# (the digits and the capitals but I, O, S, V, Z), each worth its position, and the weight of the i-th of
# the first 17 characters 3^i mod 31; the 18th is the character worth 31 - (weighted sum mod 31), 0 for 31.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(char) * pow(3, i, 31) for i, char in enumerate(first17))
    return CHARSET[(31 - total % 31) % 31]


# Codes printed on the business licences of well-known companies (published in their annual reports).
PUBLISHED = (
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
)
# Made up for the tests, each with the check character the standard gives it.
BUREAU_CODE = "11140600MB0000001" + check_character("11140600MB0000001")
DEPARTMENT_CODE = "11140600012345678" + check_character("11140600012345678")


def _wrong_last(code: str) -> str:
    return code[:17] + next(char for char in CHARSET if char != code[17])


def _city_bureau() -> Department:
    return Department.objects.get(jurisdiction__code="shuozhou", is_bureau=True)


def _at_bureau(jurisdiction: str = "shuozhou") -> ApprovalItem:
    """A main item without sub-items that the bureau carries out."""
    items = ApprovalItem.objects.filter(jurisdiction__code=jurisdiction, status=ItemStatus.BUREAU, parent=None)
    return items.filter(children__isnull=True).order_by("code").first()


def _returned_to_one_department() -> ApprovalItem:
    items = ApprovalItem.objects.filter(jurisdiction__code="shuozhou", status=ItemStatus.RETURNED, parent=None)
    return next(item for item in items.order_by("code") if item.department_links.count() == 1)


class TestCreditCode:
    def test_the_weights_are_three_to_the_power_of_the_position_modulo_31(self):
        assert codes.CREDIT_CODE_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
        assert codes.CREDIT_CODE_CHARSET == CHARSET

    @pytest.mark.parametrize("code", PUBLISHED)
    def test_a_published_code_passes_with_the_check_character_the_standard_gives(self, code):
        assert check_character(code[:17]) == code[17]
        assert codes.credit_code_check_character(code[:17]) == code[17]
        codes.validate_credit_code(code)

    @pytest.mark.parametrize("first17", ["11140600MB0000001", "91140600MA0K7XY10", "00000000000000000"])
    def test_the_check_character_is_the_one_the_standard_computes(self, first17):
        assert codes.credit_code_check_character(first17) == check_character(first17)

    def test_a_code_whose_check_character_is_31_ends_in_zero(self):
        assert check_character("00000000000000000") == "0"
        codes.validate_credit_code("000000000000000000")

    @pytest.mark.parametrize("code", PUBLISHED)
    def test_any_other_check_character_is_refused_with_the_expected_one_named(self, code):
        wrong = _wrong_last(code)
        with pytest.raises(ValidationError) as refused:
            codes.validate_credit_code(wrong)
        assert refused.value.messages == [
            f"统一社会信用代码的校验码不符（GB 32100-2015）：按前 17 位计算，第 18 位应为“{code[17]}”，"
            f"这里是“{wrong[17]}”。"
        ]

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("91330100716105852", "统一社会信用代码应为 18 位，这里是 17 位。"),
            ("91330100716105852FF", "统一社会信用代码应为 18 位，这里是 19 位。"),
            ("9133010071610585IO", "统一社会信用代码只能由数字和除 I、O、S、V、Z 以外的大写字母组成，不能含“IO”。"),
        ],
    )
    def test_a_malformed_code_is_refused_in_chinese(self, code, message):
        with pytest.raises(ValidationError) as refused:
            codes.validate_credit_code(code)
        assert refused.value.messages == [message]


class TestDepartmentAdmin:
    def _post(self, client, department: Department, credit_code: str):
        url = reverse("admin:approvals_department_change", args=[department.pk])
        form = client.get(url).context["adminform"].form
        data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
        data = {
            name: ("on" if value is True else value)
            for name, value in data.items()
            if value is not None and value is not False
        }
        data["credit_code"] = credit_code
        aliases = list(department.aliases.all())
        data.update(
            {
                "aliases-TOTAL_FORMS": str(len(aliases)),
                "aliases-INITIAL_FORMS": str(len(aliases)),
                "aliases-MIN_NUM_FORMS": "0",
                "aliases-MAX_NUM_FORMS": "1000",
            }
        )
        for index, alias in enumerate(aliases):
            data.update(
                {f"aliases-{index}-id": alias.pk, f"aliases-{index}-department": department.pk}
                | {f"aliases-{index}-name": alias.name}
            )
        return client.post(url, data)

    def test_a_wrong_check_character_is_refused_with_the_chinese_message_and_nothing_is_saved(self, client, admin_user):
        client.force_login(admin_user)
        bureau = _city_bureau()
        versions = bureau.history.count()
        wrong = _wrong_last(BUREAU_CODE)
        response = self._post(client, bureau, wrong)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["credit_code"] == [
            f"统一社会信用代码的校验码不符（GB 32100-2015）：按前 17 位计算，第 18 位应为“{BUREAU_CODE[17]}”，"
            f"这里是“{wrong[17]}”。"
        ]
        assert "统一社会信用代码的校验码不符" in response.content.decode()
        bureau.refresh_from_db()
        assert bureau.credit_code == ""
        assert bureau.history.count() == versions

    def test_a_right_code_typed_in_small_letters_is_kept_in_capitals_with_its_history(self, client, admin_user):
        client.force_login(admin_user)
        bureau = _city_bureau()
        response = self._post(client, bureau, f" {BUREAU_CODE.lower()} ")
        assert response.status_code == 302, response.context["adminform"].form.errors
        bureau.refresh_from_db()
        assert bureau.credit_code == BUREAU_CODE
        assert bureau.history.first().credit_code == BUREAU_CODE


class TestJurisdictions:
    def test_the_api_lists_the_registers_with_their_division_codes(self, client):
        response = client.get("/api/jurisdictions/")
        assert response.status_code == 200
        assert response.json() == {
            "count": 7,
            "next": None,
            "previous": None,
            "results": [
                {"code": "shuozhou", "name": "朔州市本级", "level": "city", "division_code": "140600", "parent": None},
                {
                    "code": "shuocheng",
                    "name": "朔城区",
                    "level": "county",
                    "division_code": "140602",
                    "parent": "shuozhou",
                },
                {
                    "code": "pinglu",
                    "name": "平鲁区",
                    "level": "county",
                    "division_code": "140603",
                    "parent": "shuozhou",
                },
                {
                    "code": "huairen",
                    "name": "怀仁市",
                    "level": "county",
                    "division_code": "140681",
                    "parent": "shuozhou",
                },
                {
                    "code": "shanyin",
                    "name": "山阴县",
                    "level": "county",
                    "division_code": "140621",
                    "parent": "shuozhou",
                },
                {
                    "code": "yingxian",
                    "name": "应县",
                    "level": "county",
                    "division_code": "140622",
                    "parent": "shuozhou",
                },
                {"code": "youyu", "name": "右玉县", "level": "county", "division_code": "140623", "parent": "shuozhou"},
            ],
        }

    def test_the_api_root_and_the_schema_name_it(self, client):
        assert client.get("/api/").json()["jurisdictions"] == "http://testserver/api/jurisdictions/"
        schema = client.get("/api/schema/?format=json").json()
        properties = schema["components"]["schemas"]["Jurisdiction"]["properties"]
        assert list(properties) == ["code", "name", "level", "division_code", "parent"]

    def test_a_malformed_division_code_is_refused_in_the_admin(self, client, admin_user):
        client.force_login(admin_user)
        city = Jurisdiction.objects.get(code="shuozhou")
        url = reverse("admin:approvals_jurisdiction_change", args=[city.pk])
        form = client.get(url).context["adminform"].form
        data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
        data = {name: value for name, value in data.items() if value is not None}
        response = client.post(url, {**data, "division_code": "14062"})
        assert response.context["adminform"].form.errors["division_code"] == [
            "行政区划代码应为 6 位数字（GB/T 2260），例如 140600。"
        ]
        city.refresh_from_db()
        assert city.division_code == "140600"


class TestExerciseLevel:
    def test_an_item_without_a_stored_level_takes_its_jurisdictions(self):
        assert codes.exercise_level_of(None, "city") == 3
        assert codes.exercise_level_of(None, "county") == 4
        assert codes.exercise_level_of(None, "province") == 2
        assert codes.exercise_level_of(5, "city") == 5
        assert codes.exercise_level_of(None, "elsewhere") is None


class TestImplementationCode:
    FORMAT = "{credit_code}{item_type_code}{basic_code}{exercise_level}"

    @pytest.fixture
    def coded(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = self.FORMAT
        bureau = _city_bureau()
        bureau.credit_code = BUREAU_CODE
        bureau.save()
        item = _at_bureau()
        item.basic_code = "000105001000"
        services.item_update(item=item)
        return item

    def test_an_item_with_every_part_has_its_code_composed_by_the_setting(self, coded):
        found = item_codes([coded.pk])[coded.pk]
        type_code = f"{list(dict(ApprovalItem._meta.get_field('item_type').choices)).index(coded.item_type) + 1:02d}"
        assert found.implementation_code == f"{BUREAU_CODE}{type_code}0001050010003"
        assert (found.item_type_code, found.basic_code, found.exercise_level) == (type_code, "000105001000", 3)
        assert (found.body, found.body_code) == ("朔州市行政审批服务管理局", BUREAU_CODE)

    def test_a_different_format_composes_a_different_code(self, coded, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{division_code}-{basic_code}-{exercise_level}"
        assert item_codes([coded.pk])[coded.pk].implementation_code == "140600-000105001000-3"

    def test_a_stored_level_replaces_the_jurisdictions(self, coded):
        coded.exercise_level = codes.ExerciseLevel.TOWNSHIP
        services.item_update(item=coded)
        assert item_codes([coded.pk])[coded.pk].implementation_code.endswith("0001050010005")

    def test_an_item_without_a_basic_code_has_no_code(self, coded):
        coded.basic_code = ""
        services.item_update(item=coded)
        assert item_codes([coded.pk])[coded.pk].implementation_code == ""

    def test_an_implementing_body_without_a_credit_code_gives_no_code(self, coded):
        Department.objects.filter(pk=_city_bureau().pk).update(credit_code="")
        found = item_codes([coded.pk])[coded.pk]
        assert (found.body, found.body_code, found.implementation_code) == ("朔州市行政审批服务管理局", "", "")

    def test_a_stored_credit_code_that_fails_its_check_gives_no_code(self, coded):
        Department.objects.filter(pk=_city_bureau().pk).update(credit_code=_wrong_last(BUREAU_CODE))
        assert item_codes([coded.pk])[coded.pk].implementation_code == ""

    def test_a_returned_item_is_implemented_by_its_department_with_its_code(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{credit_code}{basic_code}"
        item = _returned_to_one_department()
        department = item.department_links.get().department
        Department.objects.filter(pk=department.pk).update(credit_code=DEPARTMENT_CODE)
        ApprovalItem.objects.filter(pk=item.pk).update(basic_code="000201002000")
        found = item_codes([item.pk])[item.pk]
        assert found.body == (department.full_name or department.short_name)
        assert found.implementation_code == f"{DEPARTMENT_CODE}000201002000"

    def test_an_item_of_two_departments_outside_the_bureau_has_no_single_body_and_no_code(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{credit_code}{basic_code}"
        item = _returned_to_one_department()
        Department.objects.filter(jurisdiction=item.jurisdiction).update(credit_code=DEPARTMENT_CODE)
        other = Department.objects.filter(jurisdiction=item.jurisdiction, is_bureau=False).exclude(
            pk=item.department_links.get().department_id
        )[0]
        ItemDepartment.objects.create(item=item, department=other, position=1)
        ApprovalItem.objects.filter(pk=item.pk).update(basic_code="000201002000")
        found = item_codes([item.pk])[item.pk]
        assert (found.body, found.body_code, found.implementation_code) == ("", "", "")

    def test_a_county_item_is_at_county_level(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{credit_code}{division_code}{exercise_level}"
        Department.objects.update(credit_code=DEPARTMENT_CODE)
        county = Jurisdiction.objects.get(code="youyu")
        item = services.item_create(jurisdiction=county, name="县级测试事项", item_type="licensing", source_text="测试")
        assert item_codes([item.pk])[item.pk].exercise_level == 4
        assert item_codes([item.pk])[item.pk].implementation_code == ""  # 未划转 with no department: no body

    @pytest.mark.parametrize("fmt", ["{credit_code}{nonsense}", "{basic_code:>20}", "{basic_code!r}", "plain", "{"])
    def test_a_format_with_anything_but_known_placeholders_fails_loudly(self, fmt):
        with pytest.raises(ImproperlyConfigured):
            codes.implementation_code({"basic_code": "000105001000"}, fmt)

    def test_a_malformed_format_stops_the_start(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{credit_code}{level}"
        with pytest.raises(ImproperlyConfigured, match="IMPLEMENTATION_CODE_FORMAT"):
            apps.get_app_config("approvals").ready()

    def test_the_composition_itself_needs_every_part_it_names(self):
        parts = {"credit_code": BUREAU_CODE, "item_type_code": "01", "basic_code": "", "exercise_level": 3}
        assert codes.implementation_code(parts, "{credit_code}{item_type_code}{basic_code}{exercise_level}") == ""
        assert codes.implementation_code(parts, "{credit_code}-{exercise_level}") == f"{BUREAU_CODE}-3"


class TestItemEdits:
    def test_a_basic_code_and_level_entered_in_the_admin_are_saved_by_the_service_with_history(self, client, clerk):
        from tests.test_admin import _post_data

        client.force_login(clerk)
        item = _at_bureau()
        url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
        form = client.get(url).context["adminform"].form
        response = client.post(url, _post_data(form, item, basic_code=" 000105001000 ", exercise_level="3"))
        assert response.status_code == 302, response.context["adminform"].form.errors
        item.refresh_from_db()
        assert (item.basic_code, item.exercise_level) == ("000105001000", 3)
        record = item.history.order_by("-history_date").first()
        assert (record.basic_code, record.exercise_level, record.history_user) == ("000105001000", 3, clerk)

    def test_a_malformed_basic_code_is_refused_in_the_admin_and_nothing_changes(self, client, clerk):
        from tests.test_admin import _post_data

        client.force_login(clerk)
        item = _at_bureau()
        versions = item.history.count()
        url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
        form = client.get(url).context["adminform"].form
        response = client.post(url, _post_data(form, item, basic_code="0001-05"))
        assert response.context["adminform"].form.errors["basic_code"] == [
            "基本编码应由 6 至 20 位数字或大写字母组成，例如 000105001000。"
        ]
        item.refresh_from_db()
        assert item.basic_code == "" and item.history.count() == versions

    def test_the_service_refuses_a_malformed_code_or_level_naming_the_field(self):
        item = _at_bureau()
        item.basic_code = "短"
        with pytest.raises(ValidationError) as refused:
            services.item_update(item=item)
        assert refused.value.message_dict == {
            "basic_code": ["基本编码应由 6 至 20 位数字或大写字母组成，例如 000105001000。"]
        }
        item.basic_code, item.exercise_level = "", 9
        with pytest.raises(ValidationError) as refused:
            services.item_update(item=item)
        assert refused.value.message_dict == {"exercise_level": ["行使层级应为 1 至 6（国家级至村级），这里是“9”。"]}
        assert ApprovalItem.objects.get(pk=item.pk).exercise_level is None


class TestShown:
    @pytest.fixture
    def coded(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{credit_code}{item_type_code}{basic_code}{exercise_level}"
        Department.objects.filter(pk=_city_bureau().pk).update(credit_code=BUREAU_CODE)
        item = _at_bureau()
        ApprovalItem.objects.filter(pk=item.pk).update(basic_code="000105001000")
        item.refresh_from_db()
        return item

    def test_the_item_page_shows_every_code(self, client, coded):
        page = client.get(coded.get_absolute_url()).content.decode()
        type_code = codes.item_type_code(coded.item_type)
        assert f"<dt>事项类型代码</dt><dd>{type_code}</dd>" in page
        assert "<dt>基本编码</dt><dd>000105001000</dd>" in page
        assert "<dt>行使层级</dt><dd>市级</dd>" in page
        assert f"<dt>实施主体</dt><dd>朔州市行政审批服务管理局（统一社会信用代码 {BUREAU_CODE}）</dd>" in page
        assert f"<dt>实施编码</dt><dd>{BUREAU_CODE}{type_code}0001050010003</dd>" in page

    def test_the_api_detail_and_list_carry_the_codes(self, client, coded):
        type_code = codes.item_type_code(coded.item_type)
        expected = {
            "item_type_code": type_code,
            "basic_code": "000105001000",
            "exercise_level": 3,
            "implementation_code": f"{BUREAU_CODE}{type_code}0001050010003",
        }
        detail = client.get(f"/api/items/{coded.code}/").json()
        assert {name: detail[name] for name in expected} == expected
        listed = client.get("/api/items/", {"page_size": 100}).json()["results"]
        rows = {row["code"]: row for row in listed}
        assert {name: rows[coded.code][name] for name in expected} == expected
        other = listed[1] if listed[0]["code"] == coded.code else listed[0]  # at the bureau, no 基本编码
        assert (other["basic_code"], other["exercise_level"], other["implementation_code"]) == ("", 3, "")

    def test_the_api_list_reads_the_codes_of_a_page_in_a_fixed_number_of_queries(
        self, client, coded, django_assert_max_num_queries
    ):
        client.get("/api/items/", {"page_size": 20})  # warm the filter choices' cache (not the page's own copy)
        with django_assert_max_num_queries(12) as small:
            client.get("/api/items/", {"page_size": 10})
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get("/api/items/", {"page_size": 100})


class TestNationalExport:
    @pytest.fixture
    def coded(self, settings):
        settings.IMPLEMENTATION_CODE_FORMAT = "{credit_code}{item_type_code}{basic_code}{exercise_level}"
        Department.objects.filter(pk=_city_bureau().pk).update(credit_code=BUREAU_CODE)
        item = _at_bureau()
        ApprovalItem.objects.filter(pk=item.pk).update(basic_code="000105001000", name="=1+1 测试事项")
        item.refresh_from_db()
        return item

    def _expected_row(self, item: ApprovalItem) -> list[str]:
        type_code = codes.item_type_code(item.item_type)
        return [
            "=1+1 测试事项",
            item.get_item_type_display(),
            type_code,
            "000105001000",
            f"{BUREAU_CODE}{type_code}0001050010003",
            "朔州市行政审批服务管理局",
            BUREAU_CODE,
            "市级",
            "3",
            "140600",
            "",
            item.code,
        ]

    def test_the_header_row_has_the_national_field_names(self):
        assert HEADER == (
            "事项名称",
            "事项类型",
            "事项类型代码",
            "基本编码",
            "实施编码",
            "实施主体",
            "实施主体编码",
            "行使层级",
            "行使层级代码",
            "行政区划代码",
            "主项名称",
            "本级事项编码",
        )

    def test_the_workbook_has_the_header_and_an_items_exact_cells_as_text(self, client, coded):
        response = client.get(reverse("public:export_national_xlsx"), {"jurisdiction": "shuozhou"})
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
        assert rows[0] == list(HEADER)
        row = next(row for row in rows if row[-1] == coded.code)
        assert row == self._expected_row(coded)
        cells = next(r for r in sheet.iter_rows() if r[-1].value == coded.code)
        assert {cell.data_type for cell in cells if cell.value} == {"s"}  # text, never a formula or a number
        listed = national_items(Jurisdiction.objects.get(code="shuozhou"))
        assert len(rows) == 1 + listed.count()
        assert listed.filter(parent__isnull=False).exists()  # sub-items are rows of their own

    def test_the_csv_has_the_header_and_an_items_exact_cells_with_a_formula_quoted(self, client, coded):
        response = client.get(reverse("public:export_national_csv"), {"jurisdiction": "shuozhou"})
        text = b"".join(response.streaming_content).decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:])))
        assert rows[0] == list(HEADER)
        row = next(row for row in rows if row[-1] == coded.code)
        assert row == ["'" + self._expected_row(coded)[0], *self._expected_row(coded)[1:]]

    def test_the_export_reads_the_register_in_six_queries(self, client, django_assert_num_queries):
        # The jurisdiction asked for, the size check, the items, then their codes (items with their
        # jurisdictions, departments, bureaus): 500 items a chunk, so the city's 320 in one.
        with django_assert_num_queries(1 + 6):  # the register's version (public/caching.py), then the export's
            response = client.get(reverse("public:export_national_csv"), {"jurisdiction": "shuozhou"})
            rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert len(rows) == 1 + 303 + 17  # the header, the main items, the sub-items

    def test_a_sub_item_names_its_main_item(self):
        sub = national_items(Jurisdiction.objects.get(code="shuozhou")).filter(parent__isnull=False).first()
        out = io.StringIO()
        write_national(ApprovalItem.objects.filter(pk=sub.pk), "csv", out)
        rows = list(csv.reader(io.StringIO(out.getvalue()[1:])))
        assert (rows[1][0], rows[1][10], rows[1][11]) == (sub.name, sub.parent.name, sub.code)

    def test_the_catalogue_page_and_the_jurisdiction_admin_link_it(self, client):
        page = client.get("/", {"jurisdiction": "shuozhou"}).content.decode()
        assert f'href="{reverse("public:export_national_xlsx")}?jurisdiction=shuozhou"' in page
        everywhere = client.get("/", {"jurisdiction": "all"}).content.decode()
        assert f'href="{reverse("public:export_national_csv")}?jurisdiction=all"' in everywhere
        jurisdictions = JurisdictionAdmin(Jurisdiction, admin.site)
        assert jurisdictions.national_export(Jurisdiction.objects.get(code="youyu")) == (
            f'<a href="{reverse("public:export_national_xlsx")}?jurisdiction=youyu">Excel</a> · '
            f'<a href="{reverse("public:export_national_csv")}?jurisdiction=youyu">csv</a>'
        )
        assert "national_export" in jurisdictions.list_display
