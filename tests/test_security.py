"""Production settings, security headers, login throttling and who may reach what."""

import io
import os
import secrets
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tests.conftest import settings_under

pytestmark = pytest.mark.django_db
_UNSET = object()


def test_the_deployment_check_passes_with_production_settings():
    # config/settings.py as production runs it: every setting it then gives differently is in force for the check,
    # in this process (a second Django process for one command cost more than the rest of the module).
    production = settings_under(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="catalogue.example.gov.cn"
    )
    differing = {
        name: value
        for name, value in production.items()
        # DATABASES: the test database stands in for the production one, as in every other test.
        if name.isupper() and name != "DATABASES" and getattr(django_settings, name, _UNSET) != value
    }
    assert {"SECRET_KEY", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE"} <= differing.keys()
    out = io.StringIO()
    # The environment of a production process: no DJANGO_* variable but the settings module (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE in this process, which the check rightly refuses in deployment).
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") or k == "DJANGO_SETTINGS_MODULE"}
    with (
        mock.patch.dict(os.environ, environment, clear=True),
        override_settings(**differing, DEBUG=production["DEBUG"]),  # False, as the test runner has it already
    ):
        call_command("check", "--deploy", "--fail-level", "WARNING", stdout=out)  # raises SystemCheckError otherwise
    assert "no issues" in out.getvalue()


@pytest.mark.parametrize("url", ["/", "/admin/login/"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_login_locks_after_five_failures_and_says_so_in_chinese(client, clerk):
    url = reverse("admin:login")
    for failures in range(1, 5):
        response = client.post(url, {"username": "clerk", "password": "wrong"})
        assert response.status_code == 200
        assert "请输入一个正确的工作人员账户 用户名 和密码" in response.content.decode()  # the form again, with why
        assert AccessAttempt.objects.get(username="clerk").failures_since_start == failures
    assert client.post(url, {"username": "clerk", "password": "wrong"}).status_code == 429  # the fifth failure
    locked = client.post(url, {"username": "clerk", "password": "x-test-password"})
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session  # the right password did not log in


def test_a_correct_login_works_before_the_limit(client, clerk):
    # The login form's hidden `next` field sends the clerk on to the admin's index.
    login = {"username": "clerk", "password": "x-test-password", "next": "/admin/"}
    response = client.post(reverse("admin:login"), login)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.session["_auth_user_id"] == str(clerk.pk)
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/approvals/approvalitem/",
        "/admin/approvals/approvalitem/on-date/",
        "/admin/catalog/edition/compile/",
        "/admin/catalog/edition/diff/",
        "/admin/approvals/jurisdiction/2/alignment/",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"  # and back to the page after logging in


def test_staff_without_permission_cannot_compile_or_publish(client, bare_staff):
    from catalog.models import Edition

    editions = list(Edition.objects.order_by("pk").values_list("slug", "status", "published_on"))
    client.force_login(bare_staff)
    compile_page = client.get("/admin/catalog/edition/compile/")
    assert compile_page.status_code == 403
    assert "您没有访问此页面的权限。" in compile_page.content.decode()
    pk = Edition.objects.get(slug="2022").pk
    publish = client.post("/admin/catalog/edition/", {"action": "publish", "_selected_action": [str(pk)]})
    assert publish.status_code == 403
    assert "您没有访问此页面的权限。" in publish.content.decode()
    assert list(Edition.objects.order_by("pk").values_list("slug", "status", "published_on")) == editions


def test_a_post_without_csrf_token_is_refused(clerk):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    response = strict.post(reverse("admin:approvals_approvalitem_changelist"), {"action": "record_return"})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


def test_markup_in_names_is_escaped_in_the_admin_and_the_api(client, clerk):
    from approvals.models import ApprovalItem

    ApprovalItem.objects.filter(code="SZ-0001").update(name='<img src=x onerror="alert(1)">')
    client.force_login(clerk)
    page = client.get(reverse("admin:approvals_approvalitem_changelist"), {"q": "SZ-0001"}).content.decode()
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    data = client.get("/api/items/SZ-0001/")
    assert data.json()["name"] == '<img src=x onerror="alert(1)">'  # JSON carries the text; it is never HTML
    assert data["Content-Type"].startswith("application/json")


def test_a_nul_byte_or_a_huge_query_never_breaks_the_admin_search(client, clerk):
    client.force_login(clerk)
    changelist = reverse("admin:approvals_approvalitem_changelist")
    refused = client.get(changelist, {"q": "a\x00b"})
    assert refused.status_code == 400
    assert "请求中有无法处理的内容。" in refused.content.decode()
    for term in ("许" * 10000, "%_%"):  # searched as text: nothing has it
        response = client.get(changelist, {"q": term})
        assert (response.status_code, response.context["cl"].result_count) == (200, 0), term[:10]
