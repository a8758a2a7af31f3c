"""No member of staff reaches another jurisdiction's register, by any admin path (issue 13).

The world of each test: the official city register, plus a few objects of 怀仁市 and of the
city whose names carry a marker. A 朔城区 clerk and a member of staff without a jurisdiction
must never see a marker, on any admin URL the resolver knows; refused writes change nothing.
"""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import URLPattern, reverse

from approvals import services
from approvals.models import (
    ApprovalItem,
    Department,
    ItemStatus,
    ItemType,
    Jurisdiction,
    PolicyDocument,
    StaffProfile,
    Transfer,
)
from catalog import publishing
from catalog.feedback import feedback_submit
from catalog.models import Edition, Entry, Feedback
from tests.conftest import acknowledging

FOREIGN = "外辖区标记"  # every object of 怀仁市 made below carries it
CITY_ONLY = "市级标记"  # the city's objects a county clerk may not read
MARKERS = (FOREIGN, CITY_ONLY)


def register_hash(leaving_out: tuple = ()) -> str:
    """A digest of every row of the register's and the catalogue's tables, history included (but `leaving_out`
    these models). Read with plain SQL: the ORM's values_list took twice as long, and tests take it ~100 times."""
    digest = hashlib.sha256()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label in ("approvals", "catalog"):
            for model in apps.get_app_config(label).get_models():
                if model in leaving_out:
                    continue
                cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}")
                digest.update(model._meta.label.encode())
                digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def _staff(username: str, jurisdiction: str | None, group: str = "经办人") -> User:
    user = User.objects.create_user(username, is_staff=True)  # no password: tests log in with force_login
    user.groups.add(Group.objects.get(name=group))
    if jurisdiction:
        StaffProfile.objects.create(user=user, jurisdiction=Jurisdiction.objects.get(code=jurisdiction))
    return user


def _place_objects(place: Jurisdiction, marker: str, slug: str, document_marker: str | None = None) -> dict:
    """A department, a document, an item at the bureau and a draft edition of `place`, named with `marker`.

    The document is named with `document_marker` (default `marker`): the city's documents may be cited by all.
    """
    document_marker = document_marker or marker
    department = Department.objects.create(
        jurisdiction=place, slug=f"{slug}-dept", short_name=f"{marker}部门", full_name=f"{marker}部门全称"
    )
    document = PolicyDocument.objects.create(
        jurisdiction=place, number=f"{document_marker}文〔2024〕1号", title=f"{document_marker}文件", batch_label=""
    )
    item = services.item_create(
        jurisdiction=place, name=f"{marker}事项", item_type=ItemType.LICENSING, departments=[department]
    )
    services.item_transfer(item=item, effective_on=datetime.date(2024, 1, 1), document=document)
    edition = Edition.objects.create(
        slug=f"{slug}-draft",
        title=f"{marker}版本",
        jurisdiction=place,
        section1_heading=f"{marker}第一部分（1项）",  # counted as publishing checks (catalog/prepublication.py)
        section2_heading=f"{marker}第二部分（0项）",
    )
    Entry.objects.create(
        edition=edition,
        section=1,
        row=1,
        number=1,
        item=item,
        main_name=item.name,
        item_type="行政许可",
        departments=department.short_name,
        batch="首次划转",
        base="基本目录外事项",
    )
    return {
        Department: department,
        PolicyDocument: document,
        ApprovalItem: item,
        Feedback: feedback_submit(item=item, message=f"{marker}留言"),
        Transfer: item.transfers.get(),
        Edition: edition,
        Entry: edition.entries.get(),
        Jurisdiction: place,
    }


@pytest.fixture
def world(db) -> dict:
    huairen = Jurisdiction.objects.get(code="huairen")
    city = Jurisdiction.objects.get(code="shuozhou")
    foreign = _place_objects(huairen, FOREIGN, "hr")
    foreign[StaffProfile] = _staff(f"{FOREIGN}用户", "huairen").staff_profile
    city_objects = _place_objects(city, CITY_ONLY, "sz", document_marker="市级可引用")
    own = _place_objects(Jurisdiction.objects.get(code="shuocheng"), "本辖区", "sc")
    return {"foreign": foreign, "city": city_objects, "own": own}


