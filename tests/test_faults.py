"""Faults during an import: the database goes away or is locked; nothing is half-written, the next import works."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from approvals.models import ApprovalItem, Transfer
from catalog.models import Edition, Entry
from tests.workbooks import with_new_item

pytestmark = pytest.mark.django_db


def _counts():
    return ApprovalItem.objects.count(), Transfer.objects.count(), Entry.objects.count(), Edition.objects.count()


@pytest.fixture
def adjusted_workbook(tmp_path):
    return with_new_item(tmp_path, "故障测试新事项")


@pytest.mark.parametrize("message", ["database is locked", "server closed the connection unexpectedly"])
def test_a_database_failure_mid_import_rolls_everything_back(adjusted_workbook, monkeypatch, message, tmp_path):
    before = _counts()
    leftovers = set(tmp_path.iterdir())

    def fail(**kwargs):
        raise OperationalError(message)

    # The failure comes after the items and their events were written: they must all go.
    monkeypatch.setattr("catalog.imports.official.edition_create_draft", fail)
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(adjusted_workbook), "--edition", "faulty")
    assert "数据库出错，导入已全部撤销，登记册没有任何改变" in str(error.value)
    assert message in str(error.value)
    assert _counts() == before
    assert not ApprovalItem.objects.filter(name="故障测试新事项").exists()
    assert set(tmp_path.iterdir()) == leftovers  # no temporary file left behind

    monkeypatch.undo()
    call_command("import_catalogue", str(adjusted_workbook), "--edition", "faulty")
    assert ApprovalItem.objects.filter(name="故障测试新事项").count() == 1
    assert Edition.objects.filter(slug="faulty").exists()
