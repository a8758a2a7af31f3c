"""The item list and form: status changes by actions, edits through the services, history from the start.

Status changes happen only through the actions (approvals/admin/actions.py), each of which calls a
service in approvals/services.py. Edits are audited by django-simple-history (who, when, what) and
guarded against lost updates by django-concurrency.
"""

from __future__ import annotations

from concurrency.fields import IntegerVersionField
from concurrency.forms import VersionWidget
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from approvals import claims, codes, effective, queries, services
from approvals.admin.actions import TRANSFER_ACTIONS, register_on_date_view
from approvals.admin.flat_io import FlatImportExportMixin
from approvals.admin.forms import ApprovalItemForm, ItemDepartmentFormSet
from approvals.admin_scope import ScopedAdmin, ScopedInline
from approvals.item_codes import item_codes
from approvals.models import (
    GUIDE_FIELDS,
    ApprovalItem,
    ItemDepartment,
    Transfer,
)
from approvals.resources import ItemResource

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ChineseDeltaHelper(HistoricalRecordContextHelper):
    """A change's old and new values as the form shows them: labels of choices, 是/否, “—” for nothing."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class ReadOnlyInlineMixin:
    can_delete = False
    extra = 0
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ItemDepartmentInline(ScopedInline, admin.TabularInline):
    model = ItemDepartment
    formset = ItemDepartmentFormSet
    fields = ("position", "department")
    extra = 0
    min_num = 0
    autocomplete_fields = ("department",)
    verbose_name = _("划转部门")
    verbose_name_plural = _("划转部门（按表格中的先后顺序）")


class SubItemInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ApprovalItem
    fk_name = "parent"
    fields = ("code", "name", "item_type", "status")
    readonly_fields = fields
    show_change_link = True
    verbose_name = _("子项")
    verbose_name_plural = _("子项（在“新增审批事项”中选择主项即可添加）")


class TransferInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Transfer
    fields = (
        "sequence",
        "kind",
        "from_status",
        "to_status",
        "effective_on",
        "document",
        "note",
        "recorded_by",
        "recorded_at",
    )
    readonly_fields = fields
    ordering = ("sequence",)
    verbose_name_plural = _("划转记录（只读；请用列表页的操作登记新的划转）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("document", "recorded_by")


class BatchFilter(admin.SimpleListFilter):
    title = _("划转批次")
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        return queries.batch_choices()  # the same values as the public filter's

    def queryset(self, request, queryset):
        condition = queries.batch_condition(self.value()) if self.value() else None
        return queryset.filter(condition) if condition is not None else queryset


class LevelFilter(admin.SimpleListFilter):
    title = _("主项/子项")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("main", _("主项")), ("sub", _("子项"))]

    def queryset(self, request, queryset):
        if self.value() == "main":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(ApprovalItem)
class ApprovalItemAdmin(FlatImportExportMixin, ScopedAdmin, SimpleHistoryAdmin):
    # Only django-concurrency's form is used: its ConcurrentModelAdmin, with
    # check_concurrent_action off, applies an action to every row instead of the selected ones.
    form = ApprovalItemForm
    formfield_overrides = {IntegerVersionField: {"widget": VersionWidget}}
    resource_classes = [ItemResource]
    change_list_template = "admin/approvals/approvalitem/change_list.html"
    list_display = (
        "code",
        "name",
        "item_type",
        "departments_display",
        "status_display",
        "batch_display",
        "in_base_catalogue",
    )
    list_display_links = ("code", "name")
    list_filter = (
        "status",
        "item_type",
        BatchFilter,
        "in_base_catalogue",
        ("departments", admin.RelatedOnlyFieldListFilter),
        "jurisdiction",
        LevelFilter,
    )
    search_fields = ("code", "name", "children__name")
    list_select_related = ("jurisdiction", "intake__document", "parent")
    list_per_page = 50
    readonly_fields = (
        "code",
        "status",
        "upcoming_display",
        "batch_display",
        "item_type_code_display",
        "implementation_code_display",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("parent",)
    inlines = (ItemDepartmentInline, SubItemInline, TransferInline)
    actions = TRANSFER_ACTIONS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "jurisdiction",
                    "code",
                    "parent",
                    "position",
                    "name",
                    "item_type",
                    "source_text",
                    "in_base_catalogue",
                    "remarks",
                    "version",
                )
            },
        ),
        (
            _("国家标准编码（GB/T 39046）"),
            {"fields": ("basic_code", "exercise_level", "item_type_code_display", "implementation_code_display")},
        ),
        (_("当前状态（由划转记录决定）"), {"fields": ("status", "upcoming_display", "batch_display")}),
        (
            _("办事指南（选填）"),
            {
                "classes": ("collapse",),
                "fields": GUIDE_FIELDS,
            },
        ),
        (_("记录"), {"fields": ("created_at", "updated_at")}),
    )
    object_history_template = "admin/approvals/approvalitem/object_history.html"

    def get_queryset(self, request):
        items = (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("department_links", queryset=ItemDepartment.objects.select_related("department"))
            )
        )
        return effective.with_pending(items)  # the list and the form say what an item waits for

    def get_historical_record_context_helper(self, request, historical_record):
        return ChineseDeltaHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        self._history_object(request, object_id)
        # Besides the item's own field changes: its transfer events and its department links.
        extra_context = {
            **(extra_context or {}),
            "transfers": Transfer.objects.filter(item_id=object_id).select_related("document", "recorded_by"),
            "department_history": ItemDepartment.history.filter(item_id=object_id)
            .select_related("department", "history_user")
            .order_by("-history_date"),
        }
        return super().history_view(request, object_id, extra_context=extra_context)

    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_site.admin_view(register_on_date_view(self))
        return [path("on-date/", view, name="approvals_approvalitem_on_date")] + urls

    @admin.display(description=_("划转部门"))
    def departments_display(self, obj: ApprovalItem) -> str:
        return obj.department_text()

    @admin.display(description=_("当前状态"), ordering="status")
    def status_display(self, obj: ApprovalItem) -> str:
        upcoming = self.upcoming_display(obj)
        if upcoming == "—":
            return obj.get_status_display()
        return format_html('{}<br><small class="upcoming">{}</small>', obj.get_status_display(), upcoming)

    @admin.display(description=_("待生效的变更"))
    def upcoming_display(self, obj: ApprovalItem) -> str:
        kind = getattr(obj, "pending_kind", None)  # annotated by get_queryset; a new item has none
        return effective.upcoming_text(kind, obj.pending_on) if kind else "—"

    @admin.display(description=_("划转情况"))
    def batch_display(self, obj: ApprovalItem) -> str:
        return obj.batch_text() or "—"

    @admin.display(description=_("事项类型代码"))
    def item_type_code_display(self, obj: ApprovalItem) -> str:
        return codes.item_type_code(obj.item_type) if obj.item_type else "—"

    @admin.display(description=_("实施编码"))
    def implementation_code_display(self, obj: ApprovalItem) -> str:
        found = item_codes([obj.pk]).get(obj.pk) if obj.pk else None
        if found is None or not found.implementation_code:
            return _("—（缺少实施主体的统一社会信用代码、基本编码等组成部分时不生成）")
        return found.implementation_code

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # A county's copy of a city item keeps the city's name, type and legal basis (approvals/claims.py).
        return (*fields, *claims.LOCKED_FIELDS) if obj is not None and obj.derived_from_id else fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.derived_from_id and request.method == "GET":
            messages.info(request, claims.LOCKED_NOTICE)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_record_transfer_permission(self, request) -> bool:
        return request.user.has_perm("approvals.add_transfer")

    def has_delete_permission(self, request, obj=None):
        # Items are never deleted: a withdrawn power is cancelled, and its history stays.
        return False

    # The add and change forms write through the services, like every other path: a new item gets its
    # code and its place among its siblings from `item_create`, its departments from `item_set_departments`.
    def save_model(self, request, obj, form, change):
        if change:
            services.item_update(item=obj, user=request.user)
        # A new item is created in save_related, once its departments (an inline) are known.

    def save_related(self, request, form, formsets, change):
        item = form.instance
        departments = []
        for formset in formsets:
            formset.save(commit=False)  # what changed, for the change message; the services write it
            if formset.model is ItemDepartment:
                kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
                ordered = sorted(
                    (row for row in kept if row.get("department")), key=lambda row: row.get("position") or 0
                )
                departments = [row["department"] for row in ordered]
        if change:
            services.item_set_departments(item=item, departments=departments, user=request.user)
            return
        guide = {name: getattr(item, name) for name in services.GUIDE_FIELDS}
        created = services.item_create(
            jurisdiction=item.jurisdiction,
            name=item.name,
            item_type=item.item_type,
            departments=departments,
            parent=item.parent,
            in_base_catalogue=item.in_base_catalogue,
            remarks=item.remarks,
            source_text=item.source_text,
            guide=guide,
            basic_code=item.basic_code,
            exercise_level=item.exercise_level,
            user=request.user,
        )
        # The admin goes on with the object its form built (the message, the redirect): make it the created one.
        item.__dict__.update({key: value for key, value in created.__dict__.items() if not key.startswith("_")})
        item._state.adding, item._state.db = False, created._state.db
