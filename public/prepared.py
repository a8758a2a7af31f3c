"""Queries compiled once per process whose only changing part is the set of ids they read.

The rows of a list page are read by three queries whose SQL differs from one page to the next only in the
ids (public/listing.py). Django builds and compiles a query afresh each time: for the main rows, with their
edition number and the bureau's codes in subqueries, that took 3–4 ms of a 25 ms page at 100,000 items,
more than running it. Here each query is compiled once, with a marker where the ids go, and run with the
page's ids spliced in: a list of pks as placeholders, or the SQL of a subquery (the page's ids in one round
trip). Values pass through the same converters Django's own iteration applies (booleans on SQLite, say).

A statement whose plan is the same whatever its values (the item page's lookups by code and id) can also be
prepared on PostgreSQL's side (`server_prepared`, config/postgresql): planned once per connection instead of on
every request. Each number of ids is a statement of its own: the item page's editions query has one per number of
sub-items, a handful (psycopg keeps the last 100 a connection prepared). The list's statements are not prepared: a
search's subquery needs a plan for its own term.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

MARKER = "__prepared_ids__"


@dataclass(frozen=True)
class Prepared:
    before: str  # the SQL up to the ids
    after: str
    params_before: tuple
    params_after: tuple
    converters: dict  # Django's {position: (functions, expression)}
    server_prepared: bool = False  # prepared on the server where the backend can (PostgreSQL)

    def run(self, alias: str, ids: Sequence | QuerySet) -> list[tuple]:
        """The rows for `ids`: pks, or a values("pk") queryset compiled as a subquery (or the one value of a query
        built with `field=marker`, such as the item page's code)."""
        if isinstance(ids, QuerySet):
            inner, inner_params = ids.query.get_compiler(alias).as_sql()
        else:
            inner, inner_params = ", ".join(["%s"] * len(ids)) or "NULL", tuple(ids)
        connection = connections[alias]
        on_server = self.server_prepared and hasattr(connection, "prepared_cursor")
        with connection.prepared_cursor() if on_server else connection.cursor() as cursor:
            cursor.execute(self.before + inner + self.after, (*self.params_before, *inner_params, *self.params_after))
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in self.converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted


def prepare(alias: str, build: Callable[[RawSQL], QuerySet], *, server_prepared: bool = False) -> Prepared:
    """`build(ids)` is the query, filtered by `pk__in=ids` (or `x_id__in=ids`) and evaluated as values_list."""
    queryset = build(RawSQL(MARKER, ()))
    compiler = queryset.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    before, after = sql.split(MARKER)
    split = before.count("%s")
    converters = compiler.get_converters([expression for expression, _sql, _alias in compiler.select])
    return Prepared(before, after, tuple(params[:split]), tuple(params[split:]), converters, server_prepared)
