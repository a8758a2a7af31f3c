"""Shared test set-up: the official 2022 data loaded once, named users, requirement switches.

Tests that need PostgreSQL or Chromium skip with a reason on a laptop that lacks
them; CI sets REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 and then they fail instead.
"""

import gc
import os
import runpy
import shutil
import sqlite3
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "config" / "settings.py"

# The state of the database right after the official data was loaded (SQLite only): transactional
# tests, whose database is emptied after each, get it back by copying pages instead of parsing JSON.
_LOADED: sqlite3.Connection | None = None
_blocker = None  # pytest-django's switch for database access, for pytest_runtest_teardown


def settings_under(**env: str) -> dict:
    """config/settings.py run afresh in this process with `env` as its only DJANGO_*, DATABASE_URL,
    DATABASE_REPLICA_URL and CACHE_URL variables: its global names. Django's own settings are left alone."""
    databases = ("DATABASE_URL", "DATABASE_REPLICA_URL")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", *databases, "CACHE_URL"))}
    with mock.patch.dict(os.environ, {**kept, "DJANGO_SETTINGS_MODULE": "config.settings", **env}, clear=True):
        return runpy.run_path(str(SETTINGS_FILE))


# Python's full (generation 2) collections scan every object the process holds: Django, the test modules, the
# plugins and the loaded register, hundreds of thousands of objects that live for the whole run. Left to itself the
# collector ran one every ~10 tests at ~0.2 s each, a quarter of the CPU time of the admin and access tests
# (measured with gc.callbacks: 5.3 of 22 CPU-s). So what lives for the session is frozen out of the collector's
# sight (gc.freeze) once collected and once the database is set up; full collections run every FULL_COLLECTION_EVERY
# tests instead of whenever the heuristic fires; the young generations are collected as usual.
FULL_COLLECTION_EVERY = 100
_tests_since_full_collection = 0
gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], 1_000_000)  # from here on, no automatic full collection


def _freeze_what_lives_for_the_session() -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session):
    _freeze_what_lives_for_the_session()


def pytest_runtest_logfinish(nodeid, location):
    global _tests_since_full_collection
    _tests_since_full_collection += 1
    if _tests_since_full_collection >= FULL_COLLECTION_EVERY:
        _tests_since_full_collection = 0
        gc.collect()


def require(switch: str, available: bool, reason: str) -> None:
    """Skip when `available` is false, unless the environment variable `switch` demands it."""
    if available:
        return
    if os.getenv(switch, "") == "1":
        pytest.fail(f"{reason}（{switch}=1 要求此项测试必须运行）")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Named users are created for nearly every test: Django's PBKDF2 (a million rounds) took
    half a second for each on a small machine, MD5 takes nothing. Tests only."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


CHROMIUM = "/usr/bin/chromium"
# --lang: the browser's own controls (file picker, date fields) in Chinese, as on a clerk's desktop.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=zh-CN"]


@pytest.fixture(scope="session")
def browser(live_server):
    """Debian's Chromium, driven by Playwright: started once per xdist worker that runs browser tests (each
    browser module runs whole on one worker, see below); each module opens contexts of its own. Skips without it
    unless REQUIRE_BROWSER=1. It stops before the live server (which it asks for to that end): a request thread
    that ends when Chromium closes its sockets would otherwise close the database after the server stopped
    sharing it, a warning at the end of the run."""
    require("REQUIRE_BROWSER", shutil.which(CHROMIUM) is not None, f"需要 Debian 的 Chromium（{CHROMIUM}）")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop lives in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def log_in(context, live_server, user: User) -> None:
    """`user` logged in to the Playwright `context` by a session made on the server (Django's test client), for the
    browser tests whose story starts after the log-in (the form is tested in tests/test_lockout.py and
    test_admin_chinese.py, and in a browser by the flow's clerk): its page loads and its post cost Chromium a third
    of a second each."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


MODULE_UNITS = {
    "tests/test_libreoffice_render.py",
    "tests/test_docx_export.py",
    "tests/test_export_official.py",
    "tests/test_counties.py",
    "tests/test_official_data.py",
    "tests/test_replica.py",  # one test pauses the replica's replay, which the others would see
}

# The modules whose units cost seconds, the costliest first (seconds of test time in a whole run on the 2-core
# machine, 2026-12-03): handed out before everything else, so that neither worker is left running one of them while
# the other has finished. By xdist's own order (units by their number of tests) the flow test, a unit of one test at
# the end of pytest-django's order, ran last and ended runs 6-16 s after the other worker had.
FIRST = (
    "tests/test_api_schema.py",  # 13.6 s
    "tests/test_browser_flow.py",  # 11.6
    "tests/test_admin_chinese.py",  # 15.4 over seven tests, two walks of 6-9 s
    "tests/test_libreoffice_render.py",  # 9.2
    "tests/test_browser_axe.py",  # 9.0
    "tests/test_browser.py",  # 5.1
    "tests/test_shacl.py",  # 4.5
    "tests/test_browser_phone.py",  # 3.8
    "tests/test_browser_feedback.py",  # 3.5
    "tests/test_html_valid.py",  # 2.6
)


def _handed_out(item: pytest.Item) -> int:
    """A test's place in the workers' order: FIRST's modules in its order, the other MODULE_UNITS, then the rest."""
    module = item.nodeid.split("::", 1)[0]
    if module in FIRST:
        return FIRST.index(module)
    return len(FIRST) if module in MODULE_UNITS else len(FIRST) + 1


