"""The register's other tables: departments, policy documents, jurisdictions, transfer events, staff."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from approvals import access
from approvals.admin.flat_io import FlatImportExportMixin
from approvals.admin.forms import DepartmentForm
from approvals.admin_scope import ReadOnlyAdmin, ScopedAdmin
from approvals.alignment import alignment_report, write_alignment_xlsx
from approvals.models import (
    Department,
    DepartmentAlias,
    Jurisdiction,
    PolicyDocument,
    StaffProfile,
    Transfer,
)
from approvals.resources import DepartmentResource
from approvals.standardisation import element_differences, write_differences_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    extra = 0


@admin.register(Department)
class DepartmentAdmin(FlatImportExportMixin, ScopedAdmin, SimpleHistoryAdmin):
    resource_classes = [DepartmentResource]
    list_display = (
        "short_name",
        "full_name",
        "jurisdiction",
        "at_bureau_count",
        "item_count",
        "aliases_display",
        "position",
    )
    list_filter = ("jurisdiction", "is_bureau")
    search_fields = ("short_name", "full_name", "aliases__name")
    list_select_related = ("jurisdiction",)
    inlines = (DepartmentAliasInline,)
    form = DepartmentForm  # normalises the 统一社会信用代码 before the model's check
    fieldsets = (
        (None, {"fields": ("jurisdiction", "slug", "short_name", "full_name", "is_bureau", "position")}),
        (
            _("联系方式与代码"),
            {
                "fields": ("address", "phone", "office_hours", "website", "credit_code"),
                # Where citizens go (approvals/offices.py): the item pages show a blank field as 暂未公布.
                "description": _("显示在事项页面的“去哪里办”、接口和开放数据中；未填写的显示为“暂未公布”。"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_item_counts().prefetch_related("aliases")

    @admin.display(description=_("全部主项"), ordering="items_registered")
    def item_count(self, obj) -> int:
        return obj.items_registered

    @admin.display(description=_("在审批局实施的主项"), ordering="items_at_bureau")
    def at_bureau_count(self, obj) -> int:
        return obj.items_at_bureau

    @admin.display(description=_("别名"))
    def aliases_display(self, obj) -> str:
        return "、".join(alias.name for alias in obj.aliases.all())


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """Documents belong to their issuing jurisdiction; the city's and the province's may be cited by all."""

    list_display = ("number", "title", "issuer", "jurisdiction", "issued_on", "batch_label")
    search_fields = ("number", "title")
    list_filter = ("jurisdiction", "issuer")
    list_select_related = ("jurisdiction",)

    def scope_rows(self, queryset, request, *, for_change=False):
        return access.scope_documents(queryset, request.user, purpose="change" if for_change else "view")

    def get_changeform_initial_data(self, request):
        return {"jurisdiction": access.home_jurisdiction(request.user), **super().get_changeform_initial_data(request)}


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedAdmin):
    list_display = (
        "name",
        "code",
        "level",
        "division_code",
        "code_prefix",
        "parent",
        "position",
        "county_catalogue",
        "element_report",
        "national_export",
    )
    list_select_related = ("parent",)
    readonly_fields = ("item_counter", "county_catalogue")

    def scope_rows(self, queryset, request, *, for_change=False):
        user = request.user
        if user.is_superuser:
            return queryset
        # Staff read the jurisdictions whose registers they may view; only superusers change them.
        return queryset.none() if for_change else queryset.filter(pk__in=access.viewable_jurisdictions(user))

    @admin.display(description=_("县级目录"))
    def county_catalogue(self, obj: Jurisdiction) -> str:
        if obj.pk is None or obj.level != Jurisdiction.Level.COUNTY:
            return "—"
        # The derive is publication's work (catalog), named here by its URL only: approvals imports no catalog.
        derive = reverse("admin:catalog_job_derive_county", args=[obj.pk])
        claims = reverse("admin:catalog_job_county_claims", args=[obj.pk])
        alignment = reverse("admin:approvals_jurisdiction_alignment", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            derive,
            _("从市级目录派生"),
            claims,
            _("认领市级事项"),
            alignment,
            _("对齐情况"),
        )

    @admin.display(description=_("办事指南要素"))
    def element_report(self, obj: Jurisdiction) -> str:
        if obj.pk is None or obj.level == Jurisdiction.Level.PROVINCE:
            return "—"
        url = reverse("admin:approvals_jurisdiction_elements", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("与市级的差异"))

    @admin.display(description=_("实施清单（国家标准交换格式）"))
    def national_export(self, obj: Jurisdiction) -> str:
        if obj.pk is None or obj.level == Jurisdiction.Level.PROVINCE:
            return "—"
        # The public export (catalog/exports/national.py), named by its URL: approvals imports no catalog.
        query = urlencode({"jurisdiction": obj.code})
        xlsx, csv = (f"{reverse(f'public:export_national_{fmt}')}?{query}" for fmt in ("xlsx", "csv"))
        return format_html('<a href="{}">Excel</a> · <a href="{}">csv</a>', xlsx, csv)

    def get_urls(self):
        view = self.admin_site.admin_view(self.alignment_view)
        elements = self.admin_site.admin_view(self.elements_view)
        return [
            path("<int:pk>/alignment/", view, name="approvals_jurisdiction_alignment"),
            path("<int:pk>/elements/", elements, name="approvals_jurisdiction_elements"),
        ] + super().get_urls()

    def elements_view(self, request, pk: int):
        """Where the counties' service-guide elements differ from the city's (issue 18 §3): for the city, every
        county; for a county, its own. A page, or the workbook with ?format=xlsx."""
        place = get_object_or_404(self.get_queryset(request).exclude(level=Jurisdiction.Level.PROVINCE), pk=pk)
        reports = element_differences(place)
        if request.GET.get("format") == "xlsx":
            buffer = io.BytesIO()
            write_differences_xlsx(place, reports, buffer)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="elements-{place.code}.xlsx"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(place)s办事指南要素与市级的差异") % {"place": place},
            "opts": self.model._meta,
            "place": place,
            "reports": reports,
            "differences": sum(len(report.differences) for report in reports),
        }
        return TemplateResponse(request, "admin/approvals/jurisdiction/elements.html", context)

    def alignment_view(self, request, pk: int):
        county = get_object_or_404(self.get_queryset(request).filter(level=Jurisdiction.Level.COUNTY), pk=pk)
        report = alignment_report(county)
        if request.GET.get("format") == "xlsx":
            buffer = io.BytesIO()
            write_alignment_xlsx(report, buffer)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="alignment-{county.code}.xlsx"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(county)s与市级划转事项的对齐情况") % {"county": county},
            "opts": self.model._meta,
            "report": report,
        }
        return TemplateResponse(request, "admin/approvals/jurisdiction/alignment.html", context)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin, ScopedAdmin):
    jurisdiction_path = "item__jurisdiction"
    list_display = (
        "item",
        "sequence",
        "kind",
        "from_status",
        "to_status",
        "effective_on",
        "document",
        "recorded_by",
        "recorded_at",
    )
    list_filter = ("kind", "to_status", "document", "effective_on", "item__jurisdiction")
    search_fields = ("item__code", "item__name", "note")
    list_select_related = ("item", "document", "recorded_by")
    date_hierarchy = "recorded_at"


@admin.register(StaffProfile)
class StaffProfileAdmin(ScopedAdmin):
    list_display = ("user", "jurisdiction")
    list_filter = ("jurisdiction",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
