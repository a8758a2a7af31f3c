"""The flat import/export of the admin (django-import-export), set up as the bureau needs it.

Only users with the model's add permission import and with its view permission
export (settings); each resource knows who imports, for the jurisdiction check;
validation errors roll the whole file back; a clerk can download an empty template.
The readers record each data row's row number in the sheet, so that every message
names the row Excel shows; the page (templates/admin/import_export/import.html)
shows the resource's sentences, never a traceback.
"""

import csv
import io
import logging

import tablib
import xlsxwriter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm

from spreadsheets.cells import archive_problem, clean_text, inert_csv_text
from spreadsheets.heights import row_height, row_height_function
from spreadsheets.names import download_name

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLANK_RUN_LIMIT = 1000
FONT_SIZE = 11  # xlsxwriter's default font, in points
MIN_WIDTH, MAX_WIDTH, TEMPLATE_WIDTH = 8, 40, 16  # columns, in Excel's character units
logger = logging.getLogger(__name__)


class UnreadableFile(ValueError):
    """A file our readers refuse, with the reason in the clerks' words."""


def _checked(dataset: tablib.Dataset, excel_rows: list[int]) -> tablib.Dataset:
    if not len(dataset):
        raise UnreadableFile(_("文件只有表头，没有数据行。"))
    dataset.excel_rows = excel_rows  # read by FlatResource: blank rows are not in the dataset
    return dataset


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _widths(headers: list[str], rows: list[list]) -> list[float]:
    """Each column as wide as its longest text (a CJK character is 2 units), within MIN_WIDTH and MAX_WIDTH."""
    widths = [max(MIN_WIDTH, min(MAX_WIDTH, _text_width(header))) for header in headers]
    for row in rows:
        for column, value in enumerate(row[: len(widths)]):
            if widths[column] < MAX_WIDTH:
                widths[column] = max(widths[column], min(MAX_WIDTH, _text_width(str(value))))
    return widths


def _text_width(text: str) -> float:
    return max((sum(2 if ord(char) > 0x2E7F else 1.1 for char in line) + 1 for line in text.split("\n")), default=0)


class SafeXLSX(XLSX):
    """XLSX both ways without the library's traps.

    Export writes every text as a string cell (never a formula, no character dropped, unlike
    IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT which strips a leading '='). Import checks the archive
    before parsing, reads the first sheet that has data (not whichever is active), refuses formulas
    (whose cached value may be missing) and stops at a long run of blank rows.
    """

    def export_data(self, dataset, **kwargs):
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            buffer,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        sheet = workbook.add_worksheet()
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        headers = [clean_text(header) for header in dataset.headers or []]
        rows = [
            [value if _is_number(value) else clean_text(value) if value not in (None, "") else "" for value in row]
            for row in dataset
        ]
        widths = _widths(headers, rows)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        # LibreOffice and WPS do not grow a row for wrapped text: each row gets the height its text needs.
        height_of = row_height_function(tuple(widths), FONT_SIZE)
        sheet.set_row(0, height_of(headers))
        for column, header in enumerate(headers):
            sheet.write_string(0, column, header, bold)
        for row_index, row in enumerate(rows, start=1):
            sheet.set_row(row_index, height_of([value if isinstance(value, str) else "" for value in row]))
            for column, value in enumerate(row):
                if _is_number(value):
                    sheet.write_number(row_index, column, value, wrap)
                elif value:
                    sheet.write_string(row_index, column, value, wrap)
        sheet.freeze_panes(1, 0)
        workbook.close()
        return buffer.getvalue()

    def create_dataset(self, in_stream):
        import openpyxl

        problem = archive_problem(io.BytesIO(in_stream), len(in_stream))
        if problem:
            raise UnreadableFile(_("文件") + problem)
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=False)
        try:
            dataset = tablib.Dataset()
            for sheet in book.worksheets:
                rows = sheet.iter_rows()
                header = next(rows, None)
                if not header or all(cell.value in (None, "") for cell in header):
                    continue
                dataset.headers = [cell.value for cell in header]
                excel_rows = []
                blanks = 0
                for number, cells in enumerate(rows, start=2):
                    values = [cell.value for cell in cells]
                    if all(value in (None, "") for value in values):
                        blanks += 1
                        if blanks >= BLANK_RUN_LIMIT:
                            break
                        continue
                    blanks = 0
                    for column, cell in enumerate(cells, start=1):
                        if getattr(cell, "data_type", None) == "f":
                            raise UnreadableFile(
                                _("工作表“%(sheet)s”第 %(row)d 行第 %(column)d 列是公式，请改为直接填写的值。")
                                % {"sheet": sheet.title, "row": number, "column": column}
                            )
                    dataset.append((values + [None] * len(dataset.headers))[: len(dataset.headers)])
                    excel_rows.append(number)
                    if len(dataset) > settings.ADMIN_FLAT_MAX_ROWS:
                        raise UnreadableFile(_too_many_rows())
                return _checked(dataset, excel_rows)
            raise UnreadableFile(_("工作簿中没有数据。"))
        finally:
            book.close()


def _not_utf8() -> str:
    return _("CSV 文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或直接上传 xlsx 文件。")


