"""Shared test set-up: the official 2022 data loaded once, named users, requirement switches.

Tests that need PostgreSQL or Chromium skip with a reason on a laptop that lacks
them; CI sets REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 and then they fail instead.
"""

import os

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection


def require(switch: str, available: bool, reason: str) -> None:
    """Skip when `available` is false, unless the environment variable `switch` demands it."""
    if available:
        return
    if os.getenv(switch, "") == "1":
        pytest.fail(f"{reason}（{switch}=1 要求此项测试必须运行）")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The official catalogue is the seed every test starts from; each test's
    # changes are rolled back, so it is loaded once per run.
    with django_db_blocker.unblock():
        call_command("loaddata", "shuozhou_2022", verbosity=0)


@pytest.fixture
def official_data(transactional_db):
    """For transactional tests (threads, a live server): the database is emptied when each ends,
    so each one starts by loading the official data again if it is not there."""
    from approvals.models import ApprovalItem

    if not ApprovalItem.objects.exists():
        call_command("loaddata", "shuozhou_2022", verbosity=0)


@pytest.fixture
def postgres(db):
    require("REQUIRE_POSTGRES", connection.vendor == "postgresql", "需要 PostgreSQL：设置 DATABASE_URL=postgres://…")


def _user(username: str, *, groups=(), staff=True, superuser=False, jurisdiction: str | None = "shuozhou") -> User:
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
    return _user("clerk_user")


@pytest.fixture
def clerk(db) -> User:
    """经办人: edits items, records transfers, imports."""
    return _user("clerk", groups=["经办人"])


@pytest.fixture
def publisher(db) -> User:
    """审核人: everything a clerk does, and publishes editions."""
    return _user("publisher", groups=["审核人"])


@pytest.fixture
def county_clerk(db) -> User:
    """经办人 of 朔城区: keeps only the county's register."""
    return _user("county_clerk", groups=["经办人"], jurisdiction="shuocheng")


@pytest.fixture
def bare_staff(db) -> User:
    """Staff without any permission."""
    return _user("staff")


@pytest.fixture
def admin_user(db) -> User:
    return _user("root", superuser=True)


@pytest.fixture(autouse=True)
def _downloads_dir(settings, tmp_path):
    """Edition files are written to a folder of the test's own, never the project's var/."""
    settings.DOWNLOADS_DIR = tmp_path / "downloads"
