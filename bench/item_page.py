"""python -m bench.item_page [--renders 200] [--profile FILE]

The CPU an item page costs when it is rendered (the page cache off, production settings), on the benchmark's
PostgreSQL database: the pages bench.load asks for (its 20,000 codes), a random sample of them, each asked for
once through Django's test client, the middleware included. Prints the CPU per page (`time.process_time`: what
the other users of the box disturb least), the wall time, the queries per page and the box's `cpu_ref_ms`.
`--profile FILE` writes a cProfile of the renders (read it with `python -m pstats FILE`).
Run `python -m bench --db postgres --items 100000 --parts ""` first: it fills the database.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import statistics
import time

from bench.__main__ import _cpu_ref
from bench.load import server_environment


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.item_page")
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of renders (the best round's figures count)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--profile", default=None, help="write a cProfile of one round to this file")
    args = parser.parse_args()

    # A benchmarked server's production settings (bench.load), served to the test client in this process, each page
    # rendered as a first visit is.
    os.environ.update({**server_environment(), "DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_PUBLIC_PAGE_CACHE": "0"})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from approvals.models import ApprovalItem

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages link hashed static files
    # The codes bench.load draws its item pages from.
    public = ApprovalItem.objects.filter(status="bureau", jurisdiction__code__regex=r"^bench-[0-9]")
    codes = list(public.values_list("code", flat=True)[:20000])
    client = Client()
    for code in codes[:20]:  # a running server's warm caches: templates, URL resolver, prepared SQL, the version's
        assert client.get(f"/items/{code}/").status_code == 200
    cpu_ref_before = _cpu_ref()
    rounds = []
    for number in range(args.rounds):
        sample = random.Random(args.seed + number).sample(codes, args.renders)
        profiler = cProfile.Profile(time.process_time) if args.profile and number == 0 else None
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        per_page = []
        if profiler:
            profiler.enable()
        for code in sample:
            started = time.process_time()
            assert client.get(f"/items/{code}/").status_code == 200
            per_page.append((time.process_time() - started) * 1000)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        cpu = (time.process_time() - cpu_started) * 1000 / args.renders
        wall = (time.perf_counter() - wall_started) * 1000 / args.renders
        rounds.append((cpu, wall, statistics.median(per_page), profiler is not None))
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/items/{codes[0]}/")
    unprofiled = [one for one in rounds if not one[3]] or rounds
    cpu, wall, median, _profiled = min(unprofiled)
    print(f"item_page_cpu_ms        {cpu:.2f}  (mean of {args.renders} renders, best of {len(unprofiled)} rounds)")
    print(f"item_page_cpu_median_ms {median:.2f}")
    print(f"item_page_wall_ms       {wall:.2f}")
    print(f"item_page_queries       {len(captured)}")
    print(f"cpu_ref_ms              {cpu_ref_before} → {_cpu_ref()}")
    print("rounds (cpu, wall ms):  " + ", ".join(f"{c:.2f}/{w:.2f}" for c, w, _m, _p in rounds))


if __name__ == "__main__":
    main()
