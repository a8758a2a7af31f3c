"""The register's version (approvals/register_version.py): every committed write raises it, nothing else does."""

import datetime
import threading

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from approvals import register_version
from approvals.models import ApprovalItem, Department
from catalog.models import Feedback


def _settle() -> None:
    """PostgreSQL raises the number when a transaction commits; inside a test's transaction, fire it now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
                [register_version.TRIGGER],
            )
            return {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s GROUP BY tbl_name",
            [f"{register_version.TRIGGER}_%"],
        )
        return {name for name, count in cursor.fetchall() if count == 3}  # insert, update, delete


@pytest.mark.django_db
def test_every_table_of_the_register_and_its_publication_raises_the_version():
    tables = {
        model._meta.db_table
        for label in ("approvals", "catalog")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    expected = tables - register_version.UNVERSIONED
    assert "approvals_approvalitem" in expected and "catalog_entry" in expected
    assert "approvals_historicalapprovalitem" in expected  # an item's history is public
    assert _triggered_tables() == expected


@pytest.mark.django_db
def test_a_write_raises_the_version_and_a_write_nobody_sees_does_not():
    before = register_version.current()
    assert before.number > 0  # the official data's load wrote
    item = ApprovalItem.objects.first()
    Feedback.objects.create(item=item, jurisdiction=item.jurisdiction, message="电话打不通")
    _settle()
    assert register_version.current() == before

    ApprovalItem.objects.filter(code__startswith="S").update(remarks="调整")
    _settle()
    after = register_version.current()
    assert after.number > before.number
    assert after.changed_at >= before.changed_at
    assert after.tag != before.tag


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_the_version():
    before = register_version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        Department.objects.filter(pk=Department.objects.first().pk).update(phone="0349-1234567")
        raise RuntimeError
    _settle()
    assert register_version.current() == before


def test_a_database_emptied_and_filled_again_gets_versions_it_never_had(transactional_db, official_data):
    before = register_version.current()
    call_command("flush", interactive=False, verbosity=0)  # as restore_register does, then post_migrate
    emptied = register_version.current()
    assert emptied.number == 0 and emptied.tag != before.tag
    call_command("loaddata", "shuozhou_2022", verbosity=0)
    assert register_version.current().tag not in {before.tag, emptied.tag}


@pytest.mark.django_db(transaction=True)
def test_postgresql_raises_it_once_a_transaction_and_at_its_commit_even_when_it_commits_last(postgres, official_data):
    """A long import that wrote first and commits last still raises the number at its commit, and holds back no
    one's save in the meantime: the version row is locked only while a transaction commits."""
    start = register_version.current().number
    with transaction.atomic():
        for item in ApprovalItem.objects.filter(parent=None)[:5]:
            ApprovalItem.objects.filter(pk=item.pk).update(remarks="逐条修改")
    assert register_version.current().number == start + 1  # five statements, one transaction

    wrote, other_committed = threading.Event(), threading.Event()
    seen = {}

    def long_import():
        try:
            with transaction.atomic():
                ApprovalItem.objects.filter(code__startswith="S").update(remarks="导入中")
                wrote.set()
                other_committed.wait(10)
                seen["before_commit"] = register_version.current().number
        finally:
            connection.close()

    thread = threading.Thread(target=long_import)
    thread.start()
    assert wrote.wait(10)
    Department.objects.filter(pk=Department.objects.first().pk).update(phone="0349-7654321")  # not held back
    assert register_version.current().number == start + 2
    other_committed.set()
    thread.join(10)
    assert seen["before_commit"] == start + 2  # the import sees the other's commit, not its own yet
    assert register_version.current().number == start + 3


@pytest.mark.django_db
def test_the_batch_filter_learns_a_label_written_around_the_model_on_the_next_request():
    """Cached under the version, on every process: a label changed by a bulk update (no save() to clear the
    cache) is offered once the change is committed."""
    from approvals.models import PolicyDocument
    from approvals.queries import batch_choices

    assert [label for _value, label in batch_choices()] == ["首次划转", "二次划转", "承接"]
    PolicyDocument.objects.filter(batch_label="二次划转").update(batch_label="第二批划转")
    _settle()
    assert [label for _value, label in batch_choices()] == ["首次划转", "第二批划转", "承接"]


@pytest.mark.django_db
def test_the_moment_of_a_change_is_read_in_utc_whatever_the_sites_time_zone():
    """Last-Modified is written from it: read as Beijing time it would be eight hours early."""
    from django.utils import timezone

    before = timezone.now()
    ApprovalItem.objects.filter(code="SZ-0001").update(remarks="改")
    _settle()
    changed_at = register_version.current().changed_at
    assert changed_at.utcoffset() == datetime.timedelta(0)
    assert abs((changed_at - before).total_seconds()) < 60
