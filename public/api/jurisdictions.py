"""/api/jurisdictions/: the registers (the city and its counties) with their GB/T 2260 行政区划代码.

The codes the item list's `jurisdiction` parameter takes, and how a platform matches them to its own
division codes. The province only issues documents and keeps no register: it is not listed.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from approvals.models import Jurisdiction
from public.api.pagination import CheckedPagination
from public.api.schema import BAD_REQUEST


class JurisdictionSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(
        choices=Jurisdiction.Level.choices, help_text="层级：city 市本级，county 县（市、区）"
    )
    division_code = serializers.CharField(help_text="GB/T 2260 六位行政区划代码，例如朔州市 140600；未登记时为空")
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="上级辖区代码；市本级的上级（省）不提供目录"
    )

    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "level", "division_code", "parent"]


@extend_schema_view(
    list=extend_schema(
        summary="辖区列表（代码、名称、行政区划代码）", responses={200: JurisdictionSerializer, 400: BAD_REQUEST}
    )
)
class JurisdictionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = JurisdictionSerializer
    pagination_class = CheckedPagination

    def get_queryset(self):
        return Jurisdiction.objects.registers().select_related("parent")  # in the register's order
