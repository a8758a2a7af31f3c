"""The adjustment notice's table (catalog.adjustment_notice) as the notice's Word attachment.

The same rows as the workbook, laid out as catalog.exports.docx lays out the catalogue (GB/T 9704):
A4 landscape, "附件", the title, the basis line under it; each part's counted heading in 3号黑体, then
its table, the header repeated on every page, 序号 and 主项名称 merged down over a main item's
sub-item rows and its rows kept on one page where they fit; "— N —" in the footer.

An adjustment has tens of rows, not thousands: python-docx writes them all.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement

from catalog.adjustment_notice import CHANGE_COLUMNS, CHANGE_WIDTHS, LIST_COLUMNS, basis_line, notice_title, parts
from catalog.adjustments import Adjustment
from catalog.exports.docx import (
    STYLES,
    TEXT_WIDTH_TWIPS,
    attachment_document,
    fixed_layout,
    repeat_header,
    save_attachment,
)
from spreadsheets.cells import clean_text


def write_notice_docx(adjustment: Adjustment, out) -> None:
    """Write the adjustment notice's table to `out` (a path or a binary file object) as a Word attachment."""
    title = clean_text(notice_title(adjustment))
    document = attachment_document(title)
    heading = document.add_paragraph(style=STYLES["title"][1])
    # The editions' pair on a line of its own: where the title wraps, it breaks there and not inside "2022年版".
    words, bracket, pair = title.rpartition("（")
    if words and bracket:
        heading.add_run(words).add_break()
        heading.add_run(bracket + pair)
    else:
        heading.add_run(title)
    line = document.add_paragraph(basis_line(adjustment.new))
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("", style=STYLES["label"][1])  # a blank line under the title
    found = parts(adjustment)
    if not found:
        document.add_paragraph(_("两个版本之间没有调整。"), style=STYLES["heading"][1])
    for heading, items, changed in found:
        document.add_paragraph(clean_text(heading), style=STYLES["heading"][1])
        _table(document, items, changed)
    save_attachment(document, out)


def _widths(changed: bool) -> list[int]:
    """Twips of each column: the workbook's proportions over the text area; a list part's 依据 takes the last two."""
    widths = list(CHANGE_WIDTHS if changed else (*CHANGE_WIDTHS[:5], sum(CHANGE_WIDTHS[5:])))
    twips = [TEXT_WIDTH_TWIPS * width // sum(widths) for width in widths]
    twips[1] += TEXT_WIDTH_TWIPS - sum(twips)
    return twips


def _table(document, items, changed: bool) -> None:
    widths = _widths(changed)
    table = document.add_table(rows=1, cols=len(widths), style="Table Grid")
    fixed_layout(table, widths)
    repeat_header(table.rows[0])
    _fill(table.rows[0], [_(text) for text in (CHANGE_COLUMNS if changed else LIST_COLUMNS)], widths, "header")
    for number, item in enumerate(items, start=1):
        rows = []
        for position, change in enumerate(item.changes):
            sub = change.name.split("／", 1)[1] if "／" in change.name else ""
            if changed:
                cells = (sub, change.category_label, change.before, change.after, change.basis)
            else:
                cells = (sub, change.before or change.after, change.departments, change.basis)
            first = position == 0
            texts = [str(number) if first else "", item.name if first else "", *map(str, cells)]
            row = table.add_row()
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            # All but a main item's last row keep with the next: its rows stay on one page where they fit.
            _fill(row, texts, widths, "cell", keep=position < len(item.changes) - 1)
            rows.append(row)
        if len(rows) > 1:
            for column in (0, 1):
                rows[0].cells[column].merge(rows[-1].cells[column])


def _fill(row, texts, widths: list[int], style: str, *, keep: bool = False) -> None:
    for column, (cell, text, width) in enumerate(zip(row.cells, texts, widths, strict=True)):
        cell.width = width * 635  # EMU per twip
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.style = STYLES["number" if style == "cell" and column == 0 else style][1]
        paragraph.paragraph_format.keep_with_next = keep or None
        if text:
            paragraph.add_run(clean_text(str(text)))
