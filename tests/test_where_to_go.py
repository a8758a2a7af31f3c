"""Where to go and what to bring (issue 20): the 去哪里办 block of an item page, the service guide or the note that
it is missing, and the same office in the API and the CPSV-AP JSON-LD (approvals.offices.handling_offices)."""

import json
import re

import pytest
from django.utils.html import strip_tags

from approvals import services
from approvals.models import ApprovalItem, Department

pytestmark = pytest.mark.django_db

BUREAU = {
    "address": "朔州市开发区民福东街政务服务中心一层",
    "phone": "0349-2021234",
    "office_hours": "工作日 9:00—12:00，14:30—17:30",
    "website": "https://zwfw.shuozhou.example/",
}


@pytest.fixture
def contacts(db) -> dict[str, Department]:
    """The bureau with every contact field, 朔州市教育局 with a phone only."""
    bureau = Department.objects.get(jurisdiction__code="shuozhou", is_bureau=True)
    Department.objects.filter(pk=bureau.pk).update(**BUREAU)
    education = Department.objects.get(jurisdiction__code="shuozhou", slug="jyj")
    Department.objects.filter(pk=education.pk).update(phone="0349-2888000")
    return {"bureau": bureau, "education": education}


def _section(page: str, css_class: str) -> str:
    """The text of the page's <section class="…">, tags removed and white space folded."""
    html = re.search(rf'<section class="{css_class}"[^>]*>(.*?)</section>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _guide_note(page: str) -> str:
    return " ".join(strip_tags(re.search(r'<p class="guide-missing">(.*?)</p>', page, re.S).group(1)).split())


def test_a_transferred_item_sends_the_citizen_to_the_bureaus_hall(client, contacts):
    page = client.get("/items/SZ-0001/").content.decode()
    assert _section(page, "where") == (
        "去哪里办 本事项由行政审批服务管理局实施，请到其政务服务大厅办理。 朔州市行政审批服务管理局 "
        "办公地址 朔州市开发区民福东街政务服务中心一层 咨询电话 0349-2021234 "
        "办公时间 工作日 9:00—12:00，14:30—17:30 网上办事 https://zwfw.shuozhou.example/"
    )
    bureau = contacts["bureau"]
    assert f'<h3><a href="/departments/{bureau.slug}/">朔州市行政审批服务管理局</a></h3>' in page
    assert '<a href="https://zwfw.shuozhou.example/" rel="external">https://zwfw.shuozhou.example/</a>' in page


def test_a_returned_item_sends_the_citizen_to_its_department_and_says_what_is_not_published(client, contacts):
    page = client.get("/items/SZ-0216/").content.decode()
    assert _section(page, "where") == (
        "去哪里办 本事项已退回原部门实施，请到该部门办理。 朔州市教育局 "
        "办公地址 暂未公布 咨询电话 0349-2888000 办公时间 暂未公布 网上办事 暂未公布"
    )


def test_a_cancelled_item_names_no_office_and_gives_the_hotline(client, contacts):
    item = ApprovalItem.objects.get(code="SZ-0001")
    services.item_cancel(item=item, effective_on=None, document=None, user=None)
    page = client.get("/items/SZ-0001/").content.decode()
    assert _section(page, "where") == "去哪里办 本事项已取消，不再受理。 如有疑问，请拨打12345政务服务便民热线。"


def test_an_empty_guide_says_it_is_not_yet_published_and_whom_to_call(client, contacts):
    page = client.get("/items/SZ-0001/").content.decode()
    assert _guide_note(page) == (
        "本事项的办事指南（申请材料、受理条件、办理流程、时限、收费、设定依据）尚未公布。"
        "请致电朔州市行政审批服务管理局（0349-2021234），或拨打12345政务服务便民热线咨询。"
    )
    Department.objects.filter(pk=contacts["bureau"].pk).update(phone="")
    page = client.get("/items/SZ-0001/").content.decode()
    assert _guide_note(page) == (
        "本事项的办事指南（申请材料、受理条件、办理流程、时限、收费、设定依据）尚未公布。"
        "请拨打12345政务服务便民热线咨询。"
    )


def test_a_filled_guide_is_shown_instead_of_the_note(client):
    ApprovalItem.objects.filter(code="SZ-0001").update(application_materials="申请书\n招标方案", fees="不收费")
    page = client.get("/items/SZ-0001/").content.decode()
    assert "<dt>申请材料</dt><dd>申请书<br>招标方案</dd>" in page
    assert "<dt>收费</dt><dd>不收费</dd>" in page
    assert 'class="guide-missing"' not in page


def test_the_item_page_with_its_office_runs_a_bounded_number_of_queries(client, contacts, django_assert_num_queries):
    # 7 with a cold cache: the version, the item with its jurisdiction's bureau, its departments, events, sub-items,
    # the batches, the editions' rows; the same as test_public_pages' item page: the office adds no query.
    with django_assert_num_queries(7):
        response = client.get("/items/SZ-0216/")
    assert [office.slug for office in response.context["offices"]] == ["jyj"]
    with django_assert_num_queries(6):
        response = client.get("/items/SZ-0001/")
    assert [office.slug for office in response.context["offices"]] == [contacts["bureau"].slug]


def test_the_api_item_carries_the_office(client, contacts):
    detail = client.get("/api/items/SZ-0001/").json()
    assert detail["offices"] == [
        {"slug": contacts["bureau"].slug, "name": "朔州市行政审批服务管理局", "is_bureau": True, **BUREAU}
    ]
    returned = client.get("/api/items/SZ-0216/").json()
    assert returned["offices"] == [
        {
            "slug": "jyj",
            "name": "朔州市教育局",
            "is_bureau": False,
            "address": "",
            "phone": "0349-2888000",
            "office_hours": "",
            "website": "",
        }
    ]


def test_the_json_ld_names_the_office_as_contact_point_and_channels(client, contacts):
    service = json.loads(client.get("/items/SZ-0001/cpsv.jsonld").content)
    hours = {
        "@type": "time:TemporalEntity",
        "dct:description": {"@language": "zh-Hans", "@value": BUREAU["office_hours"]},
    }
    assert service["cv:contactPoint"] == [
        {
            "@type": "cv:ContactPoint",
            "cv:telephone": "0349-2021234",
            "locn:address": {
                "@type": "locn:Address",
                "locn:fullAddress": {"@language": "zh-Hans", "@value": BUREAU["address"]},
            },
            "cv:openingHours": hours,
            "cv:contactPage": {"@id": "https://zwfw.shuozhou.example/", "@type": "foaf:Document"},
        }
    ]
    slug = contacts["bureau"].slug
    assert service["cv:hasChannel"] == [
        {
            "@type": "cv:Channel",
            "dct:identifier": f"SZ-0001/{slug}/窗口",
            "dct:description": {
                "@language": "zh-Hans",
                "@value": f"到朔州市行政审批服务管理局办理：{BUREAU['address']}",
            },
            "cv:openingHours": hours,
        },
        {
            "@type": "cv:Channel",
            "dct:identifier": f"SZ-0001/{slug}/网上办理",
            "dct:description": {"@language": "zh-Hans", "@value": "网上办理：https://zwfw.shuozhou.example/"},
            "foaf:page": {"@id": "https://zwfw.shuozhou.example/"},
        },
    ]
    assert service["cv:hasCompetentAuthority"]["skos:prefLabel"]["@value"] == "朔州市行政审批服务管理局"


def test_the_json_ld_of_a_returned_item_gives_its_departments_phone(client, contacts):
    service = json.loads(client.get("/items/SZ-0216/cpsv.jsonld").content)
    assert service["cv:contactPoint"] == [{"@type": "cv:ContactPoint", "cv:telephone": "0349-2888000"}]
    assert service["cv:hasChannel"] == [
        {
            "@type": "cv:Channel",
            "dct:identifier": "SZ-0216/jyj/窗口",
            "dct:description": {"@language": "zh-Hans", "@value": "到朔州市教育局办理"},
        }
    ]


def test_the_department_admin_edits_the_contact_fields_in_their_own_fieldset(client, admin_user, contacts):
    client.force_login(admin_user)
    page = client.get(f"/admin/approvals/department/{contacts['education'].pk}/change/").content.decode()
    fieldset = page[page.index("联系方式与代码") :]
    for name in ("address", "phone", "office_hours", "website", "credit_code"):
        assert f'name="{name}"' in fieldset, name


def test_a_clerk_publishes_the_bureaus_contact_details_from_the_admin(client, clerk):
    bureau = Department.objects.get(jurisdiction__code="shuozhou", is_bureau=True)
    client.force_login(clerk)
    data = {
        "jurisdiction": bureau.jurisdiction_id,
        "slug": bureau.slug,
        "short_name": bureau.short_name,
        "full_name": bureau.full_name,
        "is_bureau": "on",
        "position": bureau.position,
        "credit_code": "",
        **BUREAU,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    response = client.post(f"/admin/approvals/department/{bureau.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    bureau.refresh_from_db()
    assert {field: getattr(bureau, field) for field in BUREAU} == BUREAU
    assert "0349-2021234" in client.get("/items/SZ-0001/").content.decode()
