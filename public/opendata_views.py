"""JSON-LD endpoints: DCAT for published editions and their catalogue, CPSV-AP for items, SKOS for code lists."""

import json

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from approvals.models import Department
from catalog.models import Edition
from public import vocabularies
from public.item_page import item_page_or_404
from public.opendata import item_jsonld
from public.opendata_dcat import catalog_document, edition_document

JSONLD = "application/ld+json; charset=utf-8"


def _jsonld(data: dict) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type=JSONLD)


def _bureaus(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=Department.objects.filter(is_bureau=True))


def catalog(request):
    return _jsonld(catalog_document(request.build_absolute_uri))


def edition_dataset(request, slug: str):
    editions = Edition.objects.published().select_related("jurisdiction", "document")
    edition = get_object_or_404(editions.prefetch_related(_bureaus("jurisdiction__departments")), slug=slug)
    return _jsonld(edition_document(edition, request.build_absolute_uri))


def item_service(request, code: str):
    # The HTML item page's loader (public.item_page): the same public item and relations, from statements
    # compiled once per process. selectors.item_pages() built and compiled six queries per request.
    item = item_page_or_404(code)
    return _jsonld(item_jsonld(item, request.build_absolute_uri))


def concept_scheme(request, slug: str):
    if slug not in vocabularies.SCHEMES:
        raise Http404
    return _jsonld(vocabularies.scheme_jsonld(slug, request.build_absolute_uri))
