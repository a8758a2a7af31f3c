"""The change feeds: Atom feeds of the published editions, and `/api/changes/` for a platform that keeps in sync."""

import datetime
import threading
import xml.etree.ElementTree as ET

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalItem, Department, ItemDepartment, Jurisdiction, PolicyDocument, Transfer
from catalog import changes
from catalog.models import Edition
from catalog.publishing import edition_compile, edition_publish
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_clock(monkeypatch):
    """The feed holds back what was recorded in the last SETTLE_MARGIN (two clocks may differ by that much); the
    tests' application and database share one clock and read what they have just written."""
    monkeypatch.setattr(changes, "SETTLE_MARGIN", datetime.timedelta(0))


ATOM = {"a": "http://www.w3.org/2005/Atom"}
DAY = datetime.date(2024, 3, 1)
TITLE_2022 = "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"


@pytest.fixture
def notice():
    return PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"), number="朔政发〔2024〕1号", title="测试调整通知"
    )


@pytest.fixture
def city_departments() -> list[Department]:
    """Two line departments of the city other than SZ-0001's own."""
    own = ApprovalItem.objects.get(code="SZ-0001").departments.get()
    return list(Department.objects.filter(jurisdiction__code="shuozhou", is_bureau=False).exclude(pk=own.pk)[:2])


def _entries(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext("a:title", namespaces=ATOM),
            "link": entry.find("a:link", ATOM).get("href"),
            "published": entry.findtext("a:published", namespaces=ATOM),
            "summary": entry.findtext("a:summary", namespaces=ATOM),
        }
        for entry in feed.findall("a:entry", ATOM)
    ]


def _changes(client, **params) -> dict:
    response = client.get("/api/changes/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _last_cursor(client) -> str:
    """The cursor after every event of the official data: a follower that has read it all."""
    data = _changes(client, page_size=1000, jurisdiction="all")
    assert data["next"] is None
    return data["results"][-1]["cursor"]


class TestEditionsFeed:
    def test_it_lists_the_2022_edition_with_its_link_date_and_summary(self, client):
        assert _entries(client, "/feeds/editions.atom") == [
            {
                "title": TITLE_2022,
                "link": "http://testserver/editions/2022/",
                "published": "2022-08-08T16:00:00+00:00",
                "summary": "该辖区的第一个目录版本，共 310 行。",
            }
        ]

    def test_a_later_edition_comes_first_and_counts_its_adjustment(self, client, clerk_user, publisher, notice):
        services.item_return(
            item=ApprovalItem.objects.get(code="SZ-0001"), effective_on=DAY, document=notice, user=clerk_user
        )
        city = Jurisdiction.objects.get(code="shuozhou")
        edition_publish(
            edition=edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=DAY), user=publisher
        )
        entries = _entries(client, "/feeds/editions.atom")
        assert [entry["title"] for entry in entries] == ["2024年版", TITLE_2022]
        assert entries[0]["link"] == "http://testserver/editions/2024/"
        assert entries[0]["summary"] == (
            f"与上一版（{TITLE_2022}）相比：退回原部门 1 项。调整对照表：http://testserver/editions/2024/adjustment/"
        )

    def test_a_jurisdiction_feed_lists_only_its_editions(self, client):
        Edition.objects.create(
            slug="shuocheng-2023",
            title="朔城区目录（2023年版）",
            jurisdiction=Jurisdiction.objects.get(code="shuocheng"),
            status=Edition.Status.PUBLISHED,
            published_on=datetime.date(2023, 5, 1),
            published_at=datetime.datetime(2023, 5, 1, 2, 0, tzinfo=datetime.UTC),
        )
        assert [e["title"] for e in _entries(client, "/feeds/shuocheng/editions.atom")] == ["朔城区目录（2023年版）"]
        assert [e["title"] for e in _entries(client, "/feeds/shuozhou/editions.atom")] == [TITLE_2022]
        assert [e["title"] for e in _entries(client, "/feeds/editions.atom")] == ["朔城区目录（2023年版）", TITLE_2022]

    def test_an_unknown_jurisdiction_has_no_feed(self, client):
        assert client.get("/feeds/nowhere/editions.atom").status_code == 404

    def test_the_editions_page_links_the_feed(self, client):
        page = client.get("/editions/").content.decode()
        assert '<link rel="alternate" type="application/atom+xml"' in page and 'href="/feeds/editions.atom"' in page


