"""The claims workbook a county fills in and sends back: one row per city main item (catalog/imports/claims.py).

The title names the county (the import refuses another county's sheet), a line says how to fill it in,
then 事项编码, 事项名称, 认领情况, 不认领理由, 理由说明, with the county's decisions so far. The two choice
columns offer their lists in a drop-down, so a clerk picks rather than types.
"""

from __future__ import annotations

import xlsxwriter
from django.utils.translation import gettext as _

from approvals.claims import claimable_items
from approvals.models import Claim, Jurisdiction
from spreadsheets.cells import clean_text
from spreadsheets.heights import row_height, row_height_function, span_width

SHEET = "认领情况"
COLUMNS = ("事项编码", "事项名称", "认领情况", "不认领理由", "理由说明")
HEADER_ROW = 2  # 0-based: the title, the instructions, then the header
WIDTHS = (14, 48, 16, 22, 36)
FONT_SIZE = 11


def claims_title(county: Jurisdiction) -> str:
    """The sheet's first line, which the import reads to know whose sheet it is."""
    return _("%(county)s认领%(city)s划转事项情况表") % {"county": county.name, "city": county.parent}


def claims_instructions() -> str:
    return _(
        "认领情况填写：%(decisions)s（留空表示暂不决定）。不认领时选择不认领理由：%(reasons)s；"
        "理由为“其他”时在“理由说明”中写明。子项随主项认领。"
    ) % {"decisions": "、".join(map(str, Claim.Decision.labels)), "reasons": "、".join(map(str, Claim.Reason.labels))}


def write_claims_xlsx(county: Jurisdiction, out) -> int:
    """Write the county's claims workbook to `out` (a path or a binary file); returns the number of rows."""
    claims = {claim.city_item_id: claim for claim in Claim.objects.filter(county=county)}
    items = claimable_items(county.parent).order_by("code").values_list("pk", "code", "name")
    workbook = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(SHEET)
    bold = workbook.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    line = workbook.add_format({"text_wrap": True, "valign": "top"})
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width)
    full_width = (span_width(WIDTHS),)
    for row, text in enumerate((claims_title(county), claims_instructions())):
        sheet.set_row(row, row_height((text,), full_width, FONT_SIZE))
        sheet.merge_range(row, 0, row, len(WIDTHS) - 1, clean_text(text), line)
    for column, text in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW, column, text, bold)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    height_of = row_height_function(WIDTHS, FONT_SIZE)
    count = 0
    for count, (pk, code, name) in enumerate(items, start=1):
        claim = claims.get(pk)
        values = (
            code,
            name,
            claim.get_decision_display() if claim else "",
            claim.get_reason_display() if claim and claim.reason else "",
            claim.reason_text if claim else "",
        )
        values = tuple(clean_text(value) for value in values)
        row = HEADER_ROW + count
        sheet.set_row(row, height_of(values))
        for column, value in enumerate(values):
            if value:
                sheet.write_string(row, column, value, cell)
            else:  # a blank to fill in, bordered like the others
                sheet.write_blank(row, column, None, cell)
    last = HEADER_ROW + max(count, 1)
    for column, choices in ((2, Claim.Decision.labels), (3, Claim.Reason.labels)):
        sheet.data_validation(
            HEADER_ROW + 1, column, last, column, {"validate": "list", "source": [str(c) for c in choices]}
        )
    workbook.close()
    return count
