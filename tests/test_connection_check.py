"""A kept PostgreSQL connection is checked before a request uses it again, without a round trip while it is sound
(config/postgresql): a session the server ended is replaced, a sound one costs no query."""

import select
import time
from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

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
