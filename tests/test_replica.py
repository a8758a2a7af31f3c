"""Reads from a streaming replica (config/replica.py): a citizen's GET reads the replica once it has replayed the
primary's commits; the admin, POSTs, signed-in staff and a lagging or unreachable replica leave it to the primary.

The router's rules are tested everywhere. The rest needs a real replica (`.ci/replica`, then
DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<the primary's database name>) and skips without one
unless REQUIRE_REPLICA=1. Its tests commit (the replica sees nothing else), so they are transactional.
"""

import time

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import ApprovalItem
from catalog.models import Edition, Feedback, Job
from config import replica as replica_reads
from config.replica import REPLICA, ReplicaRouter, reading_from
from tests.conftest import require, settings_under

ALIASES = [DEFAULT_DB_ALIAS, REPLICA] if REPLICA in settings.DATABASES else [DEFAULT_DB_ALIAS]
committed = pytest.mark.django_db(transaction=True, databases=ALIASES)
VERSION_QUERY = "SELECT number, changed_at FROM approvals_registerversion WHERE id = 1"
WAIT_SECONDS = 60  # how long the replica may take to replay what the primary wrote (a wait, not an assertion)


# The router, without a replica (SQLite too) ------------------------------------------------------------------


def test_outside_a_request_every_model_is_read_from_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(ApprovalItem) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Edition) == DEFAULT_DB_ALIAS


def test_a_citizens_request_reads_only_the_versioned_tables_from_the_replica():
    router = ReplicaRouter()
    with reading_from(REPLICA):
        assert router.db_for_read(ApprovalItem) == REPLICA
        assert router.db_for_read(Edition) == REPLICA
        # Not covered by the version: read where they are written.
        assert router.db_for_read(Feedback) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Job) == DEFAULT_DB_ALIAS
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
        assert router.db_for_write(ApprovalItem) == DEFAULT_DB_ALIAS
    assert router.db_for_read(ApprovalItem) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "approvals") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "approvals") is True


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary():
    # A test's own transaction is one: what it wrote is visible only there.
    assert connections[DEFAULT_DB_ALIAS].in_atomic_block
    with reading_from(REPLICA):
        assert ReplicaRouter().db_for_read(ApprovalItem) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize(
    ("method", "path", "cookies", "citizens"),
    [
        ("get", "/", {}, True),
        ("head", "/items/S001/", {}, True),
        ("get", "/api/items/", {}, True),
        ("post", "/items/S001/feedback/", {}, False),
        ("get", "/admin/", {}, False),
        ("get", "/admin/login/", {}, False),
        ("get", "/", {settings.SESSION_COOKIE_NAME: "abc"}, False),
    ],
)
def test_only_a_get_or_head_outside_the_admin_without_a_session_is_a_citizens_read(method, path, cookies, citizens):
    request = getattr(RequestFactory(), method)(path)
    request.COOKIES = cookies
    assert replica_reads._citizens_read(request) is citizens


def test_without_a_replica_nothing_is_routed(settings):
    settings.DATABASE_ROUTERS = []
    assert replica_reads.enabled() is False


def test_a_replica_url_adds_the_replica_with_the_primarys_options_and_the_router():
    names = settings_under(
        DATABASE_URL="postgres://app@db1:5432/shuozhou",
        DATABASE_REPLICA_URL="postgres://app@db2:5433/shuozhou",
        DB_CONN_MAX_AGE="30",
    )
    replica, primary = names["DATABASES"][REPLICA], names["DATABASES"][DEFAULT_DB_ALIAS]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("db2", 5433, "shuozhou")
    assert replica["ENGINE"] == "config.postgresql"
    assert replica["CONN_MAX_AGE"] == 30
    assert replica["OPTIONS"] == primary["OPTIONS"] == {"options": "-c max_parallel_workers_per_gather=0"}
    assert replica["TEST"] == {"MIRROR": DEFAULT_DB_ALIAS}
    assert names["DATABASE_ROUTERS"] == ["config.replica.ReplicaRouter"]


def test_without_a_replica_url_there_is_one_database_and_no_router():
    names = settings_under(DATABASE_URL="postgres://app@db1:5432/shuozhou")
    assert list(names["DATABASES"]) == [DEFAULT_DB_ALIAS]
    assert "DATABASE_ROUTERS" not in names


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_REPLICA_URL": "postgres://app@db2:5433/shuozhou"},  # SQLite has no replica
        {"DATABASE_URL": "postgres://app@db1/shuozhou", "DATABASE_REPLICA_URL": "sqlite:////tmp/copy.sqlite3"},
        {"DATABASE_URL": "postgres://app@db1/shuozhou", "DATABASE_REPLICA_URL": "db2:5433"},
    ],
)
def test_a_replica_url_that_is_not_a_postgresql_beside_a_postgresql_primary_is_refused(env):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL"):
        settings_under(**env)


# A real replica -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _replica_test_database(django_db_setup):
    """In tests the replica's alias is the primary's mirror (settings.py: Django must neither create nor empty a
    database on a read-only server). Streaming replication copies the test database under its name: the alias
    reads it on the replica's server, in this thread and in any other."""
    replica_settings = settings.DATABASES[REPLICA]  # the replica's host and port, with TEST MIRROR
    replica_settings["NAME"] = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    connections[REPLICA].close()
    connections[REPLICA].settings_dict = replica_settings


