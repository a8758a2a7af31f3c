"""python -m bench.slowloris [--slow 200] [--seconds 30] [--workers 4] [--clients 4] [--json FILE]

The production recipe under slow and abusive clients, on loopback with real sockets (issue 19). Two set-ups
on the benchmark's PostgreSQL database (BENCH_DATABASE), one after the other:

- recipe: deploy/nginx/shuozhou.conf in front of gunicorn run with deploy/gunicorn.conf.py on a unix socket,
  as README's Production section installs them (only the listen, ssl_, socket and static lines differ);
- gunicorn_alone: the old recipe, `gunicorn config.wsgi --workers 4 --bind 127.0.0.1:…` exposed directly.

In each, normal clients fetch `/`, a search and an item page in turn: first on a quiet server, then while
--slow sockets send their request headers one byte every --interval seconds (reconnecting when the server
closes them, from 200 addresses of 127.0.1.0/24), then while eight clients (eight addresses) ask at once for
the export --export-query. It prints, for each phase, the requests served (200), the errors (other statuses,
timeouts, refused connections) and the latency p50/p95 of every request, errors included at the time they
took. Run `python -m bench --db postgres` first: it fills the database. Needs /usr/sbin/nginx.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.__main__ import OUT, _cpu_ref
from bench.load import get, server_environment
from bench.slow_clients import SlowClients

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "shuozhou.conf"
NGINX_PORT, GUNICORN_PORT = 8078, 8079
EXPORT_QUERY = "jurisdiction=all&item_type=other&q=审批"  # issue 19's near-limit export


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.slowloris")
    parser.add_argument("--slow", type=int, default=200, help="slow-header connections held open")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two bytes of a slow header")
    parser.add_argument("--seconds", type=int, default=30, help="how long the normal clients run under attack")
    parser.add_argument("--quiet-seconds", type=int, default=10, help="the same, before the attack")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes, in both set-ups")
    parser.add_argument("--clients", type=int, default=4, help="normal client threads")
    parser.add_argument("--timeout", type=float, default=10.0, help="a normal client gives up after this")
    parser.add_argument("--exports", type=int, default=8, help="exports asked for at once")
    parser.add_argument("--export-query", default=EXPORT_QUERY)
    parser.add_argument(
        "--alone-export-limit",
        type=int,
        default=None,
        help="EXPORT_LIST_MAX_ROWS for gunicorn_alone only (10000: the limit before issue 19)",
    )
    parser.add_argument("--only", choices=["recipe", "gunicorn_alone"], default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if not Path(NGINX).exists():
        print(f"没有找到 nginx（{NGINX}）：本基准要运行生产配置，请先安装：apt-get install -y nginx", file=sys.stderr)
        raise SystemExit(2)

    env = server_environment()
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):  # the bench's own database
        subprocess.run([sys.executable, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True)
    paths = _paths(env)
    figures: dict = {"cpu_ref_ms_before": _cpu_ref(), "slow": args.slow, "interval_s": args.interval}
    figures.update({"workers": args.workers, "clients": args.clients, "export_query": args.export_query})
    figures["alone_export_limit"] = args.alone_export_limit
    if args.only in (None, "recipe"):
        with tempfile.TemporaryDirectory(prefix="shuozhou-slowloris-") as tmp:
            with _recipe(Path(tmp), env, args.workers):
                figures["recipe"] = _phases(NGINX_PORT, paths, args)
    if args.only in (None, "gunicorn_alone"):
        limit = {"EXPORT_LIST_MAX_ROWS": str(args.alone_export_limit)} if args.alone_export_limit else {}
        with _gunicorn_alone({**env, **limit}, args.workers):
            figures["gunicorn_alone"] = _phases(GUNICORN_PORT, paths, args)
    figures["cpu_ref_ms_after"] = _cpu_ref()
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)  # as bench/pages.py, which imports the models and so cannot be imported first
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _paths(env: dict[str, str]) -> list[str]:
    """The normal clients' requests, in turn: the list, a search across all jurisdictions, an item page."""
    os.environ.update(env)
    import django

    django.setup()
    from approvals.models import ApprovalItem

    public = ApprovalItem.objects.filter(status="bureau", parent=None, jurisdiction__code__regex=r"^bench-[0-9]")
    codes = list(public.values_list("code", flat=True)[:2000])
    if not codes:
        raise SystemExit("基准数据库里没有生成的事项：请先运行 python -m bench --db postgres")
    rng = random.Random(19)
    paths = []
    for index in range(300):
        paths.append("/")
        term = ["许可", "审批", "危险货物"][index % 3]
        paths.append("/?" + urllib.parse.urlencode({"q": term, "jurisdiction": "all"}))
        paths.append(f"/items/{urllib.parse.quote(rng.choice(codes))}/")
    return paths


# -- the two set-ups --------------------------------------------------------------------------------------