@pytest.fixture
def county_clerk_user(db) -> User:
    return _staff("sc_clerk", "shuocheng")


@pytest.fixture
def county_publisher(db) -> User:
    return _staff("sc_publisher", "shuocheng", group="审核人")


@pytest.fixture
def city_clerk(db) -> User:
    return _staff("sz_clerk", "shuozhou")


@pytest.fixture
def city_publisher(db) -> User:
    return _staff("sz_publisher", "shuozhou", group="审核人")


@pytest.fixture
def nowhere_clerk(db) -> User:
    return _staff("no_place", None)


def assert_no_marker(response, markers=MARKERS) -> None:
    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    for marker in markers:
        assert marker not in body, f"{marker} on {response.request['PATH_INFO']}"


# --- every admin URL the resolver knows ---------------------------------------------------------


def _admin_patterns() -> list[tuple[str, str, int]]:
    """(model label or "", URL name, number of arguments) for every named admin URL pattern."""
    found = []
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name:
                found.append((model._meta.label, pattern.name, pattern.pattern.regex.groups))
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name and pattern.name != "view_on_site":
            found.append(("", pattern.name, pattern.pattern.regex.groups))
    return sorted(set(found))


ADMIN_PATTERNS = _admin_patterns()


def test_the_resolver_gives_the_admin_urls_this_test_walks():
    names = {name for _label, name, _args in ADMIN_PATTERNS}
    # The custom pages are among them: a page added later is walked without being listed here.
    assert {
        "approvals_approvalitem_on_date",
        "approvals_jurisdiction_alignment",
        "approvals_department_simple_history",
        "catalog_edition_compile",
        "catalog_edition_diff",
        "approvals_approvalitem_import",
        "approvals_approvalitem_export",
        "autocomplete",
        "index",
    } <= names
    assert len(ADMIN_PATTERNS) > 60


def _url(label: str, name: str, n_args: int, target) -> str:
    if n_args == 0:
        return reverse(f"admin:{name}")
    if name == "app_list":
        return reverse(f"admin:{name}", kwargs={"app_label": "approvals"})
    if target is None:
        return ""
    if n_args == 1:
        return reverse(f"admin:{name}", args=[target.pk])
    history = getattr(type(target), "history", None)
    if history is None:
        return ""
    version = target.history.order_by("-history_id").first()
    return reverse(f"admin:{name}", args=[target.pk, version.history_id]) if version else ""


EXTRA_QUERIES = {
    "approvals_approvalitem_changelist": ["?q=标记", "?jurisdiction__id__exact={huairen}", "?all="],
    "approvals_approvalitem_on_date": ["?date=2025-01-01", "?date=2025-01-01&jurisdiction=huairen"],
    "catalog_edition_diff": ["?old=hr-draft&new=sz-draft"],
    "catalog_entry_changelist": ["?q=标记"],
    "approvals_department_changelist": ["?q=标记"],
    "approvals_policydocument_changelist": ["?q=标记"],
    "autocomplete": [
        "?app_label=approvals&model_name=itemdepartment&field_name=department&term=标记",
        "?app_label=approvals&model_name=approvalitem&field_name=parent&term=标记",
    ],
}


@pytest.mark.parametrize("who", ["county_clerk_user", "nowhere_clerk"])
def test_no_admin_url_shows_another_jurisdictions_objects(client, world, request, who):
    """Every named admin URL (from the resolver), pointed at another jurisdiction's object where it takes one."""
    client.force_login(request.getfixturevalue(who))
    huairen = world["foreign"][Jurisdiction].pk
    before = register_hash()
    walked, failures = 0, []
    for label, name, n_args in ADMIN_PATTERNS:
        model = apps.get_model(label) if label else None
        target = world["foreign"].get(model) if model else None
        if model is not None and target is None:
            target = model._default_manager.order_by("pk").first()
        url = _url(label, name, n_args, target)
        if not url:
            continue
        for query in [""] + [q.format(huairen=huairen) for q in EXTRA_QUERIES.get(name, [])]:
            walked += 1
            response = client.get(url + query)
            body = response.content.decode(errors="replace")
            if response.status_code not in (200, 302, 400, 403, 404, 405):
                failures.append(f"{url + query}: HTTP {response.status_code}")
            failures += [f"{url + query}: shows {marker}" for marker in MARKERS if marker in body]
            if target is not None and n_args and model is not Jurisdiction and response.status_code == 200:
                failures.append(f"{url + query}: opened another jurisdiction's object")
    assert not failures, "\n".join(failures)
    assert walked > 80
    assert register_hash() == before


