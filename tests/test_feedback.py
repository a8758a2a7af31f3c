"""Citizens' feedback (issue 20): the item page's form, the limit per address, and the clerks' admin, scoped by
jurisdiction like every admin page; a message is text wherever it is shown."""

import datetime
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalItem, Department, ItemType, Jurisdiction
from catalog.feedback import feedback_submit
from catalog.models import Feedback
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

THANKS = "感谢您的留言！已转给朔州市本级的工作人员核实处理。"
LIMIT = "您在一分钟内已提交 10 条留言，请稍等一分钟后再提交。"


OURS = "http://testserver"  # the Origin a browser sends with the item page's form


def _send(client: Client, message: str = "电话已经换了", contact: str = "", code: str = "SZ-0216", **extra):
    data = {"message": message, "contact": contact}
    return client.post(f"/items/{code}/feedback/", data, **{"HTTP_ORIGIN": OURS, **extra})


@pytest.fixture
def visitor() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def county_item(db) -> ApprovalItem:
    shuocheng = Jurisdiction.objects.get(code="shuocheng")
    department = Department.objects.create(jurisdiction=shuocheng, slug="sc-fgj", short_name="区发改局")
    item = services.item_create(
        jurisdiction=shuocheng, name="朔城区留言测试事项", item_type=ItemType.LICENSING, departments=[department]
    )
    services.item_transfer(item=item, effective_on=datetime.date(2024, 1, 1), document=None)
    return item


@pytest.fixture
def messages(county_item) -> dict[str, Feedback]:
    city_item = ApprovalItem.objects.get(code="SZ-0216")
    return {
        "city": feedback_submit(item=city_item, message="市级留言：地址不对"),
        "county": feedback_submit(item=county_item, message="县级留言：材料已过时", contact="13800000000"),
    }


def _state() -> list[tuple]:
    return list(Feedback.objects.order_by("pk").values_list("pk", "status", "reply", "replied_by", "updated_at"))


# --- the public form -----------------------------------------------------------------------------


def test_every_item_page_has_the_form_and_no_token_cookie_or_script(visitor):
    # No CSRF token: the page is one cached copy for every visitor (public/caching.py), and sets no cookie.
    response = visitor.get("/items/SZ-0001/")
    page = response.content.decode()
    form = page[page.index('<section id="feedback"') :]
    assert '<h2 id="feedback-title">这条信息有误或已过时？</h2>' in form
    assert '<form method="post" action="/items/SZ-0001/feedback/">' in form
    assert "csrfmiddlewaretoken" not in page and not response.cookies
    assert 'maxlength="1000"' in form and 'name="contact"' in form
    assert "<script" not in page


def test_an_anonymous_message_is_saved_for_the_items_jurisdiction_and_thanked(visitor):
    response = _send(visitor, "收费标准已经调整", contact="0349-1234567")
    assert response.status_code == 302
    assert response["Location"] == "/items/SZ-0216/#feedback"
    feedback = Feedback.objects.get()
    assert (feedback.item.code, feedback.jurisdiction.code) == ("SZ-0216", "shuozhou")
    assert (feedback.message, feedback.contact, feedback.status) == ("收费标准已经调整", "0349-1234567", "new")
    assert feedback.replied_by is None
    page = visitor.get(response["Location"]).content.decode()
    assert f'<p class="notice" role="status">{THANKS}</p>' in page
    assert THANKS not in visitor.get("/items/SZ-0216/").content.decode()  # said once


def test_a_county_items_message_goes_to_the_county(visitor, county_item):
    assert _send(visitor, "窗口搬了", code=county_item.code).status_code == 302
    assert Feedback.objects.get().jurisdiction.code == "shuocheng"


REFUSED = "留言未能提交：请在本站的事项页面上填写并提交留言。"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "https://testserver"},  # another scheme is another origin
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_REFERER": "https://evil.example/items/SZ-0216/"},
        {},  # a browser names where a form was posted from; a POST that names nothing is not from our page
    ],
)
def test_a_post_from_another_site_or_from_nowhere_is_refused(visitor, headers):
    response = visitor.post("/items/SZ-0216/feedback/", {"message": "别的网站代发"}, **headers)
    assert response.status_code == 403
    assert REFUSED in response.content.decode()
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": OURS},
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_REFERER": f"{OURS}/items/SZ-0216/"},  # a browser that sends neither Origin nor Sec-Fetch-Site
    ],
)
def test_a_post_from_our_item_page_is_taken(visitor, headers):
    response = visitor.post("/items/SZ-0216/feedback/", {"message": "从本站提交"}, **headers)
    assert response.status_code == 302
    assert Feedback.objects.get().message == "从本站提交"


