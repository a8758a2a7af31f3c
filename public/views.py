"""Public pages: thin views over public/selectors.py, public/filters.py, public/paging.py and the exports."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import queries, rules
from approvals.alignment import CATEGORIES as ALIGNMENT_CATEGORIES
from approvals.alignment import alignment_report, alignment_summaries
from approvals.effective import upcoming_text
from approvals.item_codes import item_codes_of
from approvals.models import ApprovalItem, Department, ItemStatus, Jurisdiction
from approvals.offices import handling_offices
from catalog import downloads
from catalog.adjustment_notice import notice_title, write_notice_xlsx
from catalog.adjustment_notice_docx import write_notice_docx
from catalog.adjustments import editions_diff, write_adjustment_xlsx
from catalog.exports import csv as csv_export
from catalog.exports import formats, national
from catalog.models import Edition
from catalog.tables import Row, Section, Table, item_rows
from public import selectors, stats
from public.feedback import FeedbackForm
from public.filters import ItemFilter, options_html
from public.item_page import editions_listing, item_page_or_404
from public.listing import load_rows, with_returns
from public.paging import EXACT_UP_TO, catalogue_page
from public.search_help import no_results
from spreadsheets.names import download_name

PER_PAGE = 20
MAX_PER_PAGE = 100
EDITION_PER_PAGE = 200  # main items
# ?format= of the adjustment page: (writer, format, what the file name adds to the title).
ADJUSTMENT_DOWNLOADS = {
    "xlsx": (write_adjustment_xlsx, "xlsx", gettext_lazy("（明细）")),
    "notice": (write_notice_xlsx, "xlsx", ""),
    "notice_docx": (write_notice_docx, "docx", ""),
}


def _jurisdiction(request: HttpRequest) -> tuple[Jurisdiction | None, bool]:
    return selectors.jurisdiction_asked(request.GET.get("jurisdiction", ""))


def _per_page(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("per_page", PER_PAGE)), 10), MAX_PER_PAGE)
    except ValueError:
        return PER_PAGE


def _filtered(request: HttpRequest) -> tuple[ItemFilter, bool]:
    """The list's filterset, and whether an unknown jurisdiction was asked for (the default one is shown)."""
    jurisdiction, unknown = _jurisdiction(request)
    return ItemFilter(request.GET, jurisdiction=jurisdiction), unknown


def _without(request: HttpRequest, name: str) -> str:
    query = request.GET.copy()
    query.pop(name, None)
    query.pop("page", None)
    return query.urlencode()


def index(request: HttpRequest) -> HttpResponse:
    filterset, unknown_place = _filtered(request)
    page = catalogue_page(filterset, request.GET.get("page"), _per_page(request))
    jurisdiction = filterset.jurisdiction
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "jurisdiction": jurisdiction,
        "summary": selectors.summary(jurisdiction),
        "filter": filterset,
        "on": filterset.form.cleaned_data.get("on"),
        "page": page,
        "rows": page.items,
        "chips": [(label, value, _without(request, name)) for name, label, value in filterset.active()],
        # On a phone the filters fold away behind "筛选" (the search stays): open while one is chosen or wrong.
        "filters_chosen": sum(name != "q" for name, _label, _value in filterset.active()),
        "filters_open": any(name != "q" for name, _label, _value in filterset.active()) or bool(filterset.ignored()),
        "ignored": filterset.ignored() + ([_("辖区")] if unknown_place else []),
        "query": query.urlencode(),
        "jurisdiction_options": options_html(
            tuple(selectors.filter_choices(jurisdiction)["jurisdictions"]),
            frozenset([jurisdiction.code if jurisdiction else selectors.ALL]),
        ),
        "all_jurisdictions": selectors.ALL,
        "exact_up_to": EXACT_UP_TO,
        # A search that found nothing: a near miss to try, the hotline, the portal, the bureau's phone.
        "search_help": no_results(filterset, request.GET) if not page.items and page.number == 1 else None,
    }
    return render(request, "public/index.html", context)


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = item_page_or_404(code)
    transfers = list(item.transfers.all())
    first_batch = next(iter(queries.batch_choices()), ("", ""))[1]
    for transfer in transfers:  # the timeline's words for an event of unknown date
        document = transfer.document
        transfer.undated = rules.undated_text(
            kind=transfer.kind,
            batch_label=document.batch_label if document else "",
            document_number=document.number if document else "",
            first_batch=first_batch,
        )
    # The status shown is the one in force: the event that explains it is the last one no longer waiting.
    in_force = [transfer for transfer in transfers if not transfer.pending]
    waiting = next((transfer for transfer in transfers if transfer.pending), None)
    offices = handling_offices(item)
    context = {
        "item": item,
        "transfers": transfers,
        "last": in_force[-1] if in_force else None,
        "waiting": waiting,
        "upcoming": upcoming_text(waiting.kind, waiting.effective_on) if waiting else "",
        "editions": editions_listing(item),
        "codes": item_codes_of(item),
        "offices": offices,
        "phones": [office for office in offices if office.phone],  # whom to call while the guide is missing
        "feedback_form": FeedbackForm(),
    }
    return render(request, "public/item.html", context)


