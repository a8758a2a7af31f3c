"""The flat exchange format of the admin (django-import-export): one row per item or sub-item, keyed by code.

Headers and values are the clerks' words (事项类型 行政许可, not licensing). An
import may only update items that exist; status changes are not part of it
(they go through the actions or the official-layout import, which keep the
history). Unknown, renamed or missing columns and a code listed twice refuse the
whole file; validation errors roll everything back.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult

from approvals.access import can_change
from approvals.models import ApprovalItem, Department, ItemType


class ChoiceLabelWidget(widgets.Widget):
    """A TextChoices field written and read as its Chinese label."""

    def __init__(self, choices, column: str):
        super().__init__()
        self.by_label = {str(label): value for value, label in choices}
        self.by_value = {value: str(label) for value, label in choices}
        self.column = column

    def clean(self, value, row=None, **kwargs):
        text = (value or "").strip()
        if text not in self.by_label:
            raise ValueError(
                _("“%(column)s”应为：%(known)s，实际为“%(value)s”。")
                % {"column": self.column, "known": "、".join(self.by_label), "value": text}
            )
        return self.by_label[text]

    def render(self, value, obj=None, **kwargs):
        return self.by_value.get(value, "")


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if text in ("是", "否"):
            return text == "是"
        raise ValueError(_("应填“是”或“否”，实际为“%(value)s”。") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


def _text(attribute: str, column: str) -> fields.Field:
    """A text column: an empty cell is an empty text, never NULL."""
    return fields.Field(attribute=attribute, column_name=column, widget=widgets.CharWidget(allow_blank=True))


class ItemResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="事项编码")
    parent_code = fields.Field(column_name="主项编码", readonly=True)
    name = _text("name", "事项名称")
    item_type = fields.Field(
        attribute="item_type", column_name="事项类型", widget=ChoiceLabelWidget(ItemType.choices, "事项类型")
    )
    departments = fields.Field(column_name="划转部门")
    source_text = _text("source_text", "事项来源")
    in_base_catalogue = fields.Field(attribute="in_base_catalogue", column_name="属于基本目录", widget=YesNoWidget())
    remarks = _text("remarks", "备注")
    status = fields.Field(column_name="当前状态", readonly=True)
    batch = fields.Field(column_name="划转情况", readonly=True)
    jurisdiction = fields.Field(column_name="辖区", readonly=True)
    application_materials = _text("application_materials", "申请材料")
    acceptance_conditions = _text("acceptance_conditions", "受理条件")
    procedure = _text("procedure", "办理流程")
    statutory_time_limit = _text("statutory_time_limit", "法定时限")
    promised_time_limit = _text("promised_time_limit", "承诺时限")
    fees = _text("fees", "收费")
    legal_basis = _text("legal_basis", "设定依据")

    class Meta:
        model = ApprovalItem
        import_id_fields = ("code",)
        fields = (
            "code",
            "parent_code",
            "name",
            "item_type",
            "departments",
            "source_text",
            "in_base_catalogue",
            "remarks",
            "status",
            "batch",
            "jurisdiction",
            "application_materials",
            "acceptance_conditions",
            "procedure",
            "statutory_time_limit",
            "promised_time_limit",
            "fees",
            "legal_basis",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        skip_diff = False

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def get_queryset(self):
        return (
            ApprovalItem.objects.select_related("parent", "jurisdiction", "intake__document")
            .prefetch_related("department_links__department")
            .order_by("code")
        )

    def dehydrate_parent_code(self, item: ApprovalItem) -> str:
        return item.parent.code if item.parent_id else ""

    def dehydrate_departments(self, item: ApprovalItem) -> str:
        return "、".join(link.department.short_name for link in item.department_links.all())

    def dehydrate_status(self, item: ApprovalItem) -> str:
        return item.get_status_display()

    def dehydrate_batch(self, item: ApprovalItem) -> str:
        return item.batch_text()

    def dehydrate_jurisdiction(self, item: ApprovalItem) -> str:
        return item.jurisdiction.name

    def import_headers(self) -> list[str]:
        return [field.column_name for field in self.get_import_fields()]

    def before_import(self, dataset, **kwargs):
        """Refuse the file, not a row, when its columns or keys are not what the template has."""
        headers = list(dataset.headers or [])
        expected = [field.column_name for field in self.get_export_fields()]
        unknown = [h for h in headers if h not in expected]
        missing = [h for h in expected if h not in headers]
        problems = []
        if unknown:
            problems.append(
                _("未知的列：%(columns)s（列名须与模板完全一致，不能有多余空格）。")
                % {"columns": "、".join(f"“{h}”" for h in unknown)}
            )
        if missing:
            problems.append(_("缺少列：%(columns)s。") % {"columns": "、".join(f"“{h}”" for h in missing)})
        if not problems:
            seen: dict[str, int] = {}
            for index, row in enumerate(dataset.dict, start=2):
                code = str(row.get("事项编码") or "").strip()
                if code in seen:
                    problems.append(
                        _("事项编码“%(code)s”在第 %(first)d 行和第 %(row)d 行重复。")
                        % {"code": code, "first": seen[code], "row": index}
                    )
                seen[code] = index
        if problems:
            raise ValidationError(problems)

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is None:
            raise ValidationError(
                _("事项编码“%(code)s”不存在：此处只能修改已登记的事项，新增事项请用官方版式导入或在管理后台新增。")
                % {"code": row.get("事项编码")}
            )
        if self.user is not None and not can_change(self.user, instance.jurisdiction_id):
            raise ValidationError(_("事项“%(code)s”不属于您的辖区。") % {"code": instance.code})
        return instance

    def before_save_instance(self, instance, row, **kwargs):
        # Outside a request simple-history cannot know who changed the item: tell it.
        instance._history_user = self.user

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        names = [n for n in str(row.get("划转部门") or "").split("、") if n.strip()]
        departments = []
        for name in names:
            department = Department.objects.named(name).filter(jurisdiction_id=instance.jurisdiction_id).first()
            if department is None:
                raise ValidationError({"departments": _("未知的部门“%(name)s”。") % {"name": name}})
            departments.append(department)
        instance._import_departments = departments

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The departments are not a model field: compare them here so that a change of them alone is saved.
        wanted = getattr(instance, "_import_departments", None)
        if original is not None and wanted is not None:
            current = list(original.department_links.order_by("position").values_list("department_id", flat=True))
            if current != [d.pk for d in wanted]:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        from approvals.services import item_set_departments

        departments = getattr(instance, "_import_departments", None)
        current = [link.department_id for link in instance.department_links.order_by("position")]
        if departments is not None and current != [d.pk for d in departments] and not kwargs.get("dry_run"):
            item_set_departments(item=instance, departments=departments, user=self.user)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if result.import_type == RowResult.IMPORT_TYPE_NEW:  # never: get_instance refuses unknown codes
            result.import_type = RowResult.IMPORT_TYPE_ERROR
        return result


class DepartmentResource(resources.ModelResource):
    slug = _text("slug", "网址代码")
    short_name = _text("short_name", "简称")
    full_name = _text("full_name", "全称")
    jurisdiction = fields.Field(
        attribute="jurisdiction", column_name="辖区", widget=widgets.ForeignKeyWidget("approvals.Jurisdiction", "name")
    )
    aliases = fields.Field(column_name="别名", readonly=True)
    position = fields.Field(attribute="position", column_name="排序", widget=widgets.IntegerWidget())

    class Meta:
        model = Department
        import_id_fields = ("jurisdiction", "slug")
        fields = ("jurisdiction", "slug", "short_name", "full_name", "aliases", "position")
        export_order = fields
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def dehydrate_aliases(self, department: Department) -> str:
        return "、".join(alias.name for alias in department.aliases.all())

    def before_import(self, dataset, **kwargs):
        headers = list(dataset.headers or [])
        expected = [field.column_name for field in self.get_export_fields()]
        unknown = [h for h in headers if h not in expected]
        missing = [h for h in expected if h not in headers]
        if unknown or missing:
            raise ValidationError(
                _("列与模板不一致。未知：%(unknown)s；缺少：%(missing)s。")
                % {"unknown": "、".join(unknown) or "无", "missing": "、".join(missing) or "无"}
            )

    def before_save_instance(self, instance, row, **kwargs):
        if self.user is not None and not can_change(self.user, instance.jurisdiction_id):
            raise ValidationError(_("部门“%(name)s”不属于您的辖区。") % {"name": instance.short_name})