@pytest.fixture
def replica(request):
    """The replica, having replayed everything the primary holds, the official data included; its replay is
    resumed afterwards whatever the test did."""
    require(
        "REQUIRE_REPLICA",
        REPLICA in settings.DATABASES,
        "需要 PostgreSQL 流复制备库：运行 .ci/replica 并设置 DATABASE_REPLICA_URL",
    )
    request.getfixturevalue("_replica_test_database")
    request.getfixturevalue("official_data")
    connections[REPLICA].close()  # the data's restore re-creates the database: a connection to the old one ends
    _wait_until_caught_up()
    yield connections[REPLICA]
    _on_replica_server("SELECT pg_wal_replay_resume()")


def _on_replica_server(sql: str):
    # The server's own database: the test database may be being re-created by the replay.
    with connections[REPLICA]._nodb_cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _wait_until_caught_up() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (written,) = cursor.fetchone()
    deadline = time.monotonic() + WAIT_SECONDS
    while not _on_replica_server(f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"):
        if time.monotonic() > deadline:
            pytest.fail(f"备库 {WAIT_SECONDS} 秒内没有重放到主库的 {written}")
        time.sleep(0.05)


def _wait_until_paused() -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while _on_replica_server("SELECT pg_get_wal_replay_pause_state()") != "paused":
        if time.monotonic() > deadline:
            pytest.fail(f"备库 {WAIT_SECONDS} 秒内没有暂停重放")
        time.sleep(0.05)


def _get(client, url: str):
    """The response, and the statements the primary and the replica ran for it."""
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        with CaptureQueriesContext(connections[REPLICA]) as standby:
            response = client.get(url)
    return response, [q["sql"] for q in primary], [q["sql"] for q in standby]


def _an_item() -> ApprovalItem:
    return ApprovalItem.objects.public().order_by("code").first()


@committed
def test_a_citizens_page_is_read_from_the_replica_once_it_has_the_primarys_version(client, replica):
    item = _an_item()
    response, primary, standby = _get(client, item.get_absolute_url())

    assert response.status_code == 200
    assert item.name in response.content.decode()
    assert primary == [VERSION_QUERY]  # the primary is asked its version, nothing else
    assert standby[0] == VERSION_QUERY
    assert any("approvals_approvalitem" in sql for sql in standby[1:])


@committed
def test_an_api_response_is_read_from_the_replica(client, replica):
    item = _an_item()
    response, primary, standby = _get(client, reverse("api:item-detail", args=[item.code]))

    assert response.status_code == 200
    assert response.json()["name"] == item.name
    assert primary == [VERSION_QUERY]
    assert standby[0] == VERSION_QUERY
    assert any("approvals_approvalitem" in sql for sql in standby[1:])


@committed
def test_while_the_replica_lags_the_whole_request_reads_the_primary_and_then_the_replica_again(client, replica):
    item = _an_item()
    renamed = f"{item.name}（已更名）"
    _on_replica_server("SELECT pg_wal_replay_pause()")
    try:
        ApprovalItem.objects.filter(pk=item.pk).update(name=renamed)  # committed: the version is raised
        _wait_until_paused()  # before that commit: replay stops ahead of the next record it receives
        response, primary, standby = _get(client, item.get_absolute_url())
    finally:
        _on_replica_server("SELECT pg_wal_replay_resume()")

    assert response.status_code == 200
    assert renamed in response.content.decode()
    assert standby == [VERSION_QUERY]  # asked its version only, found older
    assert primary[0] == VERSION_QUERY
    assert any("approvals_approvalitem" in sql for sql in primary[1:])

    _wait_until_caught_up()
    response, primary, standby = _get(client, reverse("api:item-detail", args=[item.code]))
    assert response.json()["name"] == renamed
    assert primary == [VERSION_QUERY]
    assert any("approvals_approvalitem" in sql for sql in standby[1:])


@committed
def test_the_admin_reads_only_the_primary(client, replica, admin_user):
    client.force_login(admin_user)
    item = _an_item()
    response, primary, standby = _get(client, reverse("admin:approvals_approvalitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert item.name in response.content.decode()
    assert standby == []
    assert any("approvals_approvalitem" in sql for sql in primary)

    client.logout()
    response, primary, standby = _get(client, reverse("admin:login"))
    assert response.status_code == 200
    assert standby == []


@committed
def test_a_post_reads_the_primary(client, replica):
    item = _an_item()
    url = reverse("public:item_feedback", args=[item.code])
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        with CaptureQueriesContext(connections[REPLICA]) as standby:
            response = client.post(url, {"message": ""}, headers={"Origin": "http://testserver"})
    assert response.status_code == 400  # an empty message: the form is shown again, with the item read
    assert standby.captured_queries == []
    assert any("approvals_approvalitem" in q["sql"] for q in primary.captured_queries)


@committed
def test_signed_in_staff_read_public_pages_from_the_primary(client, replica, admin_user):
    client.force_login(admin_user)
    item = _an_item()
    response, primary, standby = _get(client, item.get_absolute_url())
    assert response.status_code == 200
    assert item.name in response.content.decode()
    assert standby == []
    assert any("approvals_approvalitem" in sql for sql in primary)


@committed
def test_an_unreachable_replica_leaves_the_page_to_the_primary_with_a_warning(client, replica, caplog):
    item = _an_item()
    replica_settings = connections[REPLICA].settings_dict
    port = replica_settings["PORT"]
    connections[REPLICA].close()
    replica_settings["PORT"] = "1"  # nothing listens there
    try:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
            response = client.get(item.get_absolute_url())
    finally:
        replica_settings["PORT"] = port
        connections[REPLICA].close()

    assert response.status_code == 200
    assert item.name in response.content.decode()
    assert primary.captured_queries[0]["sql"] == VERSION_QUERY
    assert any("approvals_approvalitem" in q["sql"] for q in primary.captured_queries[1:])
    assert [r.getMessage() for r in caplog.records if r.name == "config.replica"] == [
        "the replica could not be read; this request reads the primary"
    ]
