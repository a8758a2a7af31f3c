"""gunicorn's settings in production: sync workers behind nginx (deploy/nginx/shuozhou.conf). See README, Production.

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi

A sync worker serves one request at a time and waits on its client while it reads the request and writes the
response. Behind nginx it never waits on a client: nginx reads the whole request first (the headers within
client_header_timeout, the body within client_body_timeout) and buffers the response, so a worker only ever
sees complete requests on a local socket and hands its answer over at memory speed. Slow or abusive clients
then cost nginx a few kilobytes each, not a worker (bench/slowloris.py measures both recipes).
"""

import multiprocessing
import os

# A unix socket only nginx reaches (its group, see umask): nothing else can talk to the workers directly.
# bench/slowloris.py sets GUNICORN_BIND to a socket of its own.
bind = os.getenv("GUNICORN_BIND", "unix:/run/shuozhou/gunicorn.sock")
umask = 0o007
worker_class = "sync"
# The usual 2 × cores + 1: a request waits on PostgreSQL about as long as it computes.
workers = int(os.getenv("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
# A request running longer than this is stopped (its worker is killed and replaced). The longest legitimate
# requests, the exports written online, stop at EXPORT_LIST_MAX_ROWS / EXPORT_ONLINE_MAX_ROWS rows (1–2 s);
# larger files are prepared by the worker (manage.py run_huey) and served from disk.
timeout = int(os.getenv("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# A fresh process now and then: memory a long-lived worker gathers (caches, fragmentation) is given back.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file on tmpfs: a worker writing it on a busy disk would look hung to the arbiter.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.getenv("GUNICORN_ACCESS_LOG", "-") or None  # empty: none (the bench)
errorlog = "-"
loglevel = os.getenv("GUNICORN_LOG_LEVEL", "info")
