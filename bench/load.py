"""python -m bench.load [--seconds 60] [--workers 4] [--clients 16]

Serves the app under gunicorn with production settings (DEBUG off) on the benchmark's
PostgreSQL database, then drives the public list, search and detail pages from a
bounded pool of client threads on loopback for the given time, and prints the
throughput, the latency percentiles and the errors (any status other than 200).
Run `python -m bench --db postgres` first: it fills the database.

Halfway through, this process renames one listed item through the service layer (approvals.services.item_update),
as a clerk would, then asks for the item's page and for a search of the new name until both show it:
`stale_after_change` counts the answers after the change had committed that did not show it (it must be 0),
`change_seen_ms` is the time from the commit to the first answer showing it on both. The name is put back at the
end. CACHE_URL, if set, is passed on to the server (the page cache in Redis instead of each worker's memory).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from bench.__main__ import PG_URL, _cpu_ref

ROOT = Path(__file__).resolve().parent.parent
PORT = 8077
TERMS = ["许可", "审批", "备案", "危险货物", "建设工程", "人防工程竣工验收", "道路运输", "登记"]
TERMS += ["xuke", "wxhw", "危险货勿", "公章刻制"]  # pinyin, a near miss, nothing near (issue 20)
RENAME_POOL = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"  # the new name: found by nothing else
RECHECKS = 20  # answers read again after the change was first seen, over new connections (other workers)


def _paths(codes: list[str], rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return "/?" + urllib.parse.urlencode({"jurisdiction": rng.choice(["bench-000", "bench-042", "all"])})
    if kind < 0.7:
        params = {"q": rng.choice(TERMS), "jurisdiction": rng.choice(["bench-000", "all"])}
        return "/?" + urllib.parse.urlencode(params)
    return f"/items/{urllib.parse.quote(rng.choice(codes))}/"


def server_environment() -> dict[str, str]:
    """The environment of a benchmarked server: production settings on the bench's database, plain HTTP on
    loopback, static files collected under bench/out. bench.load's gunicorn and bench.slowloris's use it."""
    return {
        **os.environ,
        "DATABASE_URL": PG_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": str(ROOT / "bench" / "out" / "staticfiles"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--json", default=None)
    parser.add_argument("--port", type=int, default=PORT, help="another port, beside another run")
    args = parser.parse_args()

    env = server_environment()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from approvals.models import ApprovalItem

    public = ApprovalItem.objects.filter(status="bureau", jurisdiction__code__regex=r"^bench-[0-9]")
    codes = list(public.values_list("code", flat=True)[:20000])
    cpu_before = _cpu_ref()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    renamed = ApprovalItem.objects.listed().filter(jurisdiction__code="bench-000").order_by("code").first()
    try:
        _wait_until_up(args.port)
        cpu_started = _server_cpu(server.pid)
        figures = _drive(codes, args.seconds, args.clients, args.port, renamed)
        # The CPU the server spent per answer: less noisy than the throughput on a box shared with other work.
        spent = _server_cpu(server.pid) - cpu_started
        figures["server_cpu_ms_per_request"] = round(spent * 1000 / max(1, figures["requests"]), 2)
    finally:
        server.terminate()
        server.wait(timeout=30)
        _rename(renamed.pk, renamed.name)  # as it was, for the next run
    figures.update({"seconds": args.seconds, "workers": args.workers, "clients": args.clients})
    figures.update({"cache": "redis" if env.get("CACHE_URL") else "local memory", "cpu_ref_ms_before": cpu_before})
    figures["cpu_ref_ms_after"] = _cpu_ref()
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _server_cpu(master: int) -> float:
    """Seconds of CPU (user and system) used so far by gunicorn's master and its workers (Linux /proc)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # a process that ended meanwhile
            continue
        if int(stat.parent.name) == master or int(fields[1]) == master:  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _rename(pk: int, name: str) -> None:
    """The clerk's change: the item's name, through the service that the admin's form calls."""
    from approvals import services
    from approvals.models import ApprovalItem

    item = ApprovalItem.objects.get(pk=pk)
    item.name = name
    services.item_update(item=item)


def _get(port: int, path: str) -> str:
    """One answer over a new connection: successive ones may reach different workers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.read().decode()


def _change_midway(item, port: int, start_at: float, figures: dict) -> None:
    """Rename `item` at `start_at`, then count the answers that do not show the new name (see the module)."""
    new_name = "负载测试更名" + "".join(random.choice(RENAME_POOL) for _ in range(6))
    page = f"/items/{urllib.parse.quote(item.code)}/"
    search = "/?" + urllib.parse.urlencode({"q": new_name, "jurisdiction": "all"})
    from django.db import connection

    # The old version's copies, now in the page cache.
    assert item.name in _get(port, page) and page not in _get(port, search), "the new name is already there"
    time.sleep(max(0.0, start_at - time.monotonic()))
    _rename(item.pk, new_name)
    connection.close()  # this thread's own
    committed = time.perf_counter()
    stale, seen_ms, checks, rechecks = 0, None, 0, 0
    while rechecks < RECHECKS and time.perf_counter() - committed < 60:
        shown = [new_name in _get(port, page), page in _get(port, search)]  # the item's name; a link to it
        stale += shown.count(False)
        checks += len(shown)
        if all(shown) and seen_ms is None:
            seen_ms = round((time.perf_counter() - committed) * 1000, 1)
        rechecks += seen_ms is not None
    figures.update({"stale_after_change": stale, "change_seen_ms": seen_ms, "change_checks": checks})


def get(connection: http.client.HTTPConnection, path: str) -> tuple[http.client.HTTPConnection, str]:
    """GET `path` on a kept-alive connection: the status, or the error's name ("timeout" for a timeout), with the
    connection to use next (a new one after an error). Shared by bench.load and bench.slowloris's clients."""
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return connection, str(response.status)
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        outcome = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
        return http.client.HTTPConnection(connection.host, connection.port, timeout=connection.timeout), outcome


def _drive(codes: list[str], seconds: int, clients: int, port: int, renamed) -> dict:
    deadline = time.monotonic() + seconds
    change: dict = {}
    watcher = threading.Thread(target=_change_midway, args=(renamed, port, deadline - seconds / 2, change))
    watcher.start()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            path = _paths(codes, rng)
            started = time.perf_counter()
            connection, status = get(connection, path)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != "200":
                    errors[status] = errors.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    watcher.join()
    latencies.sort()

    def at(fraction: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(fraction * len(latencies)))], 1)

    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        **change,
    }


if __name__ == "__main__":
    main()
