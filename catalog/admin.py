"""Editions in the admin: compile a draft from the register, publish it, compare two editions.

A published edition is read-only here, and `Edition.save`/`Entry.save` refuse
to change it in code too.
"""

import io
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import access
from approvals.admin_scope import ReadOnlyAdmin, ScopedAdmin, related_choices
from approvals.models import Jurisdiction, PolicyDocument
from catalog import (
    admin_feedback,
    admin_import,
    admin_jobs,
    admin_upstream,
    downloads,
    exports,
    jobs,
    prepublication,
    publishing,
)
from catalog.adjustment_notice import notice_title, write_notice_xlsx
from catalog.adjustment_notice_docx import write_notice_docx
from catalog.adjustments import editions_diff, write_adjustment_xlsx
from catalog.exports.docx import CONTENT_TYPE as DOCX
from catalog.models import Edition, Entry, Feedback, Job, UpstreamChange
from catalog.rows import CELL_FIELDS
from catalog.tables import Section, edition_table, mark_first_rows
from spreadsheets.names import download_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# ?format= of the comparison: (writer, extension, content type, what the file name adds to the title).
ADJUSTMENT_DOWNLOADS = {
    "xlsx": (write_adjustment_xlsx, "xlsx", XLSX, gettext_lazy("（明细）")),
    "notice": (write_notice_xlsx, "xlsx", XLSX, ""),
    "notice_docx": (write_notice_docx, "docx", DOCX, ""),
}


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("section", "row", "number", *CELL_FIELDS)
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    ordering = ("section", "row")

    def get_queryset(self, request):
        # Each row is labelled with its str(), which names the edition: one query per row (311 for the 2022 table)
        # without it.
        return super().get_queryset(request).select_related("edition")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _spans(section: Section) -> list[dict]:
    """The section's rows as printed: 序号 and 主项名称 span the rows of their main item (`span` 0 below the first)."""
    rows: list[dict] = []
    first: dict = {}
    for row, is_first in mark_first_rows(section.rows):
        cells = row.cells(section.number)
        rows.append({"span": 0, "head": cells[:2], "cells": cells[2:], "code": row.item_code})
        if is_first:
            first = rows[-1]
        first["span"] += 1
    return rows


