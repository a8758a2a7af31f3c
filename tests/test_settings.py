"""settings.py reads the environment and fails loudly on what it does not understand."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PRINT = (
    "import json, django; from django.conf import settings; django.setup(); "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'engine': d['ENGINE'], 'name': str(d['NAME']), 'host': d.get('HOST', ''),"
    " 'debug': settings.DEBUG,"
    " 'hosts': settings.ALLOWED_HOSTS, 'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE,"
    " 'cache': settings.CACHES['default']['BACKEND']}))"
)


def _settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean.update(env)
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=clean, capture_output=True, text=True)


def _ok(**env) -> dict:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_uses_sqlite_in_the_project_folder_when_database_url_is_unset():
    values = _ok()
    assert values["engine"] == "config.sqlite"  # Django's SQLite backend with the search function
    assert values["name"] == str(ROOT / "db.sqlite3")
    assert (values["lang"], values["tz"]) == ("zh-hans", "Asia/Shanghai")


def test_it_selects_postgresql_from_a_postgres_url():
    values = _ok(DATABASE_URL="postgres://postgres@127.0.0.1:5432/catalogue")
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"]) == ("catalogue", "127.0.0.1")


def test_it_takes_an_absolute_sqlite_path():
    values = _ok(DATABASE_URL="sqlite:////tmp/elsewhere.sqlite3")
    assert (values["engine"], values["name"]) == ("config.sqlite", "/tmp/elsewhere.sqlite3")


def test_it_refuses_to_run_in_production_without_a_secret_key():
    result = _settings(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_refuses_a_debug_value_it_does_not_understand():
    result = _settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 0 or 1" in result.stderr


def test_it_reads_allowed_hosts_as_a_comma_separated_list():
    values = _ok(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="a.example, b.example")
    assert values["debug"] is False
    assert values["hosts"] == ["a.example", "b.example"]


@pytest.mark.django_db
def test_the_postgresql_run_really_uses_postgresql(postgres):
    # CI's second pass sets REQUIRE_POSTGRES=1: this fails there if DATABASE_URL was lost on the way.
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"


def test_a_redis_cache_url_gives_every_worker_one_cache_and_anything_else_is_refused():
    assert _ok()["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert _ok(CACHE_URL="redis://127.0.0.1:6379/1")["cache"] == "django.core.cache.backends.redis.RedisCache"
    result = _settings(CACHE_URL="memcached://127.0.0.1")
    assert result.returncode != 0 and "CACHE_URL must be a redis:// URL" in result.stderr


@pytest.mark.django_db
def test_what_the_pages_cache_survives_a_round_trip_through_redis():
    """Needs a Redis server (CI has one at 127.0.0.1:6379): the cached summary, choices, jurisdiction, HTML."""
    import redis
    from django.core.cache.backends.redis import RedisCache

    from catalog import selectors
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
        "batches": selectors.batch_choices(),
    }
    try:
        for key, value in values.items():
            cache.set(key, value, 30)
            assert cache.get(key) == value, key
    finally:
        cache.clear()