# --- django-simple-history's pages -------------------------------------------------------------


def test_history_record_pages_of_another_jurisdiction_are_not_found(client, world, county_clerk_user, nowhere_clerk):
    department = world["foreign"][Department]
    record = department.history.first()
    for user in (county_clerk_user, nowhere_clerk):
        client.force_login(user)
        url = reverse("admin:approvals_department_simple_history", args=[department.pk, record.history_id])
        assert client.get(url).status_code == 404
        assert client.get(reverse("admin:approvals_department_history", args=[department.pk])).status_code == 404


@pytest.mark.parametrize("who", ["county_clerk_user", "city_clerk", "nowhere_clerk"])
def test_no_post_to_a_history_record_page_changes_anything(client, world, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    targets = [world["foreign"][Department], world["own"][Department], world["city"][Department]]
    targets += [world["own"][ApprovalItem], world["city"][ApprovalItem]]
    before = register_hash()
    for target in targets:
        opts = target._meta
        record = target.history.order_by("-history_id").first()
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[target.pk, record.history_id])
        data = {"jurisdiction": str(world["own"][Jurisdiction].pk), "short_name": "改名", "name": "改名"}
        response = client.post(url, data)
        assert response.status_code == 403
        assert "历史记录只能查看" in response.content.decode()
    assert register_hash() == before


def test_a_city_clerk_reads_a_county_history_record_but_cannot_restore_it(client, world, city_clerk):
    client.force_login(city_clerk)
    department = world["foreign"][Department]
    record = department.history.first()
    url = reverse("admin:approvals_department_simple_history", args=[department.pk, record.history_id])
    page = client.get(url)
    assert page.status_code == 200 and FOREIGN in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


# --- the register on a date -----------------------------------------------------------------------


def test_the_register_on_a_date_lists_only_what_the_user_may_read(client, world, county_clerk_user, nowhere_clerk):
    url = reverse("admin:approvals_approvalitem_on_date") + "?date=2025-01-01"
    client.force_login(county_clerk_user)
    page = client.get(url)
    assert [item.code for item in page.context["page"]] == [world["own"][ApprovalItem].code]
    client.force_login(nowhere_clerk)
    page = client.get(url)
    assert page.context["page"].paginator.count == 0
    assert "您的账号尚未指定辖区" in page.content.decode()


def test_a_city_clerk_reads_the_counties_on_a_date(client, world, city_clerk):
    client.force_login(city_clerk)
    page = client.get(reverse("admin:approvals_approvalitem_on_date") + "?date=2025-01-01")
    codes = {item.code for item in page.context["page"].paginator.object_list}
    assert {world["foreign"][ApprovalItem].code, world["own"][ApprovalItem].code} <= codes
    assert page.context["page"].paginator.count == 213 + 3  # the city's 2022 items, its marker item, two counties'


# --- policy documents belong to their issuer -----------------------------------------------------


