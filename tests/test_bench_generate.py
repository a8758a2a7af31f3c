"""The benchmark's generator writes what the application would: COPY with the triggers off gives the register
that bulk_create with every trigger on gives, search text and pinyin included."""

import pytest
from django.db import connection, transaction

from approvals.models import ApprovalItem, ItemDepartment, Jurisdiction, Transfer
from approvals.search import pinyin_key
from bench.generate import generate, jurisdiction_count, plan
from catalog.models import Edition, Entry

pytestmark = pytest.mark.django_db

N = 700

# Per model, the natural key of each foreign key; every other column is compared as it is, except these:
# ids (the two writers' savepoints leave the sequences elsewhere) and the moment of writing.
KEYS = {
    "jurisdiction": "code",
    "parent": "code",
    "derived_from": "code",
    "intake": "item__code",
    "department": "slug",
    "item": "code",
    "document": "number",
    "edition": "slug",
    "recorded_by": "username",
}
UNCOMPARED = {"id", "version", "created_at", "updated_at", "recorded_at"}
MODELS = {
    ApprovalItem: ("code",),
    ItemDepartment: ("item__code", "position"),
    Transfer: ("item__code", "sequence"),
    Entry: ("section", "row"),
}


def _columns(model) -> list[str]:
    columns = []
    for field in model._meta.concrete_fields:
        if field.name in UNCOMPARED:
            continue
        if field.is_relation:
            columns.append(f"{field.name}__{KEYS.get(field.name, 'pk')}")
            if field.name == "intake":
                columns.append("intake__sequence")
        else:
            columns.append(field.name)
    return columns


def _register() -> dict:
    """The generated register by natural keys: every row of the four tables, every column."""
    bench = {"jurisdiction__code__startswith": "bench-"}
    scopes = {
        ApprovalItem: bench,
        ItemDepartment: {f"item__{k}": v for k, v in bench.items()},
        Transfer: {f"item__{k}": v for k, v in bench.items()},
        Entry: {"edition__slug": "bench"},
    }
    return {
        model.__name__: list(model.objects.filter(**scopes[model]).order_by(*order).values_list(*_columns(model)))
        for model, order in MODELS.items()
    }


def _indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('approvals_approvalitem', 'approvals_itemdepartment', 'approvals_transfer', 'catalog_entry') "
            "ORDER BY indexname"
        )
        return cursor.fetchall()


def test_the_jurisdictions_grow_with_the_register_from_128_to_2900():
    assert [jurisdiction_count(n) for n in (20_000, 100_000, 1_000_000, 3_000_000, 9_000_000)] == [
        128,
        128,
        1000,
        2900,
        2900,
    ]


def test_the_orm_writer_gives_items_their_events_departments_pinyin_and_a_published_edition(db):
    edition = generate(N, writer="orm", progress=lambda message: None)
    items = ApprovalItem.objects.filter(jurisdiction__code__startswith="bench-")
    assert items.count() == N
    assert Jurisdiction.objects.filter(code__regex=r"^bench-[0-9]").count() == 128
    assert edition.status == Edition.Status.PUBLISHED
    subs = items.filter(parent__isnull=False)
    assert subs.exists() and items.filter(status="returned").exists()
    # Every item came to the bureau by its first event, and its pinyin is the one function's.
    assert items.filter(intake__sequence=1).count() == N
    assert [
        (name, pinyin) for name, pinyin in items.values_list("name", "name_pinyin") if pinyin_key(name) != pinyin
    ] == []
    # A main item is found by its sub-items' names: their keys are lines of its search text.
    sub = subs.select_related("parent").first()
    assert sub.name_pinyin.split("\n")[0] in sub.parent.search_text.split("\n")
    # Every main item is printed once: a row of its own, or one per sub-item in section (一).
    printed = Entry.objects.filter(edition=edition)
    assert set(printed.filter(section=1).values_list("number", flat=True)) == set(
        range(1, items.filter(parent=None, status="bureau").count() + 1)
    )
    assert printed.filter(section=2).count() == items.filter(parent=None, status="returned").count()
    place = Jurisdiction.objects.get(code="bench-000")
    assert place.item_counter == items.filter(jurisdiction=place, parent=None).count() > 0


def test_the_plan_is_the_same_whatever_the_chunks(db):
    from bench.generate import _setup

    setup = _setup(N)
    rows = {}
    for size in (7, 5000):
        chunks = list(plan(N, setup, chunk=size))
        parts = ("mains", "subs", "links", "transfers", "entries")
        rows[size] = [[row for chunk in chunks for row in getattr(chunk, part)] for part in parts]
    assert rows[7] == rows[5000]
    assert len(rows[7][0]) + len(rows[7][1]) == N


def test_copy_writes_the_register_that_bulk_create_and_the_triggers_write(postgres):
    indexes = _indexes()
    before = transaction.savepoint()
    generate(N, writer="orm", progress=lambda message: None)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign-key checks, now: they pass
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    by_triggers = _register()
    transaction.savepoint_rollback(before)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('approvals.register_written', true)")
        assert cursor.fetchone()[0] in (None, "")

    generate(N, writer="copy", progress=lambda message: None)

    copied = _register()
    assert len(copied["ApprovalItem"]) == N
    assert len(copied["Transfer"]) > N and len(copied["Entry"]) > 0.8 * N
    for table, rows in by_triggers.items():
        assert copied[table] == rows, table
    assert _indexes() == indexes  # dropped for the load, built again as they were
    with connection.cursor() as cursor:
        # The triggers are on again, the register's version rises when this commits, and the tables'
        # identity columns continue after the ids the plan gave.
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        cursor.execute("SELECT current_setting('approvals.register_written', true)")
        assert cursor.fetchone()[0] == "1"
        for table in ("approvals_approvalitem", "approvals_itemdepartment", "approvals_transfer", "catalog_entry"):
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) > max(id) FROM {table}")
            assert cursor.fetchone()[0] is True, table
