from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import GUIDE_FIELDS, ApprovalItem, Department, Transfer
from catalog.models import Edition
from public.listing import url_maker


class DepartmentRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    short_name = serializers.CharField(help_text="目录中的简称")
    full_name = serializers.CharField()


class SubItemSerializer(serializers.Serializer):
    """A sub-item under its main item: a list row's `sub_items`, or an item of the detail's."""

    code = serializers.CharField()
    name = serializers.CharField()
    item_type = serializers.CharField(help_text="事项类型")
    status = serializers.CharField(help_text="当前状态")


class ItemSerializer(serializers.Serializer):
    """A main item of the list: a row of `public.listing.load_rows`, the rows the catalogue page shows."""

    code = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="本事项在 API 中的地址")
    number = serializers.IntegerField(allow_null=True, help_text="最新发布版本中的序号")
    name = serializers.CharField()
    item_type = serializers.CharField(source="type", help_text="事项类型")
    status = serializers.CharField(source="status_label", help_text="当前状态")
    status_code = serializers.CharField(source="status", help_text="当前状态代码：bureau/returned/…")
    departments = DepartmentRefSerializer(source="department_refs", many=True, help_text="划转部门（按目录顺序）")
    department_text = serializers.CharField(help_text="目录中“划转部门”一栏的写法")
    batch = serializers.CharField(help_text="划转情况")
    in_base_catalogue = serializers.BooleanField(help_text="是否属于基本目录")
    remarks = serializers.CharField()
    sub_items = SubItemSerializer(many=True)

    def get_url(self, row: dict) -> str:
        return self.context["request"].build_absolute_uri(self._api_url(row["code"]))

    @cached_property
    def _api_url(self):
        return url_maker("api:item-detail")  # reversed once for the page, not once a row


class TransferSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="get_kind_display")
    from_status = serializers.CharField(source="get_from_status_display")
    to_status = serializers.CharField(source="get_to_status_display")
    document = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        # `pending`: recorded, but its date has not come; the item's status is still `from_status`.
        fields = ["sequence", "kind", "from_status", "to_status", "effective_on", "pending", "document", "note"]

    def get_document(self, transfer) -> dict | None:
        if transfer.document is None:
            return None
        return {
            "number": transfer.document.number,
            "title": transfer.document.title,
            "issued_on": transfer.document.issued_on,
        }


class ItemDetailSerializer(serializers.ModelSerializer):
    """An item with its history: the list's fields, then its main item, jurisdiction, events and service guide."""

    url = serializers.HyperlinkedIdentityField(view_name="api:item-detail", lookup_field="code")
    number = serializers.SerializerMethodField(help_text="最新发布版本中的序号")
    item_type = serializers.CharField(source="get_item_type_display", help_text="事项类型")
    status = serializers.CharField(source="get_status_display", help_text="当前状态")
    status_code = serializers.CharField(source="status", help_text="当前状态代码：bureau/returned/…")
    departments = serializers.SerializerMethodField(help_text="划转部门（按目录顺序）")
    department_text = serializers.CharField(help_text="目录中“划转部门”一栏的写法")
    batch = serializers.CharField(source="batch_text", help_text="划转情况")
    in_base_catalogue = serializers.BooleanField(help_text="是否属于基本目录")
    sub_items = serializers.SerializerMethodField()
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="所属主项编码；主项为 null"
    )
    history = TransferSerializer(source="transfers", many=True, read_only=True)
    jurisdiction = serializers.CharField(source="jurisdiction.name")

    class Meta:
        model = ApprovalItem
        fields = [
            # The list's fields (ItemSerializer), in its order:
            "code",
            "url",
            "number",
            "name",
            "item_type",
            "status",
            "status_code",
            "departments",
            "department_text",
            "batch",
            "in_base_catalogue",
            "remarks",
            "sub_items",
            "parent",
            "jurisdiction",
            "history",
            *GUIDE_FIELDS,
        ]

    def get_number(self, item) -> int | None:
        return getattr(item, "number", None)

    def get_departments(self, item) -> list[dict]:
        return DepartmentRefSerializer([link.department for link in item.department_links.all()], many=True).data

    @extend_schema_field(SubItemSerializer(many=True))
    def get_sub_items(self, item) -> list[dict]:
        children = [
            {"code": c.code, "name": c.name, "item_type": c.get_item_type_display(), "status": c.get_status_display()}
            for c in item.children.all()
        ]
        return SubItemSerializer(children, many=True).data


class DepartmentSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    items_at_bureau = serializers.IntegerField(
        read_only=True,
        help_text="本部门在审批服务管理局实施的主项数：划转部门含本部门（不论排第几）的主项，子项不单独计数",
    )

    class Meta:
        model = Department
        fields = ["slug", "short_name", "full_name", "jurisdiction", "is_bureau", "aliases", "items_at_bureau"]


class EditionSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    document = serializers.CharField(source="document.number", allow_null=True, default=None)
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Edition
        fields = [
            "slug",
            "title",
            "jurisdiction",
            "document",
            "published_on",
            "section1_heading",
            "section2_heading",
            "downloads",
        ]

    def get_downloads(self, edition) -> dict[str, str]:
        from django.urls import reverse

        request = self.context.get("request")
        links = {fmt: reverse("public:edition_download", args=[edition.slug, fmt]) for fmt in ("xlsx", "csv", "json")}
        return {fmt: request.build_absolute_uri(url) if request else url for fmt, url in links.items()}