def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.with_item_counts().select_related("jurisdiction").order_by("jurisdiction__position"),
        slug=slug,
    )
    mains = selectors.public_items(department.jurisdiction).filter(department_links__department=department)
    at_bureau, itself = (
        list(load_rows(mains.filter(status=status).order_by("code").values("pk")[:500], ["code"]).values())
        for status in (ItemStatus.BUREAU, ItemStatus.RETURNED)
    )
    return render(
        request,
        "public/department.html",
        {"department": department, "at_bureau": at_bureau, "itself": with_returns(itself)},
    )


def edition_list(request: HttpRequest) -> HttpResponse:
    editions = selectors.editions_newest_first()
    return render(request, "public/editions.html", {"editions": editions, "csv_label": csv_export.LABEL})


def _published(slug: str) -> Edition:
    return get_object_or_404(Edition.objects.published().select_related("document", "jurisdiction"), slug=slug)


def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    edition = _published(slug)
    page, sections = selectors.edition_page(edition, request.GET.get("page"), EDITION_PER_PAGE)
    context = {"edition": edition, "page": page, "sections": sections, "csv_label": csv_export.LABEL}
    return render(request, "public/edition.html", context)


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
    name = download_name(edition.title, fmt)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)


def edition_adjustment(request: HttpRequest, slug: str) -> HttpResponse:
    edition = _published(slug)
    previous = edition.previous()
    if previous is None:
        raise Http404(_("这是该辖区的第一个目录版本，没有可比较的上一版本。"))
    adjustment = editions_diff(previous, edition)
    download = ADJUSTMENT_DOWNLOADS.get(request.GET.get("format", ""))
    if download is not None:
        writer, fmt, suffix = download
        title = notice_title(adjustment) + str(suffix)
        return _spooled(lambda out: writer(adjustment, out), fmt, download_name(title, fmt))
    return render(request, "public/adjustment.html", {"adjustment": adjustment})


def alignment_list(request: HttpRequest) -> HttpResponse:
    counties = Jurisdiction.objects.filter(parent__isnull=False).select_related("parent").order_by("position")
    context = {"summaries": alignment_summaries(counties), "categories": ALIGNMENT_CATEGORIES}
    return render(request, "public/alignment_list.html", context)


def alignment_detail(request: HttpRequest, code: str) -> HttpResponse:
    county = get_object_or_404(Jurisdiction.objects.filter(parent__isnull=False).select_related("parent"), code=code)
    return render(request, "public/alignment.html", {"county": county, "report": alignment_report(county)})


def stats_page(request: HttpRequest) -> HttpResponse:
    jurisdiction, _unknown = _jurisdiction(request)
    return render(request, "public/stats.html", {"jurisdiction": jurisdiction, "charts": stats.charts(jurisdiction)})