def _document_form(document: PolicyDocument, **changes) -> dict:
    data = {
        "jurisdiction": str(document.jurisdiction_id),
        "number": document.number,
        "title": document.title,
        "issuer": document.issuer,
        "issued_on": document.issued_on.isoformat() if document.issued_on else "",
        "batch_label": document.batch_label,
        "url": document.url,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("who", ["county_clerk_user", "nowhere_clerk"])
def test_only_the_issuers_staff_change_a_document(client, world, request, who):
    client.force_login(request.getfixturevalue(who))
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    before = register_hash()
    url = reverse("admin:approvals_policydocument_change", args=[notice.pk])
    response = client.post(url, _document_form(notice, batch_label="被改的批次"))
    # 403 where the document can be read (a county reads the city's), Django's "does not exist" redirect where not.
    assert response.status_code == (403 if who == "county_clerk_user" else 302)
    # Nor can it be added again in another jurisdiction's name.
    response = client.post(
        reverse("admin:approvals_policydocument_add"),
        _document_form(notice, number="朔政发〔2099〕1号", jurisdiction=str(notice.jurisdiction_id)),
    )
    assert response.status_code in (200, 403)
    assert register_hash() == before


def test_a_county_clerk_cites_the_city_and_province_documents_and_changes_only_its_own(
    client, world, county_clerk_user
):
    client.force_login(county_clerk_user)
    listing = client.get(reverse("admin:approvals_policydocument_changelist"))
    numbers = {document.number for document in listing.context["cl"].result_list}
    assert {"朔政发〔2022〕20号", "晋政发〔2021〕47号", world["own"][PolicyDocument].number} <= numbers
    assert world["foreign"][PolicyDocument].number not in numbers
    own = world["own"][PolicyDocument]
    url = reverse("admin:approvals_policydocument_change", args=[own.pk])
    assert client.post(url, _document_form(own, title="本辖区文件（改）")).status_code == 302
    assert PolicyDocument.objects.get(pk=own.pk).title == "本辖区文件（改）"
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    page = client.get(reverse("admin:approvals_policydocument_change", args=[notice.pk]))
    assert page.status_code == 200 and page.context["has_change_permission"] is False


def test_the_city_clerk_changes_the_citys_documents(client, world, city_clerk):
    client.force_login(city_clerk)
    notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    url = reverse("admin:approvals_policydocument_change", args=[notice.pk])
    assert client.post(url, _document_form(notice, title="调整通知（更正）")).status_code == 302
    province = PolicyDocument.objects.get(number="晋政发〔2021〕47号")
    before = register_hash()
    url = reverse("admin:approvals_policydocument_change", args=[province.pk])
    assert client.post(url, _document_form(province, title="改省级文件")).status_code == 403
    assert register_hash() == before


def test_a_service_refuses_a_document_the_user_may_not_cite(world, county_clerk_user):
    own_item = world["own"][ApprovalItem]
    with pytest.raises(PermissionDenied, match="只能引用本辖区、上级市和省级的文件"):
        services.item_return(
            item=own_item,
            effective_on=datetime.date(2025, 1, 1),
            document=world["foreign"][PolicyDocument],
            user=county_clerk_user,
        )
    assert ApprovalItem.objects.get(pk=own_item.pk).status == ItemStatus.BUREAU
    # A base-catalogue item: its return may cite a document of the level above (an item outside the base
    # catalogue needs its own government's, approvals/notice_rules.py).
    ApprovalItem.objects.filter(pk=own_item.pk).update(in_base_catalogue=True)
    city_notice = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    services.item_return(
        item=own_item, effective_on=datetime.date(2025, 1, 1), document=city_notice, user=county_clerk_user
    )
    assert ApprovalItem.objects.get(pk=own_item.pk).status == ItemStatus.RETURNED


# --- publishing, compiling, deriving -----------------------------------------------------------


def test_a_city_publisher_cannot_publish_a_county_draft(client, world, city_publisher):
    draft = world["foreign"][Edition]
    with pytest.raises(PermissionDenied, match="您只能发布本辖区的目录版本"):
        publishing.edition_publish(edition=draft, user=city_publisher)
    client.force_login(city_publisher)
    before = register_hash()
    response = client.post(
        reverse("admin:catalog_edition_changelist"),
        {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [str(draft.pk)]},
        follow=True,
    )
    assert "不属于您的辖区" in response.content.decode()
    assert register_hash() == before
    assert Edition.objects.get(pk=draft.pk).status == Edition.Status.DRAFT


def test_a_county_publisher_publishes_its_own_draft(client, world, county_publisher):
    client.force_login(county_publisher)
    draft = world["own"][Edition]
    client.post(
        reverse("admin:catalog_edition_changelist"),
        {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [str(draft.pk)], "confirm": "yes", **acknowledging(draft)},
    )
    assert Edition.objects.get(pk=draft.pk).status == Edition.Status.PUBLISHED


def test_services_refuse_another_jurisdiction_whatever_calls_them(world, city_clerk, county_clerk_user):
    from catalog.counties import county_derive

    huairen = world["foreign"][Jurisdiction]
    before = register_hash()
    with pytest.raises(PermissionDenied):
        publishing.edition_compile(
            slug="x", title="x", jurisdiction=huairen, on=datetime.date(2025, 1, 1), user=county_clerk_user
        )
    with pytest.raises(PermissionDenied):
        county_derive(county=huairen, user=city_clerk)
    with pytest.raises(PermissionDenied):
        services.item_cancel(item=world["foreign"][ApprovalItem], effective_on=None, document=None, user=city_clerk)
    assert register_hash() == before


# --- filter choices and lists -------------------------------------------------------------------


def test_the_entry_list_filters_offer_only_readable_editions(client, world, county_clerk_user):
    client.force_login(county_clerk_user)
    page = client.get(reverse("admin:catalog_entry_changelist"))
    assert page.status_code == 200
    assert_no_marker(page)
    assert "本辖区版本" in page.content.decode()


def test_the_jurisdiction_list_shows_a_county_clerk_only_its_county(client, world, county_clerk_user):
    client.force_login(county_clerk_user)
    page = client.get(reverse("admin:approvals_jurisdiction_changelist"))
    assert [j.code for j in page.context["cl"].result_list] == ["shuocheng"]
    body = page.content.decode()
    own_alignment = reverse("admin:approvals_jurisdiction_alignment", args=[world["own"][Jurisdiction].pk])
    assert own_alignment in body and body.count("/alignment/") == 1


def test_a_city_clerk_cannot_change_a_county_department(client, world, city_clerk):
    client.force_login(city_clerk)
    department = world["foreign"][Department]
    url = reverse("admin:approvals_department_change", args=[department.pk])
    before = register_hash()
    data = {
        "jurisdiction": str(world["city"][Jurisdiction].pk),
        "slug": department.slug,
        "short_name": "改名",
        "full_name": "",
        "position": "0",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    assert client.post(url, data).status_code == 403
    assert register_hash() == before


def test_users_groups_and_login_records_are_for_superusers_only(client, world, city_publisher, admin_user):
    client.force_login(city_publisher)
    for name in ("auth_user_changelist", "auth_group_changelist", "axes_accessattempt_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_an_admin_registered_without_scope_is_superuser_only():
    from approvals.admin_scope import RegisterAdminSite, SuperuserOnlyAdmin

    site = RegisterAdminSite(name="probe")
    site.register(Group)
    assert isinstance(site._registry[Group], SuperuserOnlyAdmin)


def test_a_member_of_staff_is_created_on_one_screen(client, admin_user):
    """User, group and jurisdiction at once: the new clerk can work straight away."""
    client.force_login(admin_user)
    add = reverse("admin:auth_user_add")
    page = client.get(add).content.decode()
    assert "岗位" in page and "辖区" in page
    response = client.post(
        add,
        {
            "username": "new_clerk",
            "last_name": "张",
            "first_name": "三",
            "email": "",
            "password1": "Shuozhou-2026-clerk",
            "password2": "Shuozhou-2026-clerk",
            "group": str(Group.objects.get(name="经办人").pk),
            "jurisdiction": str(Jurisdiction.objects.get(code="shuocheng").pk),
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_clerk")
    assert user.is_staff and not user.is_superuser
    assert [group.name for group in user.groups.all()] == ["经办人"]
    assert user.staff_profile.jurisdiction.code == "shuocheng"
    listing = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "朔城区" in listing
    refused = client.post(add, {"username": "no_place", "password1": "x", "password2": "x"})
    assert "请选择岗位。" in refused.content.decode() and "请选择辖区。" in refused.content.decode()
    assert not User.objects.filter(username="no_place").exists()


def test_the_flat_export_holds_only_what_the_user_may_read(client, world, county_clerk_user):
    import io

    from openpyxl import load_workbook

    client.force_login(county_clerk_user)
    columns = {
        f"departmentresource_{name}": "on"
        for name in ("jurisdiction", "slug", "short_name", "full_name", "aliases", "position")
    }
    response = client.post(reverse("admin:approvals_department_export"), {"format": "0", "resource": "0", **columns})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    assert [(row[0], row[2]) for row in rows] == [("朔城区", "本辖区部门")]
