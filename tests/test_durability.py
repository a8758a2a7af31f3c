"""A backup brings the register back exactly (that nothing published is rewritten: test_frozen_editions.py)."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals import services
from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument, Transfer
from catalog.models import Edition
from catalog.tables import edition_table, mark_first_rows

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    edition = Edition.objects.get(slug="2022")
    table = edition_table(edition)
    return {
        "cells": [
            [row.cells(section.number, first_of_item=first) for row, first in mark_first_rows(section.rows)]
            for section in table.sections
        ],
        "items": list(ApprovalItem.objects.order_by("code").values_list("code", "name", "status", "intake__sequence")),
        "transfers": list(Transfer.objects.order_by("item__code", "sequence").values_list("item__code", "kind")),
    }


def test_a_backup_restores_the_register_exactly(tmp_path, clerk):
    before = _snapshot()
    target = tmp_path / "register.json.gz"
    call_command("backup_register", "-o", str(target))
    notice = PolicyDocument.objects.create(
        jurisdiction=Jurisdiction.objects.get(code="shuozhou"),
        number="朔政发〔2024〕1号",
        title="测试",
        batch_label="三次划转",
    )
    services.item_return(
        item=ApprovalItem.objects.get(code="SZ-0001"),
        effective_on=datetime.date(2024, 1, 1),
        document=notice,
        user=clerk,
    )
    assert _snapshot() != before
    call_command("restore_register", str(target), "--yes")
    assert _snapshot() == before
    assert not PolicyDocument.objects.filter(number="朔政发〔2024〕1号").exists()


def test_a_failed_restore_changes_nothing(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"model": "approvals.approvalitem", "pk": 1, "fields": {"jurisdiction": 999}}]', "utf-8")
    before = _snapshot()
    with pytest.raises(CommandError, match="恢复失败，数据库未改变"):
        call_command("restore_register", str(broken), "--yes")
    assert _snapshot() == before


def test_restore_asks_for_confirmation_and_a_real_file(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("restore_register", str(tmp_path / "none.json.gz"), "--yes")
    existing = tmp_path / "x.json"
    existing.write_text("[]", "utf-8")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_register", str(existing))
