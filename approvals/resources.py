"""The flat exchange format of the admin (django-import-export): one row per item or sub-item, keyed by code.

Headers and values are the clerks' words (事项类型 行政许可, not licensing). An
import may only update items that exist; status changes are not part of it
(they go through the actions or the official-layout import, which keep the
history). Unknown, renamed or missing columns and a key listed twice refuse the
whole file; validation errors roll everything back. Every problem reaches the
clerk as a Chinese sentence naming the row as Excel numbers it and the column
as the template heads it (`result.problems`), never as a traceback.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult

from approvals.access import can_change, home_jurisdiction
from approvals.models import GUIDE_FIELDS, ApprovalItem, Department, ItemType, Jurisdiction

logger = logging.getLogger(__name__)


class ChoiceLabelWidget(widgets.Widget):
    """A TextChoices field written and read as its Chinese label."""

    def __init__(self, choices):
        super().__init__()
        self.by_label = {str(label): value for value, label in choices}
        self.by_value = {value: str(label) for value, label in choices}

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if text not in self.by_label:
            raise ValueError(
                _("应填写%(known)s之一，实际为“%(value)s”。") % {"known": "、".join(self.by_label), "value": text}
            )
        return self.by_label[text]

    def render(self, value, obj=None, **kwargs):
        return self.by_value.get(value, "")


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if text in ("是", "否"):
            return text == "是"
        raise ValueError(_("应填写“是”或“否”，实际为“%(value)s”。") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class JurisdictionWidget(widgets.ForeignKeyWidget):
    """A jurisdiction written and read as its name (朔州市本级, 朔城区)."""

    def __init__(self):
        # The model class itself: the library does not resolve an "app.Model" string (it calls .objects on it).
        super().__init__(Jurisdiction, field="name")

    def clean(self, value, row=None, **kwargs):
        name = str(value if value is not None else "").strip()
        if name:
            try:
                return super().clean(name, row, **kwargs)
            except Jurisdiction.DoesNotExist:
                pass
        known = "、".join(Jurisdiction.objects.values_list("name", flat=True))
        raise ValueError(_("应填写%(known)s之一，实际为“%(value)s”。") % {"known": known, "value": name})


class PositionWidget(widgets.Widget):
    """A sort position: a whole number from 0, typed as text or as a number."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value if value is not None else "").strip()
        if not re.fullmatch(r"[0-9]{1,9}", text):
            raise ValueError(_("应填写不小于 0 的整数，实际为“%(value)s”。") % {"value": text})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _text(attribute: str, column: str) -> fields.Field:
    """A text column: an empty cell is an empty text, never NULL."""
    return fields.Field(attribute=attribute, column_name=column, widget=widgets.CharWidget(allow_blank=True))


def _quoted(headers) -> str:
    return "、".join(f"“{h}”" if h not in (None, "") else _("（没有列名的列）") for h in headers)


