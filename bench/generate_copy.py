"""PostgreSQL: the planned rows written with COPY, at about 25 times bulk_create's rate.

Three things make bulk_create slow at a nation's size, and each is put aside for the load only:
- the triggers: the search-text row trigger (a sub-query per row), the statement triggers, the register's
  version and the frozen-edition checks, and the deferred foreign-key checks (one query per row at commit).
  `session_replication_role = replica` turns them all off for this transaction; the plan brings what the
  triggers would have written (search text, pinyin, intake) and rows that hold together by construction,
  which tests/test_bench_generate.py proves against the ORM writer with every trigger on;
- the secondary indexes (the GIN index of the search text above all), maintained row by row: they are
  dropped and created again from their own definitions once the rows are in, in the same transaction;
- one INSERT per 5,000 rows parsed and planned: COPY streams text.
Publishing the edition afterwards, with the triggers back on, raises the register's version once.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator

from django.db import connection
from django.utils import timezone

from approvals.models import GUIDE_FIELDS, ApprovalItem
from bench.generate import ENTRY_COLUMNS, ITEM_COLUMNS, LINK_COLUMNS, TRANSFER_COLUMNS, Chunk, _progress

TABLES = ("approvals_approvalitem", "approvals_itemdepartment", "approvals_transfer", "catalog_entry")
NULL = "\\N"


def _text(value: str) -> str:
    """Text in COPY's text format (the search text has line breaks)."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _field(value) -> str:
    """Any value in COPY's text format."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# One formatter per table, the plan's columns in order (ids, codes and choices are the plan's own: no escaping).
def _item(row: tuple) -> str:
    pk, place, code, parent, position, name, kind, base, status, pinyin, text, intake = row
    parent = NULL if parent is None else parent
    base = "t" if base else "f"
    texts = f"{_text(name)}\t{kind}\t{base}\t{status}\t{_text(pinyin)}\t{_text(text)}"
    return f"{pk}\t{place}\t{code}\t{parent}\t{position}\t{texts}\t{intake}"


def _link(row: tuple) -> str:
    pk, item, department, position = row
    return f"{pk}\t{item}\t{department}\t{position}"


def _transfer(row: tuple) -> str:
    pk, item, sequence, kind, before, after, document, effective_on = row
    effective_on = NULL if effective_on is None else effective_on.isoformat()
    return f"{pk}\t{item}\t{sequence}\t{kind}\t{before}\t{after}\t{document}\t{effective_on}"


def _entry(row: tuple) -> str:
    pk, edition, section, number_row, number, item, *cells = row
    return f"{pk}\t{edition}\t{section}\t{number_row}\t{number}\t{item}\t" + "\t".join(map(_text, cells))


FORMATS = dict(zip(TABLES, (_item, _link, _transfer, _entry), strict=True))


def _columns() -> dict[str, tuple[tuple[str, ...], str]]:
    """Per table, the plan's columns and the text of the columns every row has alike (what the model's
    defaults, auto_now and the version field would give a new row)."""
    now = timezone.now().isoformat()
    version = ApprovalItem._meta.get_field("version")._get_next_version(ApprovalItem())
    item_defaults = {
        **dict.fromkeys(("source_text", "remarks", *GUIDE_FIELDS, "review_reason", "basic_code"), ""),
        "version": version,
        "created_at": now,
        "updated_at": now,
        "derived_from_id": None,
        "exercise_level": None,
    }
    transfer_defaults = {"note": "", "recorded_at": now, "recorded_by_id": None, "pending": False}
    return {
        "approvals_approvalitem": _with(ITEM_COLUMNS, item_defaults),
        "approvals_itemdepartment": _with(LINK_COLUMNS, {}),
        "approvals_transfer": _with(TRANSFER_COLUMNS, transfer_defaults),
        "catalog_entry": _with(ENTRY_COLUMNS, {}),
    }


def _with(columns: tuple[str, ...], defaults: dict) -> tuple[tuple[str, ...], str]:
    return (*columns, *defaults), "".join("\t" + _field(value) for value in defaults.values()) + "\n"


def write_copy(chunks: Iterator[Chunk], *, progress: Callable[[str], None]) -> dict[int, int]:
    """Write every chunk's rows; returns the codes given per jurisdiction. Runs inside the caller's transaction."""
    columns = _columns()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '3GB'")
        indexes = _secondary_indexes(cursor)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    started, rows, counters = time.perf_counter(), 0, {}
    with connection.connection.cursor() as raw:
        for chunk in chunks:
            parts = [chunk.mains + chunk.subs, chunk.links, chunk.transfers, chunk.entries]
            for table, part in zip(TABLES, parts, strict=True):
                names, tail = columns[table]
                line = FORMATS[table]
                with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    copy.write("".join([line(row) + tail for row in part]))
            rows += chunk.rows()
            counters = chunk.counters
            progress(_progress(chunk.created, rows, started))
    with connection.cursor() as cursor:
        for name, definition in indexes:
            began = time.perf_counter()
            cursor.execute(definition)
            progress(f"  重建索引 {name}：{time.perf_counter() - began:.1f} s")
        for table in TABLES:  # the identity columns continue after the ids the plan gave
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )
        cursor.execute("SET LOCAL session_replication_role = origin")
    return counters


def _secondary_indexes(cursor) -> list[tuple[str, str]]:
    """The indexes of the loaded tables that back no constraint (primary and unique keys stay): name, definition.

    A model's own index is created again by Django's SQL, as its migration did: PostgreSQL's rendering of a
    partial index's condition (`pg_get_indexdef`) reads back with its casts elsewhere."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        [list(TABLES)],
    )
    declared = _declared()
    return [(name, declared.get(name, definition)) for name, definition in cursor.fetchall()]


def _declared() -> dict[str, str]:
    """The SQL of the indexes the loaded tables' models declare (Meta.indexes, conditional unique constraints)."""
    from approvals.models import ItemDepartment, Transfer
    from catalog.models import Entry

    statements = {}
    with connection.schema_editor(atomic=False) as editor:
        for model in (ApprovalItem, ItemDepartment, Transfer, Entry):
            for index in (*model._meta.indexes, *model._meta.constraints):
                statement = index.create_sql(model, editor)
                if statement is not None:
                    statements[index.name] = str(statement)
    return statements
