"""python -m bench --items N [--db sqlite|postgres] [--json FILE]

Generates N items in a benchmark database (never the project's own), then measures
side by side: our official-layout export against django-import-export's and a bare
streaming write, our import against django-import-export's (new rows, changed
rows), and the public list and detail pages. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# BENCH_DATABASE: another name, for a run beside someone else's on the same server.
PG_NAME = os.getenv("BENCH_DATABASE", "shuozhou_bench")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="items to generate (main items and sub-items)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", default=None, help="write the figures to this JSON file")
    parser.add_argument("--requests", type=int, default=200, help="page requests for the latency figures")
    parser.add_argument("--reuse", action="store_true", help="keep the items of the last run of that size")
    parser.add_argument("--skip-imports", action="store_true", help="leave out the import figures (the slowest)")
    parser.add_argument(
        "--skip-library", action="store_true", help="measure our imports only, not django-import-export's (minutes)"
    )
    parser.add_argument(
        "--library-timeout",
        type=int,
        default=1800,
        help="stop each django-import-export import after this many seconds and record it as a lower bound",
    )
    parser.add_argument(
        "--parts",
        default="export,pages,imports",
        help="what to measure, comma-separated, in this order: export, pages, imports (empty: only generate)",
    )
    args = parser.parse_args()
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    if args.skip_imports:
        parts.discard("imports")
    if parts - {"export", "pages", "imports"}:
        parser.error(f"unknown parts: {', '.join(sorted(parts - {'export', 'pages', 'imports'}))}")

    OUT.mkdir(parents=True, exist_ok=True)
    url = _database(args.db)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    # Production settings, as a deployed server runs: no debug machinery, hashed static files.
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_STATIC_ROOT", str(OUT / "staticfiles"))  # not the project's: see settings
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
    os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
    # The page figures time rendering: with the page cache on, a repeated search would time a cache lookup
    # (bench.load measures the site with it).
    os.environ.setdefault("DJANGO_PUBLIC_PAGE_CACHE", "0")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import imports, pages
    from bench.generate import generate

    print(f"== 数据库 {args.db}：{url}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages link hashed static files
    if args.reuse and _generated() == args.items:
        imports.forget()  # an earlier run's imported items: the pages and the imports see exactly N
        print(f"== 沿用已生成的 {args.items} 个事项")
    else:
        call_command("flush", interactive=False, verbosity=0)
        call_command("loaddata", "shuozhou_2022", verbosity=0)
        started = time.perf_counter()
        generate(args.items, progress=lambda message: print(message, flush=True))
        print(f"== 生成 {args.items} 个事项用时 {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics and no dead rows from an earlier run's imports, as autovacuum keeps a database in use.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    figures: dict[str, float | int | str] = {"items": args.items, "db": args.db, "cpu_ref_ms_before": _cpu_ref()}
    for mode in ("official", "iie", "stream") if "export" in parts else ():
        result = _child("export", mode, url)
        print(f"  导出 {mode}: {result['seconds']:.2f} s, 内存峰值比基线高 {result['peak_mb']:.1f} MB")
        key = {"official": "export", "iie": "iexport", "stream": "stream_limit"}[mode]
        figures[f"{key}_s"] = round(result["seconds"], 3)
        figures[f"{key}_peak_mb"] = round(result["peak_mb"], 1)
    if "export" in parts:
        figures["export_peak_mb"] = figures.pop("export_peak_mb")
    if "pages" in parts:  # before the imports, which add their own items: the pages see exactly N
        figures.update(pages.measure(args.requests))
    if "imports" in parts:
        figures.update(
            imports.measure(
                args.items, progress=print, library_timeout=args.library_timeout, library=not args.skip_library
            )
        )

    figures["cpu_ref_ms_after"] = _cpu_ref()
    _table(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"已写入 {args.json}")


def _cpu_ref() -> float:
    """The box's speed at the time: ms for a fixed pure-Python loop (lower is faster), best of three.

    On this kind of machine it read from 40 to 71 ms within two hours (bench/RESULTS.md); the figure
    tells whether two runs' timings can be compared.
    """
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i * i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def _generated() -> int:
    from approvals.models import ApprovalItem

    return ApprovalItem.objects.filter(jurisdiction__code__regex=r"^bench-[0-9]").count()


def _database(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{OUT / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{PG_NAME}"')
    return PG_URL


def _child(task: str, mode: str, url: str) -> dict:
    """Run one export in a fresh process so that its memory high-water mark is its own."""
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "bench.child", task, mode], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _table(figures: dict) -> None:
    width = max(map(len, figures))
    print("\n" + "\n".join(f"{key:<{width}}  {value}" for key, value in figures.items()))
    ratios = {
        "export vs django-import-export": _ratio(figures, "iexport_s", "export_s"),
        "export vs streaming limit": _ratio(figures, "export_s", "stream_limit_s"),
        "import new vs django-import-export": _ratio(figures, "iimport_new_s", "import_new_s"),
        "import update vs django-import-export": _ratio(figures, "iimport_update_s", "import_update_s"),
        "import new vs read limit": _ratio(figures, "import_new_s", "read_limit_s"),
    }
    print("\n" + "\n".join(f"{name}: {value}" for name, value in ratios.items()))


def _ratio(figures: dict, numerator: str, denominator: str) -> str:
    if not figures.get(denominator) or numerator not in figures:
        return "—"
    at_least = "≥ " if figures.get(f"{numerator.removesuffix('_s')}_stopped") else ""
    return f"{at_least}{figures[numerator] / figures[denominator]:.2f}×"


if __name__ == "__main__":
    main()
