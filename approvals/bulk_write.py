"""Rows written in bulk for the bulk services (approvals/bulk.py) and the draft edition of an import.

`insert_rows` is `bulk_create` without `RETURNING`: on PostgreSQL one `COPY` per table, which skips the
statement text, the parameter arrays and the returned ids of 2,000-row `INSERT`s (an import of 100,000 rows
writes about 580,000 rows); elsewhere `bulk_create`. `COPY` fires the tables' triggers like an `INSERT`
(the search text, the register's version, the frozen editions), row and statement triggers alike.
Rows that something must point at before they are written get their ids from `reserve_ids` first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from approvals.models import ApprovalItem

BATCH = 2000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, never handed out again; the caller's transaction.

    PostgreSQL takes them from the table's sequence. SQLite (one writer at a time) moves the table's
    AUTOINCREMENT counter past them in the statement that reads it, which takes the write lock.
    """
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        highest = f'coalesce((SELECT max("{column}") FROM "{table}"), 0)'
        cursor.execute(
            f"UPDATE sqlite_sequence SET seq = max(seq, {highest}) + %s WHERE name = %s RETURNING seq", [count, table]
        )
        row = cursor.fetchone()
        if row is None:  # the table never had a row
            cursor.execute(
                f"INSERT INTO sqlite_sequence (name, seq) SELECT %s, {highest} + %s RETURNING seq", [table, count]
            )
            row = cursor.fetchone()
    return list(range(row[0] - count + 1, row[0] + 1))


def insert_rows(model: type[models.Model], objs: Sequence[models.Model], *, ids: bool = True) -> None:
    """Insert the unsaved `objs` as `bulk_create` does (defaults, `auto_now`, the ids set on the objects).

    Objects may come with their ids (from `reserve_ids`); `ids=False`: those without stay without.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        return
    missing = [obj for obj in objs if obj.pk is None] if ids else []
    for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = pk
    with_pk = objs[0].pk is not None
    if any((obj.pk is not None) != with_pk for obj in objs):
        raise ValueError("either every object has its id or none has")
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    # What Django sets on the way in: auto_now, auto_now_add, a version field.
    stamped = [f for f in fields if _stamps(f)]
    for obj in objs:
        for field in stamped:
            field.pre_save(obj, True)
    attnames = [f.attname for f in fields]
    _copy(model, fields, ([getattr(obj, name) for name in attnames] for obj in objs))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_history(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    user=None,
    reason: str | None = None,
    values: dict | None = None,
) -> None:
    """Write the django-simple-history creation rows of `objs`, as `bulk_history_create` builds them: each
    object's tracked fields as they are now, but for `values` (what they were when created)."""
    if not objs:
        return
    history = model.history.model
    if connection.vendor != "postgresql":
        history.objects.bulk_create(history_rows(model, objs, user=user, reason=reason, values=values), BATCH)
        return
    tracked = list(history.tracked_fields)
    names = [field.attname for field in tracked]
    fixed = [(names.index(name), value) for name, value in (values or {}).items()]
    meta = history._meta
    fields = tracked + [meta.get_field(name) for name in ("history_date", "history_user", "history_change_reason")]
    fields.append(meta.get_field("history_type"))
    now = timezone.now()
    default_user = user or history.get_default_history_user(objs[0])
    default_user_id = default_user.pk if default_user is not None else None

    def rows():
        for obj in objs:
            row = [getattr(obj, name) for name in names]
            for index, value in fixed:
                row[index] = value
            chosen = getattr(obj, "_history_user", None)
            row += [now, chosen.pk if chosen is not None else default_user_id, reason, "+"]
            yield row

    _copy(history, fields, rows())


def history_rows(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    user=None,
    reason: str | None = None,
    values: dict | None = None,
) -> list[models.Model]:
    """The django-simple-history creation rows of `objs`, unsaved (see `insert_history`)."""
    history = model.history.model
    now = timezone.now()
    fields = [field.attname for field in history.tracked_fields]
    return [
        history(
            history_date=now,
            history_user=getattr(obj, "_history_user", user or history.get_default_history_user(obj)),
            history_change_reason=reason,
            history_type="+",
            **({name: getattr(obj, name) for name in fields} | (values or {})),
        )
        for obj in objs
    ]


# Values psycopg writes as Django would: no get_db_prep_save call for them (2 million calls in an import).
NATIVE = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
NATIVE += (models.DateField,)  # DateTimeField included: aware datetimes, as timezone.now() gives


def _stamps(field: models.Field) -> bool:
    if isinstance(field, models.DateField):
        return field.auto_now or field.auto_now_add
    return type(field).pre_save is not models.Field.pre_save


def _copy(model: type[models.Model], fields: list[models.Field], rows) -> None:
    """COPY the rows (lists of model values, in the order of `fields`) into the model's table."""
    real = connections[DEFAULT_DB_ALIAS]  # once: each attribute of the `connection` proxy costs a lookup
    prepared = [(i, f) for i, f in enumerate(fields) if not isinstance(f, NATIVE)]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with real.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                for index, field in prepared:
                    row[index] = field.get_db_prep_save(row[index], real)
                copy.write_row(row)


def ids_by_code(codes: Collection[str]) -> dict[str, int]:
    """The ids of the items with these codes. PostgreSQL gets the codes as one array: 92,000 codes take 0.4 s
    that way, and 2 s as as many parameters of an IN list."""
    if connection.vendor != "postgresql":
        return dict(ApprovalItem.objects.filter(code__in=codes).values_list("code", "pk"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code, id FROM {ApprovalItem._meta.db_table} WHERE code = ANY(%s)", [sorted(set(codes))])
        return dict(cursor.fetchall())
