"""settings.py reads the environment and fails loudly on what it does not understand."""

from pathlib import Path

import pytest
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tests.conftest import settings_under

ROOT = Path(__file__).resolve().parent.parent


def _database(**env) -> dict:
    return settings_under(**env)["DATABASES"]["default"]


def test_it_uses_sqlite_in_the_project_folder_when_database_url_is_unset():
    values = settings_under()
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "config.sqlite"  # Django's SQLite backend with the search function
    assert database["NAME"] == ROOT / "db.sqlite3"
    assert (values["LANGUAGE_CODE"], values["TIME_ZONE"]) == ("zh-hans", "Asia/Shanghai")


def test_it_selects_postgresql_from_a_postgres_url():
    database = _database(DATABASE_URL="postgres://postgres@127.0.0.1:5432/catalogue")
    assert database["ENGINE"] == "config.postgresql"  # Django's backend, its health check without a round trip
    assert (database["NAME"], database["HOST"]) == ("catalogue", "127.0.0.1")
    # Kept a minute, and checked before a new request uses it again: a restarted server costs no 500.
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)


def test_it_takes_an_absolute_sqlite_path():
    database = _database(DATABASE_URL="sqlite:////tmp/elsewhere.sqlite3")
    assert (database["ENGINE"], database["NAME"]) == ("config.sqlite", "/tmp/elsewhere.sqlite3")


def test_it_refuses_to_run_in_production_without_a_secret_key():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        settings_under(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.org")


def test_it_refuses_a_debug_value_it_does_not_understand():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG must be 0 or 1"):
        settings_under(DJANGO_DEBUG="maybe")


def test_it_reads_allowed_hosts_as_a_comma_separated_list():
    values = settings_under(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="a.example, b.example")
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["a.example", "b.example"]


@pytest.mark.django_db
def test_the_postgresql_run_really_uses_postgresql(postgres):
    # CI's second pass sets REQUIRE_POSTGRES=1: this fails there if DATABASE_URL was lost on the way.
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"


def test_a_redis_cache_url_gives_every_worker_one_cache_and_anything_else_is_refused():
    unset = settings_under().get("CACHES", global_settings.CACHES)  # Django's default when settings.py names none
    assert unset["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    redis = settings_under(CACHE_URL="redis://127.0.0.1:6379/1")["CACHES"]["default"]
    assert (redis["BACKEND"], redis["LOCATION"]) == (
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/1",
    )
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be a redis:// URL"):
        settings_under(CACHE_URL="memcached://127.0.0.1")


@pytest.mark.django_db
def test_what_the_pages_cache_survives_a_round_trip_through_redis():
    """Needs a Redis server (CI has one at 127.0.0.1:6379): the cached summary, choices, jurisdiction, HTML."""
    import redis
    from django.core.cache.backends.redis import RedisCache

    from approvals import queries
    from public import selectors
    from tests.conftest import require

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        reachable = True
    except redis.exceptions.ConnectionError:
        reachable = False
    require("REQUIRE_REDIS", reachable, "需要 Redis：127.0.0.1:6379")
    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "shuozhou-test"})
    city = selectors.default_jurisdiction()
    values = {
        "summary": selectors._summary(city),
        "choices": selectors.filter_choices(city),
        "jurisdiction": city,
        "batches": queries.batch_choices(),
    }
    try:
        for key, value in values.items():
            cache.set(key, value, 30)
            assert cache.get(key) == value, key
    finally:
        cache.clear()