@override_settings(CSRF_TRUSTED_ORIGINS=["https://www.shuozhou.example"])
def test_a_post_from_a_trusted_origin_is_taken(visitor):
    # Behind a proxy that rewrites the host, the public origin is the one named in DJANGO_CSRF_TRUSTED_ORIGINS.
    response = visitor.post(
        "/items/SZ-0216/feedback/", {"message": "经代理"}, HTTP_ORIGIN="https://www.shuozhou.example"
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("message", "error"),
    [("", "请填写留言内容。"), ("   ", "请填写留言内容。"), ("错" * 1001, "留言最多 1000 字（现有 1001 字）。")],
)
def test_an_empty_or_too_long_message_is_shown_again_with_what_is_wrong(visitor, message, error):
    visitor.get("/items/SZ-0216/")  # its empty form, drawn once per process, is not the one shown again
    response = _send(visitor, message, contact="13800000000")
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page and 'value="13800000000"' in page
    assert not Feedback.objects.exists()
    assert 'value="13800000000"' not in visitor.get("/items/SZ-0216/").content.decode()


def test_a_message_of_exactly_1000_characters_is_taken(visitor):
    assert _send(visitor, "对" * 1000).status_code == 302
    assert len(Feedback.objects.get().message) == 1000


def test_an_unknown_or_pending_item_has_no_form(client):
    assert client.get("/items/SZ-9999/feedback/").status_code == 404
    ApprovalItem.objects.filter(code="SZ-0216").update(status="pending")
    assert client.post("/items/SZ-0216/feedback/", {"message": "x"}, HTTP_ORIGIN=OURS).status_code == 404
    assert not Feedback.objects.exists()


# --- the limit per address -----------------------------------------------------------------------


