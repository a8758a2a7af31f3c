"""The OpenAPI schema as served: drf-spectacular's, with the values the register allows today.

The departments, batches and jurisdictions a list may be filtered by are rows of the database, which
drf-spectacular does not read; the schema view lists them, so that the schema says exactly which
values the API takes (`public.api.parameters`). `tests/test_api_schema.py` holds the API to it.
"""

from __future__ import annotations

from django.utils.http import content_disposition_header
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView

from approvals.models import ApprovalItem, Department
from catalog.models import Edition, publication_order
from public import selectors
from public.api import parameters

BAD_REQUEST = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="参数有误：每个有误的参数及其原因（中文），选择类参数列出可选的值",
)
NOT_FOUND = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    description="没有这个编码（代码）的对象",
)


class SchemaView(SpectacularAPIView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        _list_allowed_values(response.data)
        _add_examples(response.data)
        # drf-spectacular writes the title as is, and Django encodes a non-ASCII header by RFC 2047,
        # which browsers do not read in Content-Disposition; RFC 6266's filename* they do.
        filename = f"{spectacular_settings.TITLE}.{request.accepted_renderer.format}"
        response["Content-Disposition"] = content_disposition_header(False, filename)
        return response


def _list_allowed_values(schema: dict) -> None:
    allowed = {
        "jurisdiction": parameters.jurisdiction_codes(),
        "department": parameters.accepted_values(parameters.department_choices()),
        "batch": parameters.accepted_values(selectors.filter_choices(None)["batches"]),
    }
    for path in ("/api/items/", "/api/changes/"):
        for parameter in schema["paths"][path]["get"]["parameters"]:
            if allowed.get(parameter["name"]):
                parameter["schema"] = {"type": "string", "enum": allowed[parameter["name"]]}


def _add_examples(schema: dict) -> None:
    """Examples of the codes a detail takes, from the register: a main item, one of its sub-items, a department
    and an edition (a reader, and schemathesis, try them first)."""
    main = ApprovalItem.objects.public().filter(parent=None, children__isnull=False).order_by("code").first()
    sub = main.children.order_by("position", "pk").first() if main else None
    department = Department.objects.filter(is_bureau=False).order_by("jurisdiction__position", "position").first()
    edition = Edition.objects.published().order_by(*publication_order(newest_first=True)).first()
    examples = {
        "/api/items/{code}/": [item.code for item in (main, sub) if item],
        "/api/departments/{slug}/": [department.slug] if department else [],
        "/api/editions/{slug}/": [edition.slug] if edition else [],
    }
    for path, values in examples.items():
        for parameter in schema["paths"][path]["get"]["parameters"]:
            if parameter["in"] == "path" and values:
                parameter["examples"] = {f"example{i}": {"value": value} for i, value in enumerate(values, 1)}