class TestChangeFeed:
    def test_it_lists_a_return_then_a_rename_with_their_fields(self, client, clerk_user, notice):
        since = _last_cursor(client)
        item = ApprovalItem.objects.get(code="SZ-0001")
        [event] = services.item_return(item=item, effective_on=DAY, document=notice, user=clerk_user)
        item.refresh_from_db()
        item.name, item.remarks = "招标方案核准（改名）", "改了备注"
        services.item_update(item=item, user=clerk_user)
        row = ApprovalItem.history.filter(id=item.pk).latest("history_id")
        recorded, edited = (timezone.localtime(t).isoformat() for t in (event.recorded_at, row.history_date))
        data = _changes(client, since=since)
        transfer_mark = event.pk
        _transfer, history_mark, given, link_mark = since.split(".")
        assert data == {
            "next": None,
            "results": [
                {
                    "cursor": f"{transfer_mark}.{history_mark}.{given}.{link_mark}",
                    "item": "SZ-0001",
                    "kind": "returned",
                    "field": None,
                    "effective_on": "2024-03-01",
                    "recorded_at": recorded,
                    "document": "朔政发〔2024〕1号",
                    "edition": None,
                },
                {
                    "cursor": f"{transfer_mark}.{row.history_id}.1.{link_mark}",
                    "item": "SZ-0001",
                    "kind": "renamed",
                    "field": None,
                    "effective_on": timezone.localdate().isoformat(),
                    "recorded_at": edited,
                    "document": None,
                    "edition": None,
                },
                {
                    "cursor": f"{transfer_mark}.{row.history_id}.2.{link_mark}",
                    "item": "SZ-0001",
                    "kind": "changed",
                    "field": "remarks",
                    "effective_on": timezone.localdate().isoformat(),
                    "recorded_at": edited,
                    "document": None,
                    "edition": None,
                },
            ],
        }

    def test_pages_join_without_gap_or_repeat(self, client, clerk_user, notice):
        item = ApprovalItem.objects.get(code="SZ-0001")
        services.item_return(item=item, effective_on=DAY, document=notice, user=clerk_user)
        item.refresh_from_db()
        item.name, item.remarks = "招标方案核准（改名）", "改了备注"
        services.item_update(item=item, user=clerk_user)
        everything = _changes(client, page_size=1000, jurisdiction="all")["results"]
        assert len(everything) == Transfer.objects.count() + ApprovalItem.objects.count() + 2
        cursors = [event["cursor"] for event in everything]
        assert len(set(cursors)) == len(cursors)

        # Pages of 61: a dozen boundaries (a boundary inside one edit's events is the case checked below).
        paged, pages, url = [], 0, "/api/changes/?jurisdiction=all&page_size=61"
        while url:
            data = client.get(url).json()
            assert len(data["results"]) <= 61
            paged, pages, url = paged + data["results"], pages + 1, data["next"]
        assert paged == everything
        assert pages == -(-len(everything) // 61) > 10
        # A page that ends inside one edit's events: the rest follows from its cursor.
        rest = _changes(client, since=everything[-2]["cursor"], jurisdiction="all")
        assert rest == {"next": None, "results": everything[-1:]}

    def test_a_department_move_is_a_change_of_departments_and_a_new_item_brings_none(
        self, client, clerk_user, city_departments
    ):
        since = _last_cursor(client)
        item = ApprovalItem.objects.get(code="SZ-0001")
        first, second = city_departments[:2]
        services.item_set_departments(item=item, departments=[second], user=clerk_user)
        new = services.item_create(
            jurisdiction=item.jurisdiction, name="新事项", item_type="licensing", departments=[first], user=clerk_user
        )
        results = _changes(client, since=since)["results"]
        assert [(event["item"], event["kind"], event["field"]) for event in results] == [
            ("SZ-0001", "changed", "departments"),  # the old department's link removed
            ("SZ-0001", "changed", "departments"),  # the new one added
            (new.code, "created", None),
        ]
        links = ItemDepartment.history.filter(item_id=item.pk).order_by("history_id")
        assert [event["cursor"].split(".")[3] for event in results[:2]] == [str(row.history_id) for row in links][-2:]

    def test_the_default_page_holds_100_events_and_links_the_next(self, client):
        data = _changes(client)
        assert len(data["results"]) == 100
        assert data["next"] == f"http://testserver/api/changes/?since={data['results'][-1]['cursor']}"

    def test_a_county_feed_lists_only_its_items(self, client):
        assert _changes(client, jurisdiction="shuocheng") == {"next": None, "results": []}
        assert {event["item"][:3] for event in _changes(client, page_size=1000)["results"]} == {"SZ-"}

    @pytest.mark.parametrize(
        ("params", "errors"),
        [
            ({"since": "abc"}, {"since": ["不是有效的游标：请使用某个事件的 cursor 原样传入。"]}),
            ({"since": ""}, {"since": ["不能为空；从头读取时请省略这个参数。"]}),
            ({"page_size": "1001"}, {"page_size": ["请填写 1 至 1000 的整数。"]}),
            ({"jurisdiction": "nowhere"}, {"jurisdiction": None}),
        ],
    )
    def test_a_bad_parameter_is_a_400_in_chinese(self, client, params, errors):
        response = client.get("/api/changes/", params)
        assert response.status_code == 400
        body = response.json()
        assert set(body) == set(errors)
        for name, messages in errors.items():
            assert messages is None or body[name] == messages
        if "jurisdiction" in errors:
            assert body["jurisdiction"][0].startswith("“nowhere”不是可选的值。可选：all、shuozhou")

    def test_a_page_costs_a_few_queries_whatever_its_size(self, client, django_assert_num_queries):
        _changes(client)  # the jurisdiction is cached
        for size in (10, 1000):
            # the events, the history rows, the department-link rows, the editions (and on PostgreSQL the oldest
            # open transaction, see changes.settled_before)
            # (and the register's version, read once per request: public/caching.py)
            with django_assert_num_queries(5 + (connection.vendor == "postgresql")):
                _changes(client, page_size=size)


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_not_skipped_by_a_follower(official_data, clerk_user):
    """PostgreSQL: a long transaction (an import) takes its ids first and commits last. A follower that read the
    events committed meanwhile must still get it: the feed waits for the older transaction to end."""
    require("REQUIRE_POSTGRES", connection.vendor == "postgresql", "需要 PostgreSQL：设置 DATABASE_URL=postgres://…")
    client = Client()
    since = _last_cursor(client)
    document = PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"), number="朔政发〔2024〕1号", title="测试调整通知"
    )
    written, release = threading.Event(), threading.Event()

    def long_transaction():
        try:
            with transaction.atomic():
                item = ApprovalItem.objects.get(code="SZ-0001")
                services.item_return(item=item, effective_on=DAY, document=document, user=clerk_user)
                written.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=long_transaction)
    worker.start()
    assert written.wait(timeout=30)
    later = ApprovalItem.objects.get(code="SZ-0002")
    services.item_return(item=later, effective_on=DAY, document=document, user=clerk_user)  # committed at once

    meanwhile = _changes(client, since=since)["results"]
    assert meanwhile == []  # SZ-0002's return waits behind the open transaction's
    release.set()
    worker.join(timeout=30)
    results = _changes(client, since=since)["results"]
    assert [(event["item"], event["kind"]) for event in results] == [("SZ-0001", "returned"), ("SZ-0002", "returned")]
