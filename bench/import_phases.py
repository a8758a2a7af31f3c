"""python -m bench.import_phases [--rows-for-costs 20000]

Where the official import's time goes (issue 19 §5), on the benchmark's PostgreSQL database: the workbook
`python -m bench --parts imports` imports (every row of the bench edition, 92,033 rows at 100,000 items) is read
bare once (`read_limit_s`), then imported into a new jurisdiction inside a transaction that is rolled back, so the
database is left as it was. Prints each step as the import reports it with its wall time, the time of each COPY
(table, rows), the deferred foreign-key checks (`SET CONSTRAINTS ALL IMMEDIATE`) and the CPU of this process.

Then, also rolled back, what one main item's row costs PostgreSQL: `--rows-for-costs` existing main rows inserted
again under new ids and codes, with everything, without the search index (approvals_item_search_bigrams), and
without it and the search-text trigger; and approvals_bigrams alone over their search texts.
Run `python -m bench --db postgres --items 100000 --parts ""` first: it fills the database.
"""

from __future__ import annotations

import argparse
import os
import time


class _RolledBack(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_phases")
    parser.add_argument("--rows-for-costs", type=int, default=20000, help="main rows for the per-row costs (0: none)")
    args = parser.parse_args()

    from bench.load import server_environment

    os.environ.update(server_environment())
    import django

    django.setup()
    from django.db import connection, transaction

    from approvals import bulk_write
    from bench import imports
    from bench.__main__ import _cpu_ref
    from catalog.imports.official import import_official

    print(f"cpu_ref_ms {_cpu_ref()}")
    imports.forget()
    path = imports._workbook("import-new.xlsx", imports._rows())
    print(f"read_limit_s {imports.read_limit(path):.2f}")

    # Each COPY timed where approvals.bulk_write makes it: the import's one way of writing rows to PostgreSQL.
    copies: list[tuple[str, int, float]] = []
    copy = bulk_write._copy

    def timed_copy(model, fields, rows) -> None:
        counted = [0]

        def counting():
            for row in rows:
                counted[0] += 1
                yield row

        started = time.perf_counter()
        copy(model, fields, counting())
        copies.append((model._meta.db_table, counted[0], time.perf_counter() - started))

    bulk_write._copy = timed_copy
    started = last = time.perf_counter()
    cpu_started = time.process_time()

    def say(message: str) -> None:
        nonlocal last
        now = time.perf_counter()
        print(f"{now - started:7.2f} s (+{now - last:5.2f}) {message}", flush=True)
        last = now

    try:
        with transaction.atomic():
            place = imports._place("bench-new", "BNW")
            report = import_official(path, slug="bench-import", jurisdiction=place, progress=say)
            say(f"导入完成：新建 {len(report.added)} 项")
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            say("外键检查（提交时的延迟约束）")
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        bulk_write._copy = copy
    print(f"import_s {time.perf_counter() - started:.2f}  cpu_s {time.process_time() - cpu_started:.2f}")
    for table, rows, seconds in copies:
        print(f"COPY {table:40} {rows:7d} rows {seconds:6.2f} s")
    if args.rows_for_costs:
        _row_costs(args.rows_for_costs)


def _row_costs(n: int) -> None:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position) FROM information_schema.columns"
            " WHERE table_name = 'approvals_approvalitem' AND column_name NOT IN ('id', 'code')"
        )
        columns = cursor.fetchone()[0]
    again = (
        f"INSERT INTO approvals_approvalitem (id, code, {columns}) SELECT id + 1000000000, code || '·again', {columns}"
        f" FROM approvals_approvalitem WHERE parent_id IS NULL ORDER BY id LIMIT {n}"
    )
    variants = {
        "everything": [],
        "without the search index": ["DROP INDEX approvals_item_search_bigrams"],
        "without the index and the search-text trigger": [
            "DROP INDEX approvals_item_search_bigrams",
            "ALTER TABLE approvals_approvalitem DISABLE TRIGGER approvals_item_search_row",
        ],
    }
    for label, before in variants.items():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in before:
                    cursor.execute(statement)
                started = time.perf_counter()
                cursor.execute(again)
                print(f"{n} main rows inserted, {label}: {time.perf_counter() - started:.2f} s")
                raise _RolledBack
        except _RolledBack:
            pass
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "SELECT count(approvals_bigrams(search_text)) FROM (SELECT search_text FROM approvals_approvalitem"
            f" WHERE parent_id IS NULL ORDER BY id LIMIT {n}) texts"
        )
        print(f"approvals_bigrams over {n} main rows' search texts: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