def export_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list exactly as filtered on the catalogue page, in the official layout.

    Up to EXPORT_LIST_MAX_ROWS main items (_too_large): the file is written while a worker waits, and
    the live register costs about a millisecond a main item (bench/RESULTS.md). The register on a day
    (`on`) is section (一) alone, numbered in turn: all of it was at the bureau that day.
    """
    filterset, _unknown = _filtered(request)
    jurisdiction = filterset.jurisdiction
    refusal = _too_large(request, filterset.qs, jurisdiction, fmt)
    if refusal is not None:
        return refusal
    place = jurisdiction.name if jurisdiction else _("全部辖区")
    items, on = filterset.qs, filterset.form.cleaned_data.get("on")
    # The title and the file's name say which rows these are and on which day they were taken.
    today, filters = timezone.localdate().isoformat(), filterset.described()
    if filters:
        title = _("%(place)s行政审批事项划转目录（筛选：%(filters)s，%(today)s）") % {
            "place": place,
            "filters": filters,
            "today": today,
        }
    else:
        title = _("%(place)s行政审批事项划转目录（%(today)s）") % {"place": place, "today": today}
    if on:
        at_bureau, returned = items, items.none()
    else:
        at_bureau, returned = items.filter(status=ItemStatus.BUREAU), items.filter(status=ItemStatus.RETURNED)
    table = Table(
        title=title,
        sections=[
            Section(1, _("（一）划转至审批服务管理局实施的行政审批事项"), _rows(at_bureau, 1, in_turn=bool(on))),
            Section(2, _("（二）调整回原行业主管部门实施的行政审批事项"), _rows(returned, 2)),
        ],
    )
    return _file(table, fmt, download_name(title, fmt))


def export_national(request: HttpRequest, fmt: str) -> HttpResponse:
    """The jurisdiction's items (`?jurisdiction=`, as on the catalogue page) with their national codes,
    under the GB/T 39046 field names (catalog/exports/national.py), up to EXPORT_LIST_MAX_ROWS items."""
    jurisdiction, _unknown = _jurisdiction(request)
    items = national.national_items(jurisdiction)
    refusal = _too_large(request, items, jurisdiction, fmt)
    if refusal is not None:
        return refusal
    place = jurisdiction.name if jurisdiction else _("全部辖区")
    title = _("%(place)s政务服务事项实施清单（国家标准交换格式，%(today)s）") % {
        "place": place,
        "today": timezone.localdate().isoformat(),
    }
    out = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)
    national.write_national(items, fmt, out)
    out.seek(0)
    filename = download_name(title, fmt)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=national.CONTENT_TYPES[fmt])


def _too_large(
    request: HttpRequest, items: QuerySet[ApprovalItem], jurisdiction: Jurisdiction | None, fmt: str
) -> HttpResponse | None:
    """The page that refuses an export of more than EXPORT_LIST_MAX_ROWS main items (nor more than
    EXPORT_ONLINE_MAX_ROWS, the limit of anything written online), or None to write it.

    Counting stops at the limit (one query, at most limit + 1 keys read). The page points to what has
    no limit: the published editions' files, written once by the background worker and served from disk.
    """
    limit = min(settings.EXPORT_LIST_MAX_ROWS, settings.EXPORT_ONLINE_MAX_ROWS)
    if items.order_by().values("pk")[: limit + 1].count() <= limit:
        return None
    edition = Edition.objects.latest_published(jurisdiction) if jurisdiction is not None else None
    context = {
        "limit": limit,
        "fmt": fmt,
        "query": request.GET.urlencode(),
        "jurisdiction": jurisdiction,
        "edition": edition,
    }
    return render(request, "public/export_too_large.html", context)


def _rows(items: QuerySet[ApprovalItem], section: int, *, in_turn: bool = False) -> Iterator[Row]:
    """The printed rows of the main items, 500 at a time.

    Numbered as on the page (the latest edition's 序号, in turn where it has none), or all `in_turn`.
    """
    sub_items = ApprovalItem.objects.with_table_cells().for_lists().order_by("position", "pk")
    items = items.with_table_cells().for_lists().prefetch_related(Prefetch("children", queryset=sub_items))
    if not in_turn:
        items = items.annotate(number=selectors.edition_number())
    for count, item in enumerate(items.iterator(chunk_size=500), start=1):
        number = count if in_turn else item.number or count
        yield from item_rows(item, number, section=section, remarks="退回" if section == 2 else None)


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