class _Servers:
    """Processes started for one set-up, stopped (by their own id) on leaving."""

    def __init__(self, processes: list[subprocess.Popen], port: int):
        self.processes, self.port = processes, port

    def __enter__(self) -> _Servers:
        try:
            _wait_until_up(self.port)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _recipe(tmp: Path, env: dict[str, str], workers: int) -> _Servers:
    socket_path = tmp / "gunicorn.sock"
    gunicorn_env = {
        **env,
        "DJANGO_BEHIND_PROXY": "1",
        "DJANGO_PROXY_COUNT": "1",
        "GUNICORN_BIND": f"unix:{socket_path}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "config.wsgi"]
    gunicorn = subprocess.Popen(command, cwd=ROOT, env=gunicorn_env)
    for _ in range(100):
        if socket_path.exists():
            break
        time.sleep(0.1)
    site = _render(
        SITE.read_text(encoding="utf-8"),
        {
            "listen 443 ssl http2;": f"listen 127.0.0.1:{NGINX_PORT};",
            "listen [::]:443 ssl http2;": "",
            "unix:/run/shuozhou/gunicorn.sock": f"unix:{socket_path}",
            "/srv/shuozhou/staticfiles/": f"{OUT / 'staticfiles'}/",
        },
    )
    (tmp / "shuozhou.conf").write_text(site, encoding="utf-8")
    (tmp / "nginx.conf").write_text(_nginx_main(tmp), encoding="utf-8")
    nginx_command = [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
    checked = subprocess.run([*nginx_command, "-t", "-q"], capture_output=True, text=True)
    if checked.returncode != 0:
        gunicorn.terminate()
        raise SystemExit(f"nginx 配置检查失败：\n{checked.stderr}")
    return _Servers([gunicorn, subprocess.Popen(nginx_command)], NGINX_PORT)


def _render(site: str, replacements: dict[str, str]) -> str:
    """deploy/nginx/shuozhou.conf for loopback: the given strings replaced, the ssl_ lines left out.

    Each string must be there: a change to the deploy file that this does not follow stops the bench
    instead of measuring something else."""
    for old, new in replacements.items():
        if old not in site:
            raise SystemExit(f"deploy/nginx/shuozhou.conf 中找不到“{old}”：请同步更新 bench/slowloris.py")
        site = site.replace(old, new)
    return "\n".join(line for line in site.splitlines() if not line.strip().startswith("ssl_")) + "\n"


def _nginx_main(tmp: Path) -> str:
    """The top of nginx.conf that Debian's package provides, with every path in `tmp` and no daemon."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in kinds)
    return f"""{user}
daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp_paths}
    include {tmp / "shuozhou.conf"};
}}
"""


def _gunicorn_alone(env: dict[str, str], workers: int) -> _Servers:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{GUNICORN_PORT}", "--log-level", "warning"]
    return _Servers([subprocess.Popen(command, cwd=ROOT, env=env)], GUNICORN_PORT)


def _wait_until_up(port: int) -> None:
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"端口 {port} 上的服务没有启动")


# -- the phases -------------------------------------------------------------------------------------------


def _phases(port: int, paths: list[str], args: argparse.Namespace) -> dict:
    figures = {"quiet": _drive(port, paths, args.clients, args.timeout, _for(args.quiet_seconds))}
    with SlowClients(port, args.slow, args.interval) as slow:
        time.sleep(min(5.0, args.interval * 2))  # every slow socket connected and a byte or two sent
        figures["slow_headers"] = _drive(port, paths, args.clients, args.timeout, _for(args.seconds))
        figures["slow_headers"].update(slow.counts())
    time.sleep(2)
    figures["exports"] = _exports(port, paths, args)
    return figures


def _for(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def _drive(port: int, paths: list[str], clients: int, timeout: float, done: Callable[[], bool]) -> dict:
    """Normal clients from 127.0.0.1 until `done()`: one request at a time each, a fresh connection after an error."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    started_at = time.monotonic()

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        index = offset
        while not done():
            path = paths[index % len(paths)]
            index += clients
            started = time.perf_counter()
            connection, outcome = get(connection, path)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client, args=(offset,)) for offset in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    served = outcomes.pop("200", 0)
    return {
        "seconds": round(time.monotonic() - started_at, 1),
        "requests": len(latencies),
        "served": served,
        "errors": sum(outcomes.values()),
        "error_kinds": dict(outcomes),
        "p50_ms": round(percentile(latencies, 0.5), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
    }


def _exports(port: int, paths: list[str], args: argparse.Namespace) -> dict:
    """--exports clients from as many addresses (127.0.2.x) ask for the export at once, while the normal
    clients go on; the figures of both until the last export has its answer."""
    outcomes: Counter[str] = Counter()
    seconds: list[float] = []
    lock = threading.Lock()

    def export(number: int) -> None:
        source = (f"127.0.2.{number + 1}", 0)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=source)
        started = time.perf_counter()
        try:
            connection.request("GET", f"/export.csv?{urllib.parse.quote(args.export_query, safe='=&')}")
            response = connection.getresponse()
            body = response.read()
            kind = response.headers.get("Content-Type", "").split(";")[0]
            outcome = f"{response.status} {kind} {len(body)} B"
        except (OSError, http.client.HTTPException) as error:
            outcome = type(error).__name__
        with lock:
            outcomes[outcome] += 1
            seconds.append(time.perf_counter() - started)

    threads = [threading.Thread(target=export, args=(number,)) for number in range(args.exports)]
    for thread in threads:
        thread.start()
    others = _drive(port, paths, args.clients, args.timeout, lambda: not any(t.is_alive() for t in threads))
    return {
        "export_answers": dict(outcomes),
        "export_seconds_max": round(max(seconds), 2),
        "export_seconds_min": round(min(seconds), 2),
        "others": others,
    }


if __name__ == "__main__":
    main()
