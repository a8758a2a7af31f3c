"""Public pages: thin views over catalog/selectors.py, catalog/filters.py and the exports."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from approvals.alignment import CATEGORIES as ALIGNMENT_CATEGORIES
from approvals.alignment import alignment_report
from approvals.models import ApprovalItem, Department, ItemStatus, Jurisdiction
from catalog import downloads
from catalog.adjustments import editions_diff, write_adjustment_xlsx
from approvals.effective import upcoming_text
from catalog.exports import formats
from catalog.models import Edition
from catalog.tables import Row, Section, Table, item_rows
from public import selectors, stats
from public.filters import ItemFilter, options_html
from public.listing import catalogue_page
from public.paging import EXACT_UP_TO

PER_PAGE = 20
MAX_PER_PAGE = 100


def _jurisdiction(request: HttpRequest) -> tuple[Jurisdiction | None, bool]:
    return selectors.jurisdiction_asked(request.GET.get("jurisdiction", ""))


def _per_page(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("per_page", PER_PAGE)), 10), MAX_PER_PAGE)
    except ValueError:
        return PER_PAGE


def _filtered(request: HttpRequest) -> tuple[ItemFilter, Jurisdiction | None, bool]:
    jurisdiction, unknown = _jurisdiction(request)
    items = selectors.public_items(jurisdiction)
    return ItemFilter(request.GET or None, queryset=items, jurisdiction=jurisdiction), jurisdiction, unknown


def _without(request: HttpRequest, name: str) -> str:
    query = request.GET.copy()
    query.pop(name, None)
    query.pop("page", None)
    return query.urlencode()


def index(request: HttpRequest) -> HttpResponse:
    filterset, jurisdiction, unknown_place = _filtered(request)
    chips = filterset.active()
    summary = selectors.summary(jurisdiction)

    page = catalogue_page(request.GET, filterset, summary, _per_page(request), filtered=bool(chips))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "jurisdiction": jurisdiction,
        "summary": summary,
        "filter": filterset,
        "page": page,
        "rows": page.items,
        "chips": [(label, value, _without(request, name)) for name, label, value in chips],
        "ignored": filterset.ignored() + ([_("辖区")] if unknown_place else []),
        "query": query.urlencode(),
        "jurisdiction_options": options_html(
            tuple(selectors.filter_choices(jurisdiction)["jurisdictions"]),
            frozenset([jurisdiction.code if jurisdiction else selectors.ALL]),
        ),
        "all_jurisdictions": selectors.ALL,
        "exact_up_to": EXACT_UP_TO,
    }
    return render(request, "public/index.html", context)


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.item_detail(code)
    if item is None:
        raise Http404(_("没有这个事项。"))
    transfers = list(item.transfers.all())
    context = {
        "item": item,
    # The status shown is the one in force: the event that explains it is the last one no longer waiting.
    in_force = [transfer for transfer in transfers if not transfer.pending]
    waiting = next((transfer for transfer in transfers if transfer.pending), None)
        "transfers": transfers,
        "last": in_force[-1] if in_force else None,
        "waiting": waiting,
        "upcoming": upcoming_text(waiting.kind, waiting.effective_on) if waiting else "",
        "editions": selectors.editions_listing(item),
    }
    return render(request, "public/item.html", context)


def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.with_item_counts().select_related("jurisdiction").order_by("jurisdiction__position"),
        slug=slug,
    )
    mains = selectors.public_items(department.jurisdiction).filter(department_links__department=department)
    at_bureau = selectors.attach_rows(list(mains.filter(status=ItemStatus.BUREAU).order_by("code")[:500]))
    itself = selectors.attach_rows(list(mains.filter(status=ItemStatus.RETURNED).order_by("code")[:500]))
    return render(
        request, "public/department.html", {"department": department, "at_bureau": at_bureau, "itself": itself}
    )


def edition_list(request: HttpRequest) -> HttpResponse:
    editions = selectors.editions_newest_first()
    return render(request, "public/editions.html", {"editions": editions})


def _published(slug: str) -> Edition:
    return get_object_or_404(Edition.objects.published().select_related("document", "jurisdiction"), slug=slug)


def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    edition = _published(slug)
    entries = edition.entries.select_related("item").order_by("section", "row")
    page = Paginator(entries, 200).get_page(request.GET.get("page"))
    return render(request, "public/edition.html", {"edition": edition, "page": page})


def edition_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The file from disk; written now if small, else the page says it is being prepared (503)."""
    edition = _published(slug)
    path = downloads.prepared(edition, fmt)
    if path is None and downloads.writable_online(edition):
        path = downloads.prepare(edition, fmt)
    if path is None:
        context = {"edition": edition, "rows": edition.entries.count(), "fmt": fmt}
        response = render(request, "public/download_pending.html", context, status=503)
        response["Retry-After"] = "600"
        return response
    content_type = formats()[fmt][1]
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{edition.slug}.{fmt}", content_type=content_type
    )


