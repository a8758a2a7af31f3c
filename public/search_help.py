"""What the list offers when a search finds nothing: a near miss to try, and where else to ask."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict

from approvals.models import Department
from approvals.search import term_key
from public.filters import ItemFilter

HOTLINE = "12345"


@dataclass
class NoResults:
    """The empty list's help: `suggestion` ("" for none) with the query string that searches it."""

    suggestion: str
    suggestion_query: str
    hotline: str
    portal: str
    bureau: str  # the bureau's name when its phone is on record, else ""
    bureau_phone: str


def no_results(filterset: ItemFilter, params: QueryDict) -> NoResults | None:
    """The help for a search term that found nothing among the filtered items, or None without a term.

    The near miss is looked for among the same filtered items, so following it finds something.
    The bureau's phone is that of the jurisdiction shown (`Department.is_bureau`); across all
    jurisdictions, or while it is blank, only the hotline and the portal are offered.
    """
    term = filterset.form.cleaned_data.get("q") or ""
    if not term_key(term):
        return None
    suggestion = filterset.unsearched().near_miss(term, indexed=filterset.search_indexed)
    query = params.copy()
    query.pop("page", None)
    query["q"] = suggestion
    bureau = None
    if filterset.jurisdiction is not None:
        bureau = (
            Department.objects.filter(jurisdiction=filterset.jurisdiction, is_bureau=True)
            .exclude(phone="")
            .only("short_name", "full_name", "phone")
            .first()
        )
    return NoResults(
        suggestion=suggestion,
        suggestion_query=query.urlencode() if suggestion else "",
        hotline=HOTLINE,
        portal=settings.SERVICE_PORTAL_URL,
        bureau=(bureau.full_name or bureau.short_name) if bureau else "",
        bureau_phone=bureau.phone if bureau else "",
    )
