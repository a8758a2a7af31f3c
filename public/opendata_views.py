"""JSON-LD endpoints: DCAT for published editions, CPSV-AP for items."""

import json

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from approvals.models import Department
from catalog.models import Edition
from public import selectors
from public.opendata import edition_dcat, item_jsonld

JSONLD = "application/ld+json; charset=utf-8"


def _jsonld(data: dict) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type=JSONLD)


def edition_dataset(request, slug: str):
    edition = get_object_or_404(Edition.objects.published().select_related("jurisdiction", "document"), slug=slug)
    base = edition.get_absolute_url()
    return _jsonld(edition_dcat(edition, request.build_absolute_uri, lambda fmt: f"{base}download.{fmt}"))


def item_service(request, code: str):
    bureau = Prefetch("jurisdiction__departments", queryset=Department.objects.filter(is_bureau=True))
    item = get_object_or_404(selectors.item_pages().prefetch_related(bureau), code=code)
    return _jsonld(item_jsonld(item, request.build_absolute_uri))
