"""The baselines: django-import-export doing the same work, and a bare streaming write of the same cells."""

from __future__ import annotations

import xlsxwriter
from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX

from approvals.models import ApprovalItem, Jurisdiction
from approvals.resources import ItemResource
from catalog.models import Edition, Entry


def export_xlsx(out) -> None:
    """django-import-export's XLSX export of the same items, through the admin's own resource."""
    # The queryset the admin's changelist would hand over: related rows fetched up front, as is fair.
    queryset = (
        ApprovalItem.objects.filter(jurisdiction__code__regex=r"^bench-[0-9]")
        .select_related("parent", "jurisdiction", "intake__document")
        .prefetch_related("department_links__department")
    )
    dataset = ItemResource().export(queryset=queryset)
    with open(out, "wb") as handle:
        handle.write(XLSX().export_data(dataset))


def stream_limit(edition: Edition, out) -> None:
    """The practical limit: the same values streamed with xlsxwriter constant_memory, the fastest way it has.

    No formats, no merges, no blank cells, and the cell writers without the public methods' argument
    parsing (the export does the same); write_row() takes 1.2 s longer at 100,000 items.
    """
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    write_number, write_string = sheet._write_number, sheet._write_string
    rows = (
        Entry.objects.filter(edition=edition)
        .order_by("section", "row")
        .values_list("number", "main_name", "sub_name", "item_type", "departments", "batch", "base", "remarks")
    )
    for index, values in enumerate(rows.iterator(chunk_size=2000)):
        write_number(index, 0, values[0], None)
        for column in range(1, 8):
            if values[column]:
                write_string(index, column, values[column], None)
    workbook.close()


class NewItemResource(resources.ModelResource):
    """A plain django-import-export resource that creates items: what the library does out of the box."""

    jurisdiction = fields.Field(
        attribute="jurisdiction", column_name="jurisdiction", widget=widgets.ForeignKeyWidget(Jurisdiction, "code")
    )

    class Meta:
        model = ApprovalItem
        import_id_fields = ("code",)
        fields = ("code", "jurisdiction", "name", "item_type", "in_base_catalogue", "remarks")
        clean_model_instances = True
        use_transactions = True
