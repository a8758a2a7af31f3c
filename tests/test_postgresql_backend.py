"""Django's PostgreSQL backend as config/postgresql extends it.

A kept connection is checked before a request uses it again, without a round trip while it is sound: a session the
server ended is replaced, a sound one costs no query. The item page's statements are prepared on the server, and
no other query is.
"""

import select
import time
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalItem

DJANGO_CHECK = DjangoWrapper.is_usable  # SELECT 1


@pytest.fixture
def kept(postgres):
    """A second connection to the test database, as a worker keeps between requests."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    other.ensure_connection()
    assert other.health_check_enabled  # CONN_HEALTH_CHECKS, from settings.py
    yield other
    other.close()


def _backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _next_request_checks(wrapper) -> None:
    # What close_old_connections does when a request starts: the next cursor runs the health check first.
    wrapper.health_check_done = False


def test_a_sound_kept_connection_is_used_without_a_query(kept):
    pid = _backend_pid(kept)
    _next_request_checks(kept)
    with mock.patch.object(DjangoWrapper, "is_usable", side_effect=AssertionError("SELECT 1 sent")) as select_one:
        assert kept.is_usable() is True
        assert _backend_pid(kept) == pid  # the request's own query, on the same session
    assert select_one.call_count == 0


def test_a_session_the_server_ended_is_replaced_when_the_next_request_uses_it(kept):
    pid = _backend_pid(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10  # the server ends the session a moment after it was asked to
    while not select.select([kept.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server never closed the session"
    _next_request_checks(kept)
    asked = []

    def select_one(wrapper):
        asked.append(wrapper)
        return DJANGO_CHECK(wrapper)

    with mock.patch.object(DjangoWrapper, "is_usable", select_one):
        new_pid = _backend_pid(kept)  # no error: the check closed the dead session and Django opened another
    assert asked == [kept]  # the socket had the server's farewell to read: SELECT 1 told it was closed
    assert new_pid != pid


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql IS FALSE")
        return [row[0] for row in cursor.fetchall()]


def test_the_item_pages_statements_are_prepared_on_the_server_and_no_other_query_is(postgres, client):
    codes = list(ApprovalItem.objects.filter(parent=None, children__isnull=False).values_list("code", flat=True)[:2])
    client.get(f"/items/{codes[0]}/")  # the version's first page also reads the batches
    before = set(_prepared_statements())
    with CaptureQueriesContext(connection) as first:
        assert codes[1].encode() in client.get(f"/items/{codes[1]}/").content
    # The version's query, then the item, its departments, its events, its sub-items and the editions' rows: those
    # five prepared (this session may have prepared them for an earlier test), parameters left to the server, and
    # logged with their values as Django's other queries are.
    page = [query["sql"] for query in first.captured_queries]
    assert len(page) == 6 and codes[1] in page[1] and all(page)
    prepared = set(_prepared_statements())
    assert len(prepared - before) <= 5
    ours = {statement for statement in prepared if "$1" in statement}
    assert len(ours) >= 5 and prepared == ours
    # Another item with as many sub-items reuses them: nothing more is prepared.
    with CaptureQueriesContext(connection) as second:
        assert codes[0].encode() in client.get(f"/items/{codes[0]}/").content
    assert len(second.captured_queries) == 6
    assert set(_prepared_statements()) == prepared
    # Django's own queries bind on the client and are never prepared, however often they run.
    for _ in range(10):
        User.objects.filter(username="nobody").exists()
    assert not any("auth_user" in statement or "registerversion" in statement for statement in _prepared_statements())


@pytest.mark.parametrize(
    ("options", "threshold"),
    [
        ({}, 0),  # only prepared_cursor()'s statements, at their first use
        ({"prepare_threshold": 5}, 5),  # a deployment's own choice stands
        ({"server_side_binding": True}, None),  # every cursor would prepare: Django's default (never) stays
    ],
)
def test_statements_are_prepared_only_where_asked(options, threshold):
    from config.postgresql.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {"NAME": "shuozhou", "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TIME_ZONE": None, "OPTIONS": options}
    )
    assert wrapper.get_connection_params()["prepare_threshold"] == threshold