def edition_adjustment(request: HttpRequest, slug: str) -> HttpResponse:
    edition = _published(slug)
    previous = edition.previous()
    if previous is None:
        raise Http404(_("这是该辖区的第一个目录版本，没有可比较的上一版本。"))
    adjustment = editions_diff(previous, edition)
    if request.GET.get("format") == "xlsx":
        return _spooled(
            lambda out: write_adjustment_xlsx(adjustment, out),
            "xlsx",
            f"adjustment-{previous.slug}-{edition.slug}.xlsx",
        )
    return render(request, "public/adjustment.html", {"adjustment": adjustment})


def alignment_list(request: HttpRequest) -> HttpResponse:
    counties = Jurisdiction.objects.filter(parent__isnull=False).select_related("parent").order_by("position")
    reports = [(county, alignment_report(county).counts()) for county in counties]
    return render(request, "public/alignment_list.html", {"reports": reports, "categories": ALIGNMENT_CATEGORIES})


def alignment_detail(request: HttpRequest, code: str) -> HttpResponse:
    county = get_object_or_404(Jurisdiction.objects.filter(parent__isnull=False).select_related("parent"), code=code)
    report = alignment_report(county)
    counts = [(ALIGNMENT_CATEGORIES[c], n) for c, n in report.counts().items()]
    return render(request, "public/alignment.html", {"county": county, "report": report, "counts": counts})


def stats_page(request: HttpRequest) -> HttpResponse:
    jurisdiction, _unknown = _jurisdiction(request)
    return render(request, "public/stats.html", {"jurisdiction": jurisdiction, "charts": stats.charts(jurisdiction)})


def export_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list exactly as filtered on the catalogue page, in the official layout.

    Up to EXPORT_ONLINE_MAX_ROWS main items: larger lists would hold the request for seconds, and
    the page says how to get them (narrower filters, the published editions, the command).
    """
    filterset, jurisdiction, _unknown = _filtered(request)
    limit = settings.EXPORT_ONLINE_MAX_ROWS
    if filterset.qs.order_by().values("pk")[: limit + 1].count() > limit:
        query = request.GET.copy()
        context = {"limit": limit, "fmt": fmt, "query": query.urlencode(), "jurisdiction": jurisdiction}
        return render(request, "public/export_too_large.html", context)
    title = _("%(place)s行政审批事项划转目录（筛选结果）") % {
        "place": jurisdiction.name if jurisdiction else _("全部辖区")
    }
    items = filterset.qs
    table = Table(
        title=title,
        sections=[
            Section(
                1, _("（一）划转至审批服务管理局实施的行政审批事项"), _rows(items.filter(status=ItemStatus.BUREAU), 1)
            ),
            Section(
                2, _("（二）调整回原行业主管部门实施的行政审批事项"), _rows(items.filter(status=ItemStatus.RETURNED), 2)
            ),
        ],
    )
    return _file(table, fmt, f"catalogue.{fmt}")


def _rows(items, section: int):
    """The rows of the filtered items, 500 main items at a time, numbered as on the page."""
    count = 0
    chunk: list[ApprovalItem] = []
    for item in items.iterator(chunk_size=500):
        chunk.append(item)
        if len(chunk) == 500:
            yield from _chunk_rows(chunk, section, count)
            count += len(chunk)
            chunk = []
    yield from _chunk_rows(chunk, section, count)


def _chunk_rows(chunk: list[ApprovalItem], section: int, before: int) -> list[Row]:
    rows = []
    for offset, item in enumerate(selectors.attach_rows(chunk), start=1):
        number = item.number or before + offset
        rows.extend(item_rows(item, number, section=section, remarks="退回" if section == 2 else None))
    return rows


def _file(table: Table, fmt: str, filename: str) -> FileResponse:
    writer, _content_type = formats()[fmt]
    return _spooled(lambda out: writer(table, out), fmt, filename)


def _spooled(write, fmt: str, filename: str) -> FileResponse:
    """Write into a temporary file (in memory while small) and stream it: no response body is built in memory."""
    out = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)
    write(out)
    out.seek(0)
    content_type = formats()[fmt][1]
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)
