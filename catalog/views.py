"""Public pages: thin views over the selectors in approvals and catalog."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render

from approvals.models import ApprovalItem, Department
from catalog.models import Edition


def _city_departments():
    return Department.objects.filter(jurisdiction__code=settings.DEFAULT_JURISDICTION)


def index(request):
    edition = Edition.objects.latest_published()
    entries = edition.entries.select_related("item") if edition else []
    return render(request, "catalog/index.html", {"edition": edition, "entries": entries})


def item_detail(request, code: str):
    item = get_object_or_404(ApprovalItem.objects.with_table_cells(), code=code)
    transfers = item.transfers.select_related("document")
    children = item.children.with_table_cells()
    return render(request, "catalog/item.html", {"item": item, "transfers": transfers, "children": children})


def department_detail(request, slug: str):
    department = get_object_or_404(_city_departments(), slug=slug)
    items = department.items.with_table_cells().order_by("code")
    return render(request, "catalog/department.html", {"department": department, "items": items})


def edition_list(request):
    editions = Edition.objects.published().select_related("document")
    return render(request, "catalog/editions.html", {"editions": editions})


def edition_detail(request, slug: str):
    edition = get_object_or_404(Edition.objects.published().select_related("document"), slug=slug)
    return render(
        request, "catalog/edition.html", {"edition": edition, "entries": edition.entries.select_related("item")}
    )
