"""One export in its own process: prints {"seconds", "peak_mb"} (peak RSS over the baseline after set-up)."""

import json
import sys
import tempfile
import threading
import time
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(task: str, mode: str) -> None:
    import django

    django.setup()
    from django.db import connection

    from bench import iie
    from catalog.exports.xlsx import write_xlsx
    from catalog.models import Edition
    from catalog.tables import edition_table

    edition = Edition.objects.get(slug="bench")
    connection.ensure_connection()
    import xlsxwriter  # noqa: F401  (loaded before the baseline, as in a running server)

    baseline = rss_mb()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:  # the resident set, every 5 ms, while the export runs
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = Path(tempfile.mkdtemp()) / f"{mode}.xlsx"
    started = time.perf_counter()
    if mode == "official":
        write_xlsx(edition_table(edition), out)
    elif mode == "stream":
        iie.stream_limit(edition, out)
    else:
        iie.export_xlsx(out)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    size = out.stat().st_size
    out.unlink()
    print(json.dumps({"seconds": seconds, "peak_mb": max(0.0, peak[0] - baseline), "bytes": size}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
