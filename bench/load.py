"""python -m bench.load [--seconds 60] [--workers 4] [--clients 16]

Serves the app under gunicorn with production settings (DEBUG off) on the benchmark's
PostgreSQL database, then drives the public list, search and detail pages from a
bounded pool of client threads on loopback for the given time, and prints the
throughput, the latency percentiles and the errors (any status other than 200).
Run `python -m bench --db postgres` first: it fills the database.
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

from bench.__main__ import PG_URL

ROOT = Path(__file__).resolve().parent.parent
PORT = 8077
TERMS = ["许可", "审批", "备案", "危险货物", "建设工程", "人防工程竣工验收", "道路运输", "登记"]
TERMS += ["xuke", "wxhw", "危险货勿", "公章刻制"]  # pinyin, a near miss, nothing near (issue 20)


def _paths(codes: list[str], rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return "/?" + urllib.parse.urlencode({"jurisdiction": rng.choice(["bench-000", "bench-042", "all"])})
    if kind < 0.7:
        params = {"q": rng.choice(TERMS), "jurisdiction": rng.choice(["bench-000", "all"])}
        return "/?" + urllib.parse.urlencode(params)
    return f"/items/{urllib.parse.quote(rng.choice(codes))}/"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": PG_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_STATIC_ROOT": str(ROOT / "bench" / "out" / "staticfiles"),
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from approvals.models import ApprovalItem

    public = ApprovalItem.objects.filter(status="bureau", jurisdiction__code__regex=r"^bench-[0-9]")
    codes = list(public.values_list("code", flat=True)[:20000])
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_until_up()
        figures = _drive(codes, args.seconds, args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures.update({"seconds": args.seconds, "workers": args.workers, "clients": args.clients})
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _wait_until_up() -> None:
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _drive(codes: list[str], seconds: int, clients: int) -> dict:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while time.monotonic() < deadline:
            path = _paths(codes, rng)
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
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
    }


if __name__ == "__main__":
    main()
