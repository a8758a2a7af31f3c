"""The item list's pages in the API, counted as the public list counts them (public/paging.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from public.paging import ListPage


def whole_number(request: Request, name: str, maximum: int | None = None) -> int | None:
    """The parameter `name` as a whole number from 1 (to `maximum`), None when absent; 400 otherwise."""
    value = request.query_params.get(name)
    if value is None:
        return None
    digits = value.lstrip("0") if value.isascii() and value.isdigit() else ""
    number = int(digits) if 0 < len(digits) <= 18 else 10**18 if digits else 0  # past 4,300 digits int() refuses
    if not 1 <= number <= (maximum or number):
        if maximum:
            message = _("请填写 1 至 %(maximum)s 的整数。") % {"maximum": maximum}
        else:
            message = _("请填写不小于 1 的整数。")
        raise ValidationError({name: [message]})
    return number


class CheckedPagination(PageNumberPagination):
    """Pages as DRF cuts them, with `page` (and `page_size`) checked: 400 for anything but a whole number.

    Past the end, the last page, as the catalogue's pages do (DRF would answer 404).
    """

    def requested_page(self, request: Request) -> int:
        return whole_number(request, self.page_query_param) or 1

    def get_page_number(self, request, paginator):
        return min(self.requested_page(request), paginator.num_pages)

    def get_page_size(self, request):
        if self.page_size_query_param:
            size = whole_number(request, self.page_size_query_param, self.max_page_size)
            if size is not None:
                return size
        return self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class CatalogPagination(CheckedPagination):
    """Exact `count` up to 1,000 items; beyond, the planner's estimate or the lower bound, as `count_kind` says.

    An exact count of 20,000 matches of 许可 across a province costs more than the page itself. The page
    comes from `public.paging.catalogue_page` (the item list's `list()`); this class reads its size
    from the request, writes the links and the response, and describes them in the OpenAPI schema.
    """

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        raise NotImplementedError("the item list pages through public.paging.catalogue_page")

    def respond(self, request: Request, page: ListPage, results: list) -> Response:
        """The page's response: count, count_kind, links to the next and previous pages, the results."""
        self.request, self.page = request, page
        return self.get_paginated_response(results)

    def get_next_link(self):
        if not self.page.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.page.number + 1)

    def get_previous_link(self):
        if not self.page.has_previous:
            return None
        url = self.request.build_absolute_uri()
        if self.page.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.count,
                "count_kind": self.page.count_kind.value,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_kind"] = {
            "type": "string",
            "enum": ["exact", "estimate", "more_than"],
            "description": "count 是精确数（exact）、估计数（estimate）还是下限（more_than，超过 1000 项）",
        }
        return response