def test_the_eleventh_message_in_a_minute_is_refused(visitor):
    now = 1_800_000_000.0
    with mock.patch("public.feedback.time.time", return_value=now):
        assert [_send(visitor, f"第{n}条").status_code for n in range(1, 11)] == [302] * 10
        refused = _send(visitor, "第11条")
        assert refused.status_code == 429
        assert LIMIT in refused.content.decode()
        # Another address is not held back by this one.
        assert _send(visitor, "别处", REMOTE_ADDR="198.51.100.7").status_code == 302
    assert Feedback.objects.count() == 11
    with mock.patch("public.feedback.time.time", return_value=now + 61):
        assert _send(visitor, "一分钟后").status_code == 302


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_the_limit_counts_the_forwarded_address(visitor):
    """As django-axes does (config/client_ip.py): the address our proxy appended, not the proxy's own."""
    first = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5"}
    for n in range(10):
        assert _send(visitor, f"第{n}条", **first).status_code == 302
    assert _send(visitor, "第11条", **first).status_code == 429
    # A forged address to the left changes nothing; another client behind the same proxy is not held back.
    assert (
        _send(visitor, "伪造", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5").status_code == 429
    )
    assert _send(visitor, "另一人", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302


# --- the clerks' admin ---------------------------------------------------------------------------


def test_a_county_clerk_sees_only_the_countys_messages(client, county_clerk, messages):
    client.force_login(county_clerk)
    page = client.get("/admin/catalog/feedback/").content.decode()
    assert "县级留言：材料已过时" in page
    assert "市级留言" not in page
    city = messages["city"]
    assert client.get(f"/admin/catalog/feedback/{city.pk}/change/").status_code == 302  # "does not exist"
    assert "市级留言" not in client.get(f"/admin/catalog/feedback/{city.pk}/change/", follow=True).content.decode()


def test_a_county_clerks_change_to_a_city_message_changes_nothing(client, county_clerk, messages):
    client.force_login(county_clerk)
    before = _state()
    city = messages["city"]
    response = client.post(f"/admin/catalog/feedback/{city.pk}/change/", {"status": "rejected", "reply": "改"})
    assert response.status_code == 302
    assert _state() == before


def test_a_city_clerk_reads_the_countys_messages_but_answers_only_the_citys(client, clerk, messages):
    client.force_login(clerk)
    page = client.get("/admin/catalog/feedback/").content.decode()
    assert "县级留言：材料已过时" in page and "市级留言：地址不对" in page
    county = messages["county"]
    before = _state()
    response = client.post(f"/admin/catalog/feedback/{county.pk}/change/", {"status": "answered", "reply": "改"})
    assert response.status_code == 403
    assert _state() == before


def test_a_clerk_answers_a_message_and_is_recorded_as_the_one_who_replied(client, clerk, messages):
    client.force_login(clerk)
    city = messages["city"]
    url = f"/admin/catalog/feedback/{city.pk}/change/"
    response = client.post(url, {"status": "answered", "reply": "已核实，地址已更正。"})
    assert response.status_code == 302
    city.refresh_from_db()
    assert (city.status, city.reply, city.replied_by) == ("answered", "已核实，地址已更正。", clerk)
    assert city.message == "市级留言：地址不对"  # the citizen's words are not the clerk's to change


def test_answered_without_a_reply_is_refused_naming_the_field(client, clerk, messages):
    client.force_login(clerk)
    city = messages["city"]
    before = _state()
    response = client.post(f"/admin/catalog/feedback/{city.pk}/change/", {"status": "answered", "reply": ""})
    assert response.status_code == 200
    assert "处理状态为“已答复”时，请填写答复内容。" in response.content.decode()
    assert _state() == before


def test_nobody_adds_or_deletes_a_message_in_the_admin(client, clerk, messages):
    client.force_login(clerk)
    assert client.get("/admin/catalog/feedback/add/").status_code == 403
    city = messages["city"]
    assert client.post(f"/admin/catalog/feedback/{city.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Feedback.objects.count() == 2


def test_markup_in_a_message_is_shown_as_text_in_the_admin(client, clerk, visitor):
    assert _send(visitor, "<script>alert(1)</script><b>粗</b>", contact="<img src=x>").status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.message == "<script>alert(1)</script><b>粗</b>"  # stored as written
    client.force_login(clerk)
    for url in ("/admin/catalog/feedback/", f"/admin/catalog/feedback/{feedback.pk}/change/"):
        page = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;粗&lt;/b&gt;" in page, url
        assert "<script>alert" not in page and "<b>粗" not in page and "<img src=x>" not in page


def test_the_admin_index_shows_the_open_messages_and_the_oldest_ones_age(client, clerk, county_clerk, messages):
    three_days_ago = timezone.now() - datetime.timedelta(days=3, hours=1)
    Feedback.objects.filter(pk=messages["county"].pk).update(created_at=three_days_ago)
    answered = feedback_submit(item=ApprovalItem.objects.get(code="SZ-0001"), message="已处理")
    Feedback.objects.filter(pk=answered.pk).update(status="answered", created_at=three_days_ago)
    client.force_login(clerk)  # the city's: its own and the counties'
    page = client.get("/admin/").content.decode()
    assert '<a href="/admin/catalog/feedback/?state=open">群众留言</a>' in page
    assert "2 条待处理（新收到、处理中），最早一条已等 3\xa0日" in page
    client.force_login(county_clerk)
    assert "1 条待处理（新收到、处理中），最早一条已等 3\xa0日" in client.get("/admin/").content.decode()
    Feedback.objects.filter(pk=messages["county"].pk).update(status="handling")
    Feedback.objects.filter(pk=messages["county"].pk).update(status="rejected")
    assert "没有待处理的留言" in client.get("/admin/").content.decode()


def test_the_open_filter_of_the_index_link_lists_only_open_messages(client, clerk, messages):
    Feedback.objects.filter(pk=messages["county"].pk).update(status="answered")
    client.force_login(clerk)
    response = client.get("/admin/catalog/feedback/?state=open")
    assert [row.pk for row in response.context["cl"].result_list] == [messages["city"].pk]


def test_staff_without_register_permissions_do_not_see_the_messages(client, bare_staff, messages):
    client.force_login(bare_staff)
    assert client.get("/admin/catalog/feedback/").status_code == 403
    assert "群众留言" not in client.get("/admin/").content.decode()


def test_a_superuser_without_a_jurisdiction_sees_every_message(client, messages):
    client.force_login(make_user("root2", superuser=True, jurisdiction=None))
    page = client.get("/admin/catalog/feedback/").content.decode()
    assert "县级留言" in page and "市级留言" in page