class CompileForm(forms.Form):
    slug = forms.SlugField(label=gettext_lazy("版本代码"), help_text=gettext_lazy("例如 2024，用于网址和命令。"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.all())
    on = forms.DateField(
        label=gettext_lazy("截至日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.ModelChoiceField(
        label=gettext_lazy("依据文件"), queryset=PolicyDocument.objects.all(), required=False
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Edition.objects.filter(slug=slug).exists():
            raise ValidationError(_("版本代码“%(slug)s”已被使用。"), code="exists", params={"slug": slug})
        return slug


class DiffForm(forms.Form):
    old = forms.ModelChoiceField(label=gettext_lazy("较早版本"), queryset=Edition.objects.all(), to_field_name="slug")
    new = forms.ModelChoiceField(label=gettext_lazy("较新版本"), queryset=Edition.objects.all(), to_field_name="slug")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("old") and cleaned.get("old") == cleaned.get("new"):
            raise ValidationError(_("请选择两个不同的版本。"), code="same")
        return cleaned


@admin.register(Edition)
class EditionAdmin(ScopedAdmin):
    list_display = ("slug", "title", "jurisdiction", "document", "published_on", "status", "entry_count")
    list_filter = ("status", "jurisdiction")
    list_select_related = ("jurisdiction", "document")
    search_fields = ("slug", "title")
    readonly_fields = ("status", "created_at", "published_by", "acknowledged_warnings")
    inlines = (EntryInline,)
    actions = ("publish",)

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    @admin.display(description=gettext_lazy("行数"), ordering="n_entries")
    def entry_count(self, obj) -> int:
        return obj.n_entries

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request) -> bool:
        return publishing.can_publish(request.user)

    @admin.action(description=gettext_lazy("发布所选草稿"), permissions=["publish"])
    def publish(self, request, queryset):
        """First a page with each draft's comparison with the edition before it; publish on "确认发布"."""
        if request.POST.get("confirm") != "yes":
            return self._publish_confirmation(request, queryset)
        published = []
        for edition in queryset.order_by("pk"):
            warnings = request.POST.get(f"warnings_{edition.pk}", "")
            if warnings and request.POST.get(f"acknowledge_{edition.pk}") != "yes":
                message = _("“%(slug)s”未发布：请先阅读并勾选确认它的发布前提醒。") % {"slug": edition.slug}
                self.message_user(request, message, messages.ERROR)
                continue
            try:
                publishing.edition_publish(edition=edition, user=request.user, acknowledged=warnings)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, "；".join(getattr(error, "messages", [str(error)])), messages.ERROR)
            else:
                published.append(edition.slug)
                if not downloads.writable_online(edition):
                    # Too large to write while a citizen waits: a background job writes its files now.
                    job = jobs.job_enqueue(
                        kind=Job.Kind.DOWNLOADS,
                        jurisdiction=edition.jurisdiction,
                        user=request.user,
                        params={"edition": edition.pk},
                    )
                    note = _('“{slug}”较大，公众下载的文件正在后台生成：<a href="{url}">{job}</a>。')
                    url = reverse("admin:catalog_job_change", args=[job.pk])
                    self.message_user(request, format_html(note, slug=edition.slug, url=url, job=job), messages.INFO)
        if published:
            self.message_user(request, _("已发布：%(slugs)s。") % {"slugs": "、".join(published)}, messages.SUCCESS)

    def _publish_confirmation(self, request, queryset) -> TemplateResponse:
        editions = []
        for edition in queryset.select_related("jurisdiction", "created_by").order_by("pk"):
            previous = edition.previous()
            adjustment = editions_diff(previous, edition) if previous is not None else None
            checks = prepublication.edition_checks(edition)
            editions.append(
                {
                    "edition": edition,
                    "previous": previous,
                    "adjustment": adjustment,
                    "checks": checks,
                    "blocked": any(c.level == prepublication.ERROR and not c.passed for c in checks),
                    "warnings": prepublication.warnings_text(checks),
                }
            )
        context = self._context(
            request,
            _("确认发布目录版本"),
            editions=editions,
            action_checkbox_name=ACTION_CHECKBOX_NAME,
            four_eyes=settings.PUBLISH_FOUR_EYES,
        )
        return TemplateResponse(request, "admin/catalog/edition/publish_confirm.html", context)

    def get_view_on_site_url(self, obj=None):
        # A draft is not on the public site yet: its link shows it here, as it will be published.
        if obj is not None and not obj.is_published:
            return reverse("admin:catalog_edition_preview", args=[obj.pk])
        return super().get_view_on_site_url(obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/preview/", wrap(self.preview_view), name="catalog_edition_preview"),
            path("compile/", wrap(self.compile_view), name="catalog_edition_compile"),
            path("diff/", wrap(self.diff_view), name="catalog_edition_diff"),
            path("import-official/", wrap(admin_import.import_view(self)), name="catalog_edition_import_official"),
        ] + super().get_urls()

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def compile_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        home = access.home_jurisdiction(request.user)
        form = CompileForm(request.POST or None, initial={"jurisdiction": home})
        for name in ("jurisdiction", "document"):
            choices = related_choices(form.fields[name].queryset.model, request, purpose="change")
            if choices is not None:
                form.fields[name].queryset = choices
        if request.method == "POST" and form.is_valid():
            try:
                edition = publishing.edition_compile(**form.cleaned_data, user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    _("已生成草稿“%(slug)s”，共 %(rows)d 行。核对无误后由审核人发布。")
                    % {"slug": edition.slug, "rows": edition.entries.count()},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:catalog_edition_change", args=[edition.pk]))
        return TemplateResponse(
            request,
            "admin/catalog/edition/form_page.html",
            self._context(request, _("从登记册生成目录草稿"), form=form),
        )

    def preview_view(self, request, object_id):
        """The edition in the official layout, or its workbook with `?format=xlsx`, published or not."""
        edition = self.get_object(request, unquote(object_id))
        if edition is None:
            raise Http404
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        table = edition_table(edition)
        if request.GET.get("format") == "xlsx":
            writer, content_type = exports.formats()["xlsx"]
            buffer = io.BytesIO()
            writer(table, buffer)
            response = HttpResponse(buffer.getvalue(), content_type=content_type)
            name = _("目录版本%(slug)s（草稿）.xlsx") if not edition.is_published else _("目录版本%(slug)s.xlsx")
            response["Content-Disposition"] = (
                f'attachment; filename="edition-{edition.slug}.xlsx"; '
                f"filename*=UTF-8''{quote(name % {'slug': edition.slug})}"
            )
            return response
        sections = [
            {"heading": section.heading, "columns": section.columns, "rows": _spans(section), "notes": section.notes}
            for section in table.sections
        ]
        context = self._context(request, _("预览：%(title)s") % {"title": edition.title}, edition=edition)
        context["sections"] = sections
        return TemplateResponse(request, "admin/catalog/edition/preview.html", context)

    def diff_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DiffForm(request.GET or None)
        for name in ("old", "new"):
            form.fields[name].queryset = self.get_queryset(request)
        adjustment = None
        if form.is_valid():
            adjustment = editions_diff(form.cleaned_data["old"], form.cleaned_data["new"])
            download = ADJUSTMENT_DOWNLOADS.get(request.GET.get("format"))
            if download is not None:
                writer, extension, content_type, suffix = download
                buffer = io.BytesIO()
                writer(adjustment, buffer)
                response = HttpResponse(buffer.getvalue(), content_type=content_type)
                title = notice_title(adjustment) + str(suffix)
                response["Content-Disposition"] = content_disposition_header(True, download_name(title, extension))
                return response
        context = self._context(request, _("两个版本之间的调整对照表"), form=form, adjustment=adjustment)
        return TemplateResponse(request, "admin/catalog/edition/diff.html", context)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin, ScopedAdmin):
    jurisdiction_path = "edition__jurisdiction"

    list_display = ("edition", "section", "row", "number", "main_name", "sub_name", "item_type", "departments", "batch")
    list_filter = ("edition", "section")
    search_fields = ("main_name", "sub_name", "item__code")
    list_select_related = ("edition",)


admin.site.register(Job, admin_jobs.JobAdmin)
admin.site.register(Feedback, admin_feedback.FeedbackAdmin)
admin.site.register(UpstreamChange, admin_upstream.UpstreamChangeAdmin)
