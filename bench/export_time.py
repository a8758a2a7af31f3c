"""python -m bench.export_time [--query 'jurisdiction=all&item_type=other&q=审批'] [--repeat 3]

How long one public export holds a worker: the views of /export.csv, /export.xlsx and the national list
called in this process on the benchmark's PostgreSQL database (BENCH_DATABASE), best of --repeat runs,
with the status, the main items the filter finds and the bytes written. The connection is read-only
(SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY): a database someone else measures stays as it is.
Run `python -m bench --db postgres` first, or point BENCH_DATABASE at a filled database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.parse

from bench.__main__ import OUT, PG_URL, _cpu_ref

NEAR_LIMIT = "jurisdiction=all&item_type=other&q=审批"  # issue 19: 8.3 s at 100,000 items


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export_time")
    parser.add_argument("--query", default=NEAR_LIMIT, help="the list's query string")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": PG_URL,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
            "DJANGO_ALLOWED_HOSTS": "testserver",
            # The refusal page links hashed static files: the manifest `python -m bench` collected.
            "DJANGO_STATIC_ROOT": str(OUT / "staticfiles"),
        }
    )
    import django

    django.setup()
    from django.db.backends.signals import connection_created

    def read_only(sender, connection, **kwargs) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    connection_created.connect(read_only)
    _without_missing_tables()
    from django.test import RequestFactory

    from public import views
    from public.filters import ItemFilter
    from public.selectors import jurisdiction_asked

    params = dict(urllib.parse.parse_qsl(args.query))
    jurisdiction, _unknown = jurisdiction_asked(params.get("jurisdiction", ""))
    request = RequestFactory().get("/export.csv", params)
    found = ItemFilter(request.GET, jurisdiction=jurisdiction).qs.count()
    figures: dict = {"query": args.query, "main_items": found, "cpu_ref_ms_before": _cpu_ref()}
    cases = [
        ("list_csv", views.export_list, "csv"),
        ("list_xlsx", views.export_list, "xlsx"),
        ("national_csv", views.export_national, "csv"),
    ]
    for name, view, fmt in cases:
        best, status, size = float("inf"), 0, 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = view(RequestFactory().get(f"/export.{fmt}", params), fmt=fmt)
            size = sum(len(chunk) for chunk in response) if response.streaming else len(response.content)
            best = min(best, time.perf_counter() - started)
            status = response.status_code
        figures[name] = {"status": status, "seconds": round(best, 3), "bytes": size}
    figures["cpu_ref_ms_after"] = _cpu_ref()
    print(json.dumps(figures, ensure_ascii=False, indent=1))


def _without_missing_tables() -> None:
    """A read-only database migrated before the register's version existed (approvals 0016) cannot be
    migrated here: the version, which only keys caches, then reads as none. It does not change an export."""
    from django.db import connection

    from approvals import register_version

    if "approvals_registerversion" not in connection.introspection.table_names():
        register_version.current = lambda using="default": register_version.NONE
        print("（基准数据库没有 approvals_registerversion 表：按无版本计）", file=sys.stderr)


if __name__ == "__main__":
    main()
