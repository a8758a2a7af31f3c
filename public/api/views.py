"""The read-only JSON API: the same filters and search as the public pages."""

from django.http import Http404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from approvals.models import ApprovalItem, Department
from catalog.models import Edition, publication_order
from public import selectors
from public.api import parameters
from public.api.pagination import CatalogPagination, CheckedPagination
from public.api.schema import BAD_REQUEST, NOT_FOUND
from public.api.serializers import DepartmentSerializer, EditionSerializer, ItemDetailSerializer, ItemSerializer
from public.filters import ItemFilter
from public.item_page import NOT_FOUND as ITEM_NOT_FOUND
from public.paging import catalogue_page


class ChineseNotFound:
    """A lookup that finds nothing answers `not_found` (default: DRF's translated 未找到。).

    DRF passes Django's untranslated "No … matches the given query." on otherwise.
    """

    not_found = None

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.not_found) from None


JURISDICTION = OpenApiParameter(
    "jurisdiction", str, description="辖区代码，默认 shuozhou（朔州市本级）；all 为全部辖区。可选值见枚举。"
)


@extend_schema_view(
    list=extend_schema(
        parameters=[JURISDICTION],
        summary="事项列表（与公开目录页相同的筛选、搜索和计数）",
        responses={200: ItemSerializer, 400: BAD_REQUEST},
    ),
    retrieve=extend_schema(summary="一个事项，含划转记录", responses={200: ItemDetailSerializer, 404: NOT_FOUND}),
)
class ItemViewSet(ChineseNotFound, viewsets.ReadOnlyModelViewSet):
    """The list as the catalogue page lists it (public/paging.py); an item by its code with its history.

    `filter_backends`, `filterset_class` and `pagination_class` describe the list's parameters and
    pages in the OpenAPI schema; `list()` runs them itself, as the catalogue page does.
    """

    not_found = ITEM_NOT_FOUND
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # any code reaches the view, which answers 404 in JSON
    filter_backends = [DjangoFilterBackend]
    filterset_class = ItemFilter
    pagination_class = CatalogPagination

    def list(self, request, *args, **kwargs):
        params = request.query_params
        parameters.check_not_empty(params)
        jurisdiction = parameters.jurisdiction_of(params)
        filterset = ItemFilter(params, jurisdiction=jurisdiction, departments=parameters.department_choices())
        if not filterset.is_valid():
            raise ValidationError(parameters.filter_errors(filterset))  # 400, each parameter's problem in Chinese
        number = self.paginator.requested_page(request)
        page = catalogue_page(filterset, number, self.paginator.get_page_size(request))
        results = ItemSerializer(page.items, many=True, context=self.get_serializer_context()).data
        return self.paginator.respond(request, page, results)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular describing the API: no database
            return ApprovalItem.objects.none()
        return selectors.item_pages().annotate(number=selectors.edition_number())

    def filter_queryset(self, queryset):
        return queryset  # an item is found by its code alone; the list filters in list()

    def get_serializer_class(self):
        return ItemDetailSerializer if self.action == "retrieve" else ItemSerializer


@extend_schema_view(
    list=extend_schema(responses={200: DepartmentSerializer, 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: DepartmentSerializer, 404: NOT_FOUND}),
)
class DepartmentViewSet(ChineseNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    pagination_class = CheckedPagination
    lookup_value_regex = "[^/]+"  # any code reaches the view, which answers 404 in JSON
    lookup_field = "slug"

    def get_queryset(self):
        return (
            Department.objects.with_item_counts().select_related("jurisdiction").prefetch_related("aliases")
        )  # in the register's order (Department.Meta.ordering), which with_item_counts keeps


@extend_schema_view(
    list=extend_schema(responses={200: EditionSerializer, 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: EditionSerializer, 404: NOT_FOUND}),
)
class EditionViewSet(ChineseNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = EditionSerializer
    pagination_class = CheckedPagination
    lookup_value_regex = "[^/]+"  # any code reaches the view, which answers 404 in JSON
    lookup_field = "slug"

    def get_queryset(self):
        return (
            Edition.objects.published()
            .select_related("jurisdiction", "document")
            .order_by(*publication_order(newest_first=True))
        )


@extend_schema(exclude=True)
@api_view(["GET"])
def root(request):
    """The API's entry points."""
    links = {
        "items": reverse("api:item-list"),
        "departments": reverse("api:department-list"),
        "editions": reverse("api:edition-list"),
        "jurisdictions": reverse("api:jurisdiction-list"),
        "changes": reverse("api:changes"),
        "schema": reverse("api:schema"),
    }
    return Response({name: request.build_absolute_uri(url) for name, url in links.items()})
