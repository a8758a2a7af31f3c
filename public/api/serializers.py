from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.item_codes import ItemCodes, item_codes_of
from approvals.models import GUIDE_FIELDS, ApprovalItem, Department, Transfer
from approvals.offices import CONTACT_FIELDS, handling_offices
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


def codes_fields() -> tuple[serializers.Field, ...]:
    """The fields of an item's national codes, declared where a serializer lists them (see CodesMixin)."""
    return (
        serializers.SerializerMethodField(help_text="GB/T 39046 事项类型代码：01 行政许可 … 10 其他行政权力"),
        serializers.SerializerMethodField(help_text="基本编码；未登记时为空"),
        serializers.SerializerMethodField(help_text="行使层级代码：1 国家级 … 6 村级；事项未登记时按辖区层级"),
        serializers.SerializerMethodField(
            help_text="实施编码：按本平台的编码规则（IMPLEMENTATION_CODE_FORMAT）由实施主体的统一社会信用代码、"
            "事项类型代码、基本编码、行使层级等组成；缺少任一部分时为空"
        ),
    )


class CodesMixin:
    """An item's national codes (approvals/item_codes.py): a list's row holds them (public.listing.load_rows
    composes them from the row's own queries); the one item of a detail has them read."""

    def _codes(self, item) -> ItemCodes:
        if isinstance(item, dict):
            return item["codes"]
        return item_codes_of(item)  # a detail's item, loaded with its departments and bureau

    def get_item_type_code(self, item) -> str:
        return self._codes(item).item_type_code

    def get_basic_code(self, item) -> str:
        return self._codes(item).basic_code

    def get_exercise_level(self, item) -> int | None:
        return self._codes(item).exercise_level

    def get_implementation_code(self, item) -> str:
        return self._codes(item).implementation_code


class ItemSerializer(CodesMixin, serializers.Serializer):
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
    item_type_code, basic_code, exercise_level, implementation_code = codes_fields()
    sub_items = SubItemSerializer(many=True)

    def get_url(self, row: dict) -> str:
        return self.context["request"].build_absolute_uri(self._api_url(row["code"]))

    @cached_property
    def _api_url(self):
        return url_maker("api:item-detail")  # reversed once for the page, not once a row


class OfficeSerializer(serializers.Serializer):
    """Where to apply for an item (去哪里办): the office that handles it now; a blank field is not yet published."""

    slug = serializers.CharField()
    name = serializers.CharField(help_text="全称（未登记全称时为简称）")
    is_bureau = serializers.BooleanField(help_text="是否为行政审批服务管理局（办事大厅）")
    address = serializers.CharField(help_text="办公地址；空字符串表示暂未公布")
    phone = serializers.CharField(help_text="咨询电话；空字符串表示暂未公布")
    office_hours = serializers.CharField(help_text="办公时间；空字符串表示暂未公布")
    website = serializers.CharField(help_text="网上办事链接；空字符串表示暂未公布")


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


class ItemDetailSerializer(CodesMixin, serializers.ModelSerializer):
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
    offices = serializers.SerializerMethodField(
        help_text="去哪里办：由审批服务管理局实施的为该局，未划转或已退回的为本事项的部门；已取消、已下放的为空"
    )
    item_type_code, basic_code, exercise_level, implementation_code = codes_fields()

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
            "item_type_code",
            "basic_code",
            "exercise_level",
            "implementation_code",
            "sub_items",
            "parent",
            "jurisdiction",
            "offices",
            "history",
            *GUIDE_FIELDS,
        ]

    def get_number(self, item) -> int | None:
        return getattr(item, "number", None)

    def get_departments(self, item) -> list[dict]:
        return DepartmentRefSerializer([link.department for link in item.department_links.all()], many=True).data

    @extend_schema_field(OfficeSerializer(many=True))
    def get_offices(self, item) -> list[dict]:
        offices = [
            {name: getattr(office, name) for name in ("slug", "is_bureau", *CONTACT_FIELDS)}
            | {"name": office.full_name or office.short_name}
            for office in handling_offices(item)
        ]
        return OfficeSerializer(offices, many=True).data

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
