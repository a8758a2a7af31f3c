"""Issue 19 §2: every public page and API response carries the register's version as its validator, a matching
conditional request answers 304 before any view runs, and anonymous visitors are served from the shared cache
under that version, so that a clerk's change shows on the very next request (public/caching.py)."""

import datetime
import math
from email.utils import formatdate

import pytest
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, override_settings
from django.urls import include, path
from django.utils.http import parse_http_date

from approvals import register_version, services
from approvals.models import ApprovalItem, Department, Jurisdiction
from approvals.register_version import Version
from catalog.models import Edition
from public import caching, selectors
from tests.checkers import public_pages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]

NEW_NAME = "缓存测试更名事项"


def _api_and_data() -> list[str]:
    """Every API endpoint and open-data document kind, and the feeds, with one object each."""
    item = ApprovalItem.objects.public().filter(parent__isnull=True).order_by("code").first()
    department = Department.objects.filter(is_bureau=False).order_by("position").first()
    edition = Edition.objects.latest_published()
    return [
        "/api/",
        "/api/schema/",
        "/api/items/?q=危险货物",
        f"/api/items/{item.code}/",
        "/api/departments/",
        f"/api/departments/{department.slug}/",
        "/api/editions/",
        f"/api/editions/{edition.slug}/",
        "/api/jurisdictions/",
        "/api/changes/",
        "/editions/dcat.jsonld",
        f"/editions/{edition.slug}/dcat.jsonld",
        f"/items/{item.code}/cpsv.jsonld",
        "/feeds/editions.atom",
        f"/items/{item.code}/feedback/",
    ]