def _too_many_rows() -> str:
    return _(
        "在线导入最多 %(limit)d 行，请分批导入；整张官方版式的目录请在服务器上用 manage.py import_catalogue 导入。"
    ) % {"limit": settings.ADMIN_FLAT_MAX_ROWS}


class SafeCSV(CSV):
    """CSV in UTF-8, whose formula-looking cells are written with a leading apostrophe (nothing removed)."""

    def create_dataset(self, in_stream):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise UnreadableFile(_not_utf8()) from None
        in_stream = in_stream.removeprefix("\ufeff")
        # As tablib reads it, but numbering rows as Excel shows them (a record is a row) and skipping blank ones.
        dataset = tablib.Dataset()
        excel_rows = []
        for number, row in enumerate(csv.reader(io.StringIO(in_stream)), start=1):
            if number == 1:
                dataset.headers = row
            elif any(cell.strip() for cell in row):
                width = len(dataset.headers)
                if any(cell.strip() for cell in row[width:]):
                    raise UnreadableFile(
                        _("第 %(row)d 行有 %(cells)d 个值，表头只有 %(width)d 列：请检查多出的逗号或缺少的列名。")
                        % {"row": number, "cells": len(row), "width": width}
                    )
                dataset.append((row + [""] * width)[:width])
                excel_rows.append(number)
                if len(dataset) > settings.ADMIN_FLAT_MAX_ROWS:
                    raise UnreadableFile(_too_many_rows())
        if dataset.headers is None:
            raise UnreadableFile(_("文件是空的。"))
        return _checked(dataset, excel_rows)

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([clean_text(h) for h in dataset.headers or []])
        for row in dataset:
            writer.writerow([inert_csv_text(v) if isinstance(v, str) else v for v in row])
        return out.getvalue()


class ColumnsExportForm(SelectableFieldsExportForm):
    """Each column offered by its heading in the file (事项编码), not by the attribute behind it ("Code (事项编码)")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


class FlatImportExportMixin(ImportExportMixin):
    formats = [SafeXLSX, SafeCSV]
    export_form_class = ColumnsExportForm
    to_encoding = "utf-8-sig"  # Excel on a Chinese desktop needs the byte-order mark
    import_error_display = ("message",)
    skip_admin_log = False

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # Written in memory, row by row, inside the request: a large export goes through the command.
        if queryset.order_by().values("pk")[: settings.ADMIN_FLAT_MAX_ROWS + 1].count() > settings.ADMIN_FLAT_MAX_ROWS:
            raise ValueError(
                _("在线导出最多 %(limit)d 行，请先筛选；整个目录请在服务器上用 manage.py export_catalogue 导出。")
                % {"limit": settings.ADMIN_FLAT_MAX_ROWS}
            )
        return super().get_export_data(file_format, request, queryset, **kwargs)

    def get_export_filename(self, request, queryset, file_format) -> str:
        """审批事项-2026-12-02.xlsx: the model's name and the day (Asia/Shanghai)."""
        stem = f"{self.model._meta.verbose_name}-{timezone.localdate().isoformat()}"
        return download_name(stem, file_format.get_extension())

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        # The library writes filename="…" as it is, which cannot carry a Chinese name: RFC 6266's filename* can.
        name = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        # The library names only the exception's type, in English; our readers say what is wrong, in Chinese.
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", str(e))
        elif isinstance(e, UnicodeDecodeError):  # the admin decodes a CSV before our reader sees it
            form.add_error("import_file", _not_utf8())
        else:
            logger.warning("Unreadable upload for %s", self.model.__name__, exc_info=e)
            form.add_error("import_file", _("无法读取文件：请确认所选格式（xlsx 或 csv）与文件一致，且文件没有损坏。"))

    def process_result(self, result, request):
        # The preview passed, yet the confirmed import failed (the data changed in between): it was rolled
        # back, and the library would still announce success.
        if result.has_errors() or result.has_validation_errors():
            for problem in getattr(result, "problems", None) or [_("导入失败，没有做任何修改。")]:
                messages.error(request, problem)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_import", current_app=self.admin_site.name)
            )
        return super().process_result(result, request)

    def get_import_data_kwargs(self, **kwargs):
        # Without this a row that fails validation is skipped while the others are saved.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.template_view)
        name = f"{opts.app_label}_{opts.model_name}_import_template"
        return [path("import-template/", view, name=name)] + super().get_urls()

    def template_view(self, request):
        """An empty workbook with the import columns, for clerks to fill in."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.get_import_resource_classes(request)[0](user=request.user)
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet("导入模板")
        bold = workbook.add_format({"bold": True, "border": 1, "bg_color": "#D9D9D9", "text_wrap": True})
        headers = [clean_text(field.column_name) for field in resource.get_export_fields()]
        for column in range(len(headers)):
            sheet.set_column(column, column, TEMPLATE_WIDTH)
        sheet.set_row(0, row_height(headers, [TEMPLATE_WIDTH] * len(headers), FONT_SIZE))
        for column, header in enumerate(headers):
            sheet.write_string(0, column, header, bold)
        sheet.freeze_panes(1, 0)
        workbook.close()
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
        name = download_name(_("%(model)s导入模板") % {"model": self.model._meta.verbose_name}, "xlsx")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