@pytest.hookimpl(trylast=True)  # after pytest-django's order (the tests that empty the database last), kept within
def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: the order its collection reports is the queue's
        items.sort(key=_handed_out)


def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadgroup` (pyproject.toml): each browser module (tests/test_browser*.py) and each module in
    MODULE_UNITS goes whole to one worker; every other test goes to whichever worker is free; units are handed out
    in the order of the workers' collection (`FIRST` first), not by their number of tests.
    (xdist's `xdist_group` marks cannot say so under pytest 9: the test ids they rename no longer change.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class CostlyModulesWhole(LoadScopeScheduling):
        # One unit per test, but one per module for the browser tests (a module's pages share one Chromium page)
        # and for a module whose module-scoped fixture is costly (LibreOffice renders, a derived county, a parsed
        # workbook): it runs once, not once per worker.
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.startswith("tests/test_browser") or module in MODULE_UNITS else nodeid

    return CostlyModulesWhole(config, log)


def _empties_database(item: pytest.Item) -> bool:
    """pytest-django's transactional tests (threads, a live server): the database is emptied when each ends."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    return transactional or "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """pytest-django runs the tests that empty the database after all others, but a worker that starts with the
    browser tests has others after them: the next one gets the database back as the session load left it."""
    result = yield
    if _blocker is not None and nextitem is not None and _empties_database(item) and not _empties_database(nextitem):
        with _blocker.unblock():
            _restore_loaded()
    return result


@pytest.fixture(scope="session")
def django_db_modify_db_settings_xdist_suffix(request):
    """Each xdist worker tests in a database of its own: on PostgreSQL pytest-django's test_<name>_gw0, _gw1 …;
    SQLite's test database is in memory, one per process already (pytest-django, not knowing our SQLite
    engine config.sqlite, would name a file after the project's database instead)."""
    from django.conf import settings

    worker = getattr(request.config, "workerinput", {}).get("workerid")
    database = settings.DATABASES["default"]
    if worker and connection.vendor != "sqlite":
        name = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
        database.setdefault("TEST", {})["NAME"] = f"{name}_{worker}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The official catalogue is the seed every test starts from; each test's
    # changes are rolled back, so it is loaded once per run.
    global _LOADED, _blocker
    with django_db_blocker.unblock():
        call_command("loaddata", "shuozhou_2022", verbosity=0)
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            _LOADED = sqlite3.connect(":memory:")
            connection.connection.backup(_LOADED)
        else:
            _copy_database(connection.settings_dict["NAME"], _loaded_name())
    _blocker = django_db_blocker
    _freeze_what_lives_for_the_session()
    yield
    _blocker = None
    if connection.vendor != "sqlite":
        with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{_loaded_name()}" WITH (FORCE)')


def _loaded_name() -> str:
    return f"{connection.settings_dict['NAME']}_loaded"  # per xdist worker, as the test database


def _copy_database(source: str, target: str) -> None:
    """PostgreSQL: `target` becomes a copy of `source` (CREATE DATABASE … TEMPLATE copies its files)."""
    connection.close()  # a template may have no one connected
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def _restore_loaded() -> None:
    """The database as the session load left it, with what the migrations wrote (the groups) and the official data:
    SQLite copies it back from memory, PostgreSQL from the database copied after the load."""
    from django.contrib.contenttypes.models import ContentType

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        _LOADED.backup(connection.connection)
    else:
        _copy_database(_loaded_name(), connection.settings_dict["NAME"])
    ContentType.objects.clear_cache()  # the emptying wrote them again under other ids


@pytest.fixture
def official_data(transactional_db):
    """For transactional tests (threads, a live server): the database is emptied when each ends,
    so each one starts from the database as the session load left it if the data is not there."""
    from approvals.models import ApprovalItem

    if not ApprovalItem.objects.exists():
        _restore_loaded()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Summaries, filter choices and jurisdictions are cached between requests: each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reads_from_primary(request):
    """With DATABASE_REPLICA_URL (CI's PostgreSQL run) citizens' pages would read the replica, which sees only
    committed data and which a test may query only if it says so: tests read the primary unless they ask for the
    replica (tests/test_replica.py's `replica` fixture)."""
    from django.conf import settings

    if "replica" not in settings.DATABASES or "replica" in request.fixturenames:
        yield
        return
    with override_settings(DATABASE_ROUTERS=[]):
        yield


@pytest.fixture
def postgres(db):
    require("REQUIRE_POSTGRES", connection.vendor == "postgresql", "需要 PostgreSQL：设置 DATABASE_URL=postgres://…")


def make_user(username: str, *, groups=(), staff=True, superuser=False, jurisdiction: str | None = "shuozhou") -> User:
    from approvals.models import Jurisdiction, StaffProfile

    user = User.objects.create_user(username, password="x-test-password", is_staff=staff, is_superuser=superuser)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    if jurisdiction:
        StaffProfile.objects.create(user=user, jurisdiction=Jurisdiction.objects.get(code=jurisdiction))
    return user


@pytest.fixture
def clerk_user(db) -> User:
    """A staff user with no group, for services that only record who acted."""
    return make_user("clerk_user")


@pytest.fixture
def clerk(db) -> User:
    """经办人: edits items, records transfers, imports."""
    return make_user("clerk", groups=["经办人"])


@pytest.fixture
def publisher(db) -> User:
    """审核人: everything a clerk does, and publishes editions."""
    return make_user("publisher", groups=["审核人"])


@pytest.fixture(autouse=True)
def _due_events_checked_today():
    """The middleware that applies dated events asks the database on a process's first request of each day:
    today counts as asked, so that a test's first request runs the same queries as any other. A test that
    travels to another day (test_effective_dates.py) gets the question on its first request there."""
    from django.utils import timezone

    from approvals.middleware import mark_applied

    mark_applied(timezone.localdate())


@pytest.fixture
def county_clerk(db) -> User:
    """经办人 of 朔城区: keeps only the county's register."""
    return make_user("county_clerk", groups=["经办人"], jurisdiction="shuocheng")


@pytest.fixture
def bare_staff(db) -> User:
    """Staff without any permission."""
    return make_user("staff")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("root", superuser=True)


@pytest.fixture
def page_cache():
    """The anonymous page cache on, whatever the database: for the tests of public/caching.py."""


@pytest.fixture(autouse=True)
def _page_cache_only_where_the_version_moves(request, settings):
    """On PostgreSQL the register's version is raised when a transaction commits, and a test's transaction never
    does: a page stored before a test's change would be served after it, which no visitor can meet (their request
    comes after the clerk's commit). So there the page cache is off for tests that do not commit, unless they ask
    for it (`page_cache`); on SQLite the version moves with each write and the cache stays on."""
    if (
        connection.vendor == "postgresql"
        and not _empties_database(request.node)
        and "page_cache" not in (request.fixturenames)
    ):
        settings.PUBLIC_PAGE_CACHE = False


@pytest.fixture(scope="session")
def _downloads_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(autouse=True)
def _downloads_dir(settings, _downloads_root):
    """Edition files are written to a folder of the test's own, never the project's var/: named, not made (the
    code makes it when it writes), so that the thousand tests that write none make no folder either."""
    settings.DOWNLOADS_DIR = _downloads_root / uuid.uuid4().hex


@pytest.fixture(scope="session", autouse=True)
def _jobs_run_at_once():
    """Background jobs run inside the test that starts them (Huey's immediate mode, its queue in memory),
    once the transaction that recorded them commits (`django_capture_on_commit_callbacks(execute=True)`)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


def acknowledging(*editions) -> dict:
    """The publish confirmation's fields for `editions` as a publisher sends them back: each one's pre-publication
    warnings as the page shows them, and the box that acknowledges them ticked."""
    from catalog import prepublication

    fields = {}
    for edition in editions:
        fields[f"warnings_{edition.pk}"] = prepublication.warnings_text(prepublication.edition_checks(edition))
        fields[f"acknowledge_{edition.pk}"] = "yes"
    return fields