def _etag(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response["ETag"]


def _version_date(version: Version) -> str:
    return formatdate(math.floor(version.changed_at.timestamp()), usegmt=True)


def test_every_public_page_and_api_response_carries_the_versions_validators():
    version = register_version.current()
    for url in [*public_pages(), *_api_and_data()]:
        response = Client().get(url)
        if response.status_code == 404:  # the missing item of public_pages(): an error keeps no validator
            assert url == "/items/SZ-9999/" and "ETag" not in response and "Last-Modified" not in response
            continue
        assert response.status_code == 200, url
        assert response["ETag"].startswith(f'W/"{version.tag}-'), url
        modified = parse_http_date(response["Last-Modified"])  # the version's second, or the one before
        assert modified <= version.changed_at.timestamp() < modified + 2, url
        assert response["Cache-Control"] == "max-age=0, must-revalidate", url
        assert not response.cookies, url


def test_the_etag_varies_with_what_the_api_negotiates_and_not_with_the_visitor():
    plain = _etag(Client(), "/api/schema/")
    assert _etag(Client(HTTP_ACCEPT="application/vnd.oai.openapi+json"), "/api/schema/") != plain
    assert _etag(Client(), "/api/schema/") == plain


def test_a_conditional_get_answers_304_with_only_the_versions_query(django_assert_num_queries):
    client = Client()
    etag = _etag(client, "/?q=许可")
    with django_assert_num_queries(1):
        response = client.get("/?q=许可", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag and response["Cache-Control"] == "max-age=0, must-revalidate"
    with django_assert_num_queries(1):  # an ETag among others, strong or weak, is matched
        assert client.get("/?q=许可", HTTP_IF_NONE_MATCH=f'"x", {etag.removeprefix("W/")}').status_code == 304
    older = client.get("/?q=许可", HTTP_IF_NONE_MATCH=etag.replace(f'"{register_version.current().tag}-', '"1.2-'))
    assert older.status_code == 200 and older["ETag"] == etag and "许可" in older.content.decode()


def test_if_modified_since_answers_304_only_from_the_versions_own_second():
    client = Client()
    client.get("/editions/")
    version = register_version.current()
    since = _version_date(version)
    assert client.get("/editions/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    before = formatdate(math.floor(version.changed_at.timestamp()) - 1, usegmt=True)
    assert client.get("/editions/", HTTP_IF_MODIFIED_SINCE=before).status_code == 200


def test_last_modified_names_the_second_before_until_the_versions_second_is_over():
    now = datetime.datetime.now(datetime.UTC)
    # Another write may still commit within the version's second: a client asking If-Modified-Since that
    # second would wrongly be told "not modified", so until then the copy carries the second before.
    recent = Version(7, now - datetime.timedelta(milliseconds=100))
    assert caching._last_modified(recent) == math.floor(recent.changed_at.timestamp()) - 1
    settled = Version(7, now - datetime.timedelta(seconds=10))
    assert caching._last_modified(settled) == math.floor(settled.changed_at.timestamp())


def test_a_second_anonymous_get_is_served_from_the_cache_in_one_query(django_assert_num_queries):
    for url in ["/?q=危险货物", "/items/SZ-0216/", "/api/items/?q=许可", "/api/items/SZ-0216/"]:
        first = Client().get(url)
        with django_assert_num_queries(1):
            second = Client().get(url)
        assert second.status_code == 200, url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"] and second["ETag"] == first["ETag"], url
        assert second["Content-Security-Policy"] == first["Content-Security-Policy"], url


def test_with_the_page_cache_off_every_page_is_rendered_and_still_validated(settings, django_assert_num_queries):
    settings.PUBLIC_PAGE_CACHE = False  # DJANGO_PUBLIC_PAGE_CACHE=0, as bench's page figures run
    first = Client().get("/items/SZ-0216/")
    with django_assert_num_queries(1):  # the conditional request still answers from the version alone
        assert Client().get("/items/SZ-0216/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    second = Client().get("/items/SZ-0216/")
    assert second.context is not None  # rendered by the view, not rebuilt from a stored copy
    assert second.content == first.content and second["ETag"] == first["ETag"]


def test_the_api_is_stored_apart_for_each_accept_header():
    Client().get("/api/schema/")
    negotiated = Client(HTTP_ACCEPT="application/vnd.oai.openapi+json").get("/api/schema/")
    assert negotiated["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert Client().get("/api/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    assert Client().get("/api/schema/").content != negotiated.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("official_data")
def test_a_clerks_change_shows_on_the_very_next_anonymous_request(django_assert_num_queries):
    # Committed, as on a live site: on PostgreSQL the version is raised when the transaction commits.
    item = ApprovalItem.objects.get(code="SZ-0216")
    old_name = item.name
    visitor = Client()
    page, search, api = f"/items/{item.code}/", f"/?{'q=' + NEW_NAME}", f"/api/items/{item.code}/"
    etag = _etag(visitor, page)
    for url in (page, search, api):
        Client().get(url)
        with django_assert_num_queries(1):
            Client().get(url)  # stored
    item.name = NEW_NAME
    services.item_update(item=item)

    assert visitor.get(page, HTTP_IF_NONE_MATCH=etag).status_code == 200
    shown = Client().get(page).content.decode()
    assert NEW_NAME in shown and old_name not in shown
    assert NEW_NAME in Client().get(search).content.decode()
    assert Client().get(api).json()["name"] == NEW_NAME


def test_staff_requests_are_never_stored_nor_served_from_the_cache(clerk, django_assert_max_num_queries):
    staff = Client()
    staff.force_login(clerk)
    Client().get("/stats/")  # an anonymous visitor's copy
    response = staff.get("/stats/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, must-revalidate, private"
    with django_assert_max_num_queries(100) as queries:
        staff.get("/stats/")
    assert len(queries) > 1  # rendered for them

    staff.get("/editions/")
    with django_assert_max_num_queries(100) as queries:
        Client().get("/editions/")
    assert len(queries) > 1  # the staff's page was not kept for anyone


def test_a_pending_message_is_shown_to_its_visitor_and_never_to_another(django_assert_max_num_queries):
    visitor = Client()
    Client().get("/items/SZ-0216/")  # the page is in the cache before the visitor writes
    sent = visitor.post("/items/SZ-0216/feedback/", {"message": "地址变了"}, HTTP_ORIGIN="http://testserver")
    assert sent.status_code == 302
    thanked = visitor.get("/items/SZ-0216/")
    assert "感谢您的留言" in thanked.content.decode()
    assert thanked.cookies["messages"].value == "" and "ETag" not in thanked  # the message cookie is deleted
    other = Client().get("/items/SZ-0216/")
    assert "感谢您的留言" not in other.content.decode()
    assert "感谢您的留言" not in visitor.get("/items/SZ-0216/").content.decode()  # said once


def _with_token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<p>{get_token(request)}</p>")


urlpatterns = [path("token/", _with_token), path("", include("config.urls"))]


@override_settings(ROOT_URLCONF=__name__)
def test_a_response_that_sets_a_cookie_is_never_stored_or_given_a_validator():
    first, second = Client(), Client()
    mine = first.get("/token/")
    assert "csrftoken" in mine.cookies and "ETag" not in mine and "Last-Modified" not in mine
    theirs = second.get("/token/")
    assert theirs.cookies["csrftoken"].value != mine.cookies["csrftoken"].value
    assert theirs.content != mine.content


def test_posts_streams_and_the_admin_are_not_stored(clerk, django_assert_max_num_queries):
    export = "/export.csv?q=危险货物"
    assert Client().get(export)["ETag"]
    with django_assert_max_num_queries(100) as queries:
        assert b"".join(Client().get(export).streaming_content)
    assert len(queries) > 1  # written again: a stream is not kept
    admin = Client()
    admin.force_login(clerk)
    assert "ETag" not in admin.get("/admin/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("official_data")
def test_the_selectors_caches_are_read_again_in_a_new_version(django_assert_num_queries):
    city = Jurisdiction.objects.get(code="shuozhou")
    with register_version.reading(register_version.current()):
        before = selectors.filter_choices(city)["departments"]
        selectors.jurisdiction_by_code("shuozhou")
        with django_assert_num_queries(0):  # within a version, from the cache
            selectors.filter_choices(city)
            selectors.jurisdiction_by_code("shuozhou")
    Department.objects.create(jurisdiction=city, slug="cache-new", short_name="新设局")
    with register_version.reading(register_version.current()):
        after = selectors.filter_choices(city)["departments"]
    assert ("cache-new", "新设局") not in before
    assert sorted(after) == sorted([*before, ("cache-new", "新设局")])


@override_settings(ALLOWED_HOSTS=["testserver", "mirror.example"])
def test_a_copy_is_kept_per_host_as_the_api_writes_absolute_links():
    assert Client().get("/api/").json()["items"] == "http://testserver/api/items/"
    assert Client(HTTP_HOST="mirror.example").get("/api/").json()["items"] == "http://mirror.example/api/items/"
    assert Client().get("/api/").json()["items"] == "http://testserver/api/items/"
