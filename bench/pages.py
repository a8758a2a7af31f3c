"""Page figures: server-side time of the public list and detail pages through the Django test client."""

from __future__ import annotations

import random
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalItem, Department

TERMS = ["许可", "审批", "备案", "核发", "危险货物", "建设工程", "人防工程竣工验收", "道路运输", "变更", "登记"]
# As citizens also type them (issue 20): pinyin in full and by initials, near misses that find nothing and
# ask "您是不是要找", a term nothing is near, and a synonym the migration seeds.
TERMS += ["xuke", "weixianhuowu", "wxhw", "rfgcjgys", "危险货勿", "人防工成竣工验收", "道路运数", "公章刻制", "环评"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _queries(rng: random.Random, count: int) -> list[dict]:
    """A mix of what citizens do: searches (2-character terms included), filters, pages, in one place or all."""
    places = ["bench-000", "bench-042", "all"]
    # Departments with items: the filter offers no other (the API answers 400 to an empty one, such as the bureau).
    departments = Department.objects.filter(jurisdiction__code="bench-000", items__isnull=False).distinct()
    slugs = sorted(departments.values_list("slug", flat=True))
    mix = []
    for index in range(count):
        params = {"jurisdiction": places[index % len(places)]}
        kind = index % 5
        if kind in (0, 1, 2):
            params["q"] = rng.choice(TERMS)
        if kind == 1:
            params["section"] = rng.choice(["transferred", "returned"])
        if kind == 3:
            params["item_type"] = "licensing"
            params["batch"] = rng.choice(["first", "second"])
        if kind == 4 and params["jurisdiction"] == "bench-000":
            params["department"] = rng.choice(slugs)
        if index % 7 == 0:
            params["page"] = "3"
        mix.append(params)
    return mix


def measure(requests: int) -> dict:
    rng = random.Random(7)
    client = Client()
    for place in ("bench-000", "bench-042", "all"):  # warm the caches a running server has warm
        client.get("/", {"jurisdiction": place})
    timings, queries, by_term, api_timings = [], [], {}, []
    for params in _queries(rng, requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/", params)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, params
        timings.append(elapsed)
        queries.append(len(captured))
        if "q" in params:
            by_term.setdefault(params["q"], []).append(elapsed)
        # The API's list of the same search and the same rows (the page shows 20, the API's default is 50): the
        # same filterset, paging and row loader, serialised as JSON.
        started = time.perf_counter()
        response = client.get("/api/items/", {**params, "page_size": "20"})
        api_timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, params
    public = ApprovalItem.objects.filter(jurisdiction__code__regex=r"^bench-[0-9]", status="bureau")
    codes = list(public.values_list("code", flat=True)[:5000])
    details = []
    for code in rng.sample(codes, min(len(codes), max(50, requests // 2))):
        started = time.perf_counter()
        assert client.get(f"/items/{code}/").status_code == 200
        details.append((time.perf_counter() - started) * 1000)
    # The counties' claims, all of them on one page (approvals/alignment.py: a few queries for any number).
    alignment, alignment_queries = [], []
    for _one in range(20):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            assert client.get("/alignment/").status_code == 200
            alignment.append((time.perf_counter() - started) * 1000)
        alignment_queries.append(len(captured))
    figures = {
        "alignment_p95_ms": round(percentile(alignment, 0.95), 1),
        "alignment_queries": max(alignment_queries),
        "list_p50_ms": round(percentile(timings, 0.5), 1),
        "list_p95_ms": round(percentile(timings, 0.95), 1),
        "list_queries": max(queries),
        "api_list_p95_ms": round(percentile(api_timings, 0.95), 1),
        "detail_p95_ms": round(percentile(details, 0.95), 1),
    }
    for term, values in sorted(by_term.items()):
        figures[f"search_p95_ms[{term}]"] = round(percentile(values, 0.95), 1)
    return figures