class FlatResource(resources.ModelResource):
    """What the flat resources share: who imports, the file's checks, and problems told as clerks' sentences.

    A row that would create or change a record of a jurisdiction the user may not change is refused
    (the column `jurisdiction_key` carries the refusal); a row that changes nothing is skipped, so a
    file exported by city staff, who see the counties' records, imports back unchanged.
    """

    jurisdiction_key = "jurisdiction"

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.excel_rows: list[int] | None = None

    def import_data(self, dataset, *args, **kwargs) -> Result:
        # Our readers record each data row's row number in the sheet (blank rows are left out of the dataset).
        self.excel_rows = getattr(dataset, "excel_rows", None)
        result = super().import_data(dataset, *args, **kwargs)
        result.problems = self.problems(result)
        return result

    def excel_row(self, number: int) -> int:
        """The sheet's row number of the dataset's `number`-th row (1-based): the header is row 1."""
        if self.excel_rows and 0 < number <= len(self.excel_rows):
            return self.excel_rows[number - 1]
        return number + 1

    def columns(self) -> dict[str, str]:
        """The template's column heading of each field and model attribute."""
        headings = {}
        for name, field in self.fields.items():
            headings[name] = field.column_name
            if field.attribute:
                headings[field.attribute] = field.column_name
        return headings

    def before_import(self, dataset, **kwargs):
        """Refuse the file, not a row, when its columns or keys are not what the template has."""
        headers = list(dataset.headers or [])
        expected = [field.column_name for field in self.get_export_fields()]
        unknown = [h for h in headers if h not in expected]
        missing = [h for h in expected if h not in headers]
        problems = []
        if unknown:
            problems.append(
                _("未知的列：%(columns)s（列名须与模板完全一致，不能有多余空格）。") % {"columns": _quoted(unknown)}
            )
        if missing:
            problems.append(_("缺少列：%(columns)s。") % {"columns": _quoted(missing)})
        if not problems:
            keys = [self.fields[name].column_name for name in self._meta.import_id_fields]
            seen: dict[tuple, int] = {}
            for number, row in enumerate(dataset.dict, start=1):
                key = tuple(str(row.get(column) or "").strip() for column in keys)
                here = self.excel_row(number)
                if key in seen:
                    named = "、".join(f"{column}“{value}”" for column, value in zip(keys, key, strict=True))
                    problems.append(
                        _("%(key)s在第 %(first)d 行和第 %(row)d 行重复。")
                        % {"key": named, "first": seen[key], "row": here}
                    )
                seen.setdefault(key, here)
        if problems:
            raise ValidationError(problems)

    def get_instance(self, instance_loader, row):
        # A key cell that cannot be read is that column's error, not an exception of the whole row.
        errors = {}
        for name in self._meta.import_id_fields:
            field = self.fields[name]
            try:
                field.clean(row)
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)
        return super().get_instance(instance_loader, row)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Called only for rows that will be saved: a row that changes nothing was skipped before.
        errors = dict(import_validation_errors or {})
        if self.jurisdiction_key not in errors and not can_change(self.user, instance.jurisdiction_id):
            home = home_jurisdiction(self.user)
            errors[self.jurisdiction_key] = ValidationError(
                _("此行属于“%(jurisdiction)s”，您只能导入本辖区（%(home)s）的%(what)s。")
                % {
                    "jurisdiction": instance.jurisdiction.name if instance.jurisdiction_id else "",
                    "home": home.name if home else _("无"),
                    "what": self._meta.model._meta.verbose_name,
                },
                code="jurisdiction",
            )
        super().validate_instance(instance, errors, validate_unique)

    def before_save_instance(self, instance, row, **kwargs):
        # Outside a request simple-history cannot know who changed the record: tell it.
        instance._history_user = self.user

    def problems(self, result: Result) -> list[str]:
        """Every problem of the import as a sentence naming the row and column; tracebacks go to the log."""
        if result.base_errors:  # the file is refused as a whole: what its rows did is beside the point
            problems = []
            for error in result.base_errors:
                if isinstance(error.error, ValidationError):
                    problems.extend(error.error.messages)
                else:
                    logger.error("Flat import of %s failed", self._meta.model.__name__, exc_info=error.error)
                    problems.append(_("文件无法导入：系统出错，错误已记录，请联系系统管理员。"))
            return problems
        numbered = []
        for error_row in result.error_rows:
            for error in error_row.errors:
                logger.error("Flat import: row %s failed", error_row.number, exc_info=error.error)
            row = self.excel_row(error_row.number)
            numbered.append(
                (row, _("第 %(row)d 行：系统无法处理这一行，错误已记录，请联系系统管理员。") % {"row": row})
            )
        headings = self.columns()
        for invalid in result.invalid_rows:
            row = invalid.excel_row = self.excel_row(invalid.number)
            for key, messages in invalid.error_dict.items():
                column = headings.get(key) or self._verbose_name(key)
                for message in messages:
                    if column:
                        text = _("第 %(row)d 行“%(column)s”列：%(message)s")
                    else:
                        text = _("第 %(row)d 行：%(message)s")
                    numbered.append((row, text % {"row": row, "column": column, "message": message}))
        return [text for _row, text in sorted(numbered, key=lambda pair: pair[0])]

    def _verbose_name(self, key: str) -> str | None:
        if key == NON_FIELD_ERRORS:
            return None
        try:
            return str(self._meta.model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            return None


class ItemResource(FlatResource):
    code = fields.Field(attribute="code", column_name="事项编码")
    parent_code = fields.Field(column_name="主项编码", readonly=True)
    name = _text("name", "事项名称")
    item_type = fields.Field(attribute="item_type", column_name="事项类型", widget=ChoiceLabelWidget(ItemType.choices))
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
        name = gettext_lazy("审批事项")  # how the import and export pages name the table (else "ItemResource")
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
            *GUIDE_FIELDS,
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        skip_diff = False

    jurisdiction_key = "code"

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

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is None:
            raise ValidationError(
                {
                    "code": _("“%(code)s”不存在：此处只能修改已登记的事项，新增事项请用官方版式导入或在管理后台新增。")
                    % {"code": str(row.get("事项编码") or "").strip()}
                }
            )
        return instance

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        status = str(row.get("当前状态") or "").strip()
        if status and status != instance.get_status_display():
            # A status is the consequence of an event with its date and legal basis: never a cell edit.
            raise ValidationError(
                {
                    "status": _(
                        "当前状态不能在导入中修改（表中为“%(new)s”，登记册为“%(old)s”）。"
                        "请在“审批事项”列表中选中事项，用“退回原部门”“取消事项”等操作登记，并填写生效日期和依据文件。"
                    )
                    % {"new": status, "old": instance.get_status_display()}
                }
            )
        names = [n for n in str(row.get("划转部门") or "").split("、") if n.strip()]
        departments = []
        for name in names:
            department = Department.objects.named(name).filter(jurisdiction_id=instance.jurisdiction_id).first()
            if department is None:
                raise ValidationError({"departments": _("未知的部门“%(name)s”。") % {"name": name.strip()}})
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


class DepartmentResource(FlatResource):
    """Departments keyed by jurisdiction and 网址代码: a row with a new key adds a department."""

    slug = _text("slug", "网址代码")
    short_name = _text("short_name", "简称")
    full_name = _text("full_name", "全称")
    jurisdiction = fields.Field(attribute="jurisdiction", column_name="辖区", widget=JurisdictionWidget())
    aliases = fields.Field(column_name="别名", readonly=True)
    position = fields.Field(attribute="position", column_name="排序", widget=PositionWidget())

    class Meta:
        model = Department
        name = gettext_lazy("部门")
        import_id_fields = ("jurisdiction", "slug")
        fields = ("jurisdiction", "slug", "short_name", "full_name", "aliases", "position")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        return Department.objects.select_related("jurisdiction")

    def dehydrate_aliases(self, department: Department) -> str:
        return "、".join(alias.name for alias in department.aliases.all())
