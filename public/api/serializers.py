from rest_framework import serializers

from approvals.models import GUIDE_FIELDS, ApprovalItem, Department, Transfer
from catalog.models import Edition


class DepartmentRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    short_name = serializers.CharField(help_text="目录中的简称")
    full_name = serializers.CharField()


class SubItemSerializer(serializers.ModelSerializer):
    item_type = serializers.CharField(source="get_item_type_display")
    status = serializers.CharField(source="get_status_display")

    class Meta:
        model = ApprovalItem
        fields = ["code", "name", "item_type", "status"]


class ItemSerializer(serializers.ModelSerializer):
    item_type = serializers.CharField(source="get_item_type_display", help_text="事项类型")
    status = serializers.CharField(source="get_status_display", help_text="当前状态")
    status_code = serializers.CharField(source="status", help_text="当前状态代码：bureau/returned/…")
    departments = serializers.SerializerMethodField(help_text="划转部门（按目录顺序）")
    department_text = serializers.CharField(help_text="目录中“划转部门”一栏的写法")
    batch = serializers.CharField(source="batch_text", help_text="划转情况")
    in_base_catalogue = serializers.BooleanField(help_text="是否属于基本目录")
    number = serializers.SerializerMethodField(help_text="最新发布版本中的序号")
    sub_items = SubItemSerializer(source="children", many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:item-detail", lookup_field="code")

    class Meta:
        model = ApprovalItem
        fields = [
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
        ]

    def get_number(self, item) -> int | None:
        return getattr(item, "number", None)

    def get_departments(self, item) -> list[dict]:
        return [DepartmentRefSerializer(link.department).data for link in item.department_links.all()]


class TransferSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="get_kind_display")
    from_status = serializers.CharField(source="get_from_status_display")
    to_status = serializers.CharField(source="get_to_status_display")
    document = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = ["sequence", "kind", "from_status", "to_status", "effective_on", "document", "note"]

    def get_document(self, transfer) -> dict | None:
        if transfer.document is None:
            return None
        return {
            "number": transfer.document.number,
            "title": transfer.document.title,
            "issued_on": transfer.document.issued_on,
        }


class ItemDetailSerializer(ItemSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="所属主项编码")
    history = TransferSerializer(source="transfers", many=True, read_only=True)
    jurisdiction = serializers.CharField(source="jurisdiction.name")

    class Meta(ItemSerializer.Meta):
        fields = ItemSerializer.Meta.fields + [
            "parent",
            "jurisdiction",
            "history",
            *GUIDE_FIELDS,
        ]


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
