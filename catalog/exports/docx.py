"""The catalogue as the Word attachment of a notice (GB/T 9704-2012 conventions), with python-docx.

A4 landscape. "附件" in 3号黑体 at the top left of the first line, the title in 2号小标宋 centred on
the third; each section's heading (with its count, as the table gives it) in 3号黑体, then its table:
the header row in 黑体, repeated on every page; the rows in 仿宋 五号, 序号 and 主项名称 merged down
over their sub-item rows, a main item's rows kept on one page where they fit; section (一)'s footnotes
after its table. Page numbers in 4号宋体 "— 1 —", right on odd pages and left on even ones.

Margins: the standard's text area (156 × 225 mm) turned with the page, the table's top on the
binding edge as the standard wants for a landscape table: top 28 mm, bottom 26, left 35, right 37.

Fonts are named as Word on a Chinese desktop knows them, in w:eastAsia as well (Word takes a
CJK character's font from there), each with the font a desktop without it has (w:altName):
方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 黑体 → SimHei.

python-docx builds the document and its table headers; the table rows are written into
word/document.xml as they come (their XML is plain: a cell, a paragraph, a run), so memory does
not grow with the number of rows.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from catalog.exports.xlsx import main_items
from catalog.tables import Section, Table
from spreadsheets.cells import clean_text

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ATTACHMENT_LABEL = "附件"

TITLE_FONT, HEADING_FONT, BODY_FONT, NUMBER_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312", "宋体"
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEADING_FONT: "SimHei", NUMBER_FONT: "SimSun"}
MARGINS_MM = {"top": 28, "bottom": 26, "left": 35, "right": 37}
TEXT_WIDTH_TWIPS = round((297 - 35 - 37) / 25.4 * 1440)
CELL_MARGIN_TWIPS = 57  # 1 mm each side: the standard's narrow page holds eight columns
# Each column's width in characters of the table's 五号 text: enough for the longest short value
# (其他行政权力, 基本目录外事项, 首次划转); None shares what is left of the text area.
COLUMN_CHARS = {1: (2, None, None, 6, 7, 4, 8, 4), 2: (2, None, 6, 7, 4, 8, 4)}
LINE_PITCH = Pt(28.95)  # 22 lines of 3号 to the standard's page

# Paragraph styles: (id, name, font, size in points, alignment).
STYLES = {
    "label": ("AttachmentLabel", "附件标识", HEADING_FONT, 16, WD_ALIGN_PARAGRAPH.LEFT),
    "title": ("AttachmentTitle", "附件标题", TITLE_FONT, 22, WD_ALIGN_PARAGRAPH.CENTER),
    "heading": ("TableHeading", "表格部分标题", HEADING_FONT, 16, WD_ALIGN_PARAGRAPH.LEFT),
    "header": ("TableHeader", "表头", HEADING_FONT, 10.5, WD_ALIGN_PARAGRAPH.CENTER),
    "cell": ("TableText", "表格文字", BODY_FONT, 10.5, WD_ALIGN_PARAGRAPH.LEFT),
    "number": ("TableNumber", "表格序号", BODY_FONT, 10.5, WD_ALIGN_PARAGRAPH.CENTER),
    "note": ("TableNote", "表注", BODY_FONT, 10.5, WD_ALIGN_PARAGRAPH.JUSTIFY),
    "page": ("PageNumber", "页码", NUMBER_FONT, 14, WD_ALIGN_PARAGRAPH.RIGHT),
}

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# What a w:t cannot hold: line breaks and tabs become w:br and w:tab; other C0 characters (XML 1.0
# cannot carry them) become U+FFFD.
_SPECIAL = re.compile("[\x00-\x1f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_docx(table: Table, out) -> None:
    """Write `table` to `out` (a path or a binary file object) as the notice's Word attachment."""
    # Stands for a section's rows in the skeleton until they are written: no text can hold it.
    marker = f"\ue000{secrets.token_hex(16)}-{{}}\ue000"
    skeleton = io.BytesIO()
    _document(table, marker).save(skeleton)
    with zipfile.ZipFile(skeleton) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                info = zipfile.ZipInfo(member.filename, member.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                with target.open(info, "w") as stream:
                    _write_body(data.decode("utf-8"), table, marker, stream)
            elif member.filename == "word/fontTable.xml":
                target.writestr(member, _with_fallbacks(data.decode("utf-8")).encode("utf-8"))
            else:
                target.writestr(member, data)


def _write_body(xml: str, table: Table, marker: str, stream) -> None:
    """document.xml with each section's placeholder row replaced by its rows, written as they come."""
    for section in table.sections:
        placeholder = xml.index(marker.format(section.number))
        start = xml.rindex("<w:tr>", 0, placeholder)
        end = xml.index("</w:tr>", placeholder) + len("</w:tr>")
        stream.write(xml[:start].encode("utf-8"))
        for chunk in _rows_xml(section):
            stream.write(chunk.encode("utf-8"))
        xml = xml[end:]
    stream.write(xml.encode("utf-8"))


def _with_fallbacks(xml: str) -> str:
    """The font table with our fonts, each naming the font Word takes where it is missing (w:altName)."""
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{fallback}"/><w:charset w:val="86"/>'
        '<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
        for name, fallback in FALLBACKS.items()
    )
    return xml.replace("</w:fonts>", entries + "</w:fonts>")


def attachment_document(title: str):
    """A notice's attachment up to its title: styles, page, properties, "附件" and the blank line under it."""
    document = Document()
    package = document.part.package
    for key, relationship in list(package.rels.items()):
        if relationship.reltype.endswith("/thumbnail"):  # the template's picture of another document
            del package.rels[key]
    _styles(document)
    _page(document)
    properties = document.core_properties
    properties.title = clean_text(title)
    properties.author = properties.last_modified_by = properties.comments = ""
    properties.created = properties.modified = datetime.now(UTC).replace(microsecond=0)  # not the template's
    document.add_paragraph(ATTACHMENT_LABEL, style=STYLES["label"][1])
    document.add_paragraph("", style=STYLES["label"][1])
    return document


def save_attachment(document, out) -> None:
    """Save `document` to `out` (a path or a binary file object), its font table naming the fallbacks."""
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/fontTable.xml":
                data = _with_fallbacks(data.decode("utf-8")).encode("utf-8")
            target.writestr(member, data)


def repeat_header(row) -> None:
    """Keep `row` (a python-docx row) on one page and repeat it at the top of every page (w:tblHeader)."""
    row_properties = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        row_properties.append(OxmlElement(tag))


def fixed_layout(table, widths: list[int]) -> None:
    """Give `table` the columns' widths in twips, its own cell margins, and no autofit."""
    table.autofit = False
    properties = table._tbl.tblPr
    properties.find(qn("w:tblW")).set(qn("w:type"), "dxa")
    properties.find(qn("w:tblW")).set(qn("w:w"), str(sum(widths)))
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        margin = OxmlElement(side)
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.find(qn("w:tblLook")).addprevious(margins)  # the schema's order: tblCellMar before tblLook
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(width))


def _document(table: Table, marker: str):
    """The attachment without its table rows: each table holds its header and a placeholder row."""
    document = attachment_document(table.title)
    title = document.add_paragraph(style=STYLES["title"][1])
    # A title with its edition after a space ("…调整目录 （2022年版）") breaks there, where its meaning does.
    head, _space, tail = clean_text(table.title).rpartition(" ")
    if head.strip() and tail:
        title.add_run(head.rstrip()).add_break()
        title.add_run(tail)
    else:
        title.add_run(clean_text(table.title))
    document.add_paragraph("", style=STYLES["label"][1])  # a blank line under the title
    for section in table.sections:
        document.add_paragraph(clean_text(section.heading), style=STYLES["heading"][1])
        _table(document, section, marker.format(section.number))
        for note in section.notes:
            document.add_paragraph(clean_text(note), style=STYLES["note"][1])
    return document


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # The page number's top 7 mm below the text area: its 14 pt line ends about 14 mm above the edge.
    section.footer_distance = Mm(14)
    section.header_distance = Mm(15)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph, alignment) -> None:
    """The page number, "— N —" with a PAGE field, a character in from the text area's edge."""
    paragraph.style = STYLES["page"][1]
    paragraph.alignment = alignment
    indent = Pt(14)
    if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent
    paragraph.add_run("— ")
    _field_character(paragraph, "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._r.append(instruction)
    _field_character(paragraph, "separate")
    paragraph.add_run("1")  # what shows until the application counts the pages
    _field_character(paragraph, "end")
    paragraph.add_run(" —")


def _field_character(paragraph, kind: str) -> None:
    character = OxmlElement("w:fldChar")
    character.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(character)


def _styles(document) -> None:
    styles = document.styles
    # Explicit fonts and Chinese as the East Asian language, instead of the template's theme fonts.
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(defaults, BODY_FONT)
    defaults.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    normal = styles["Normal"]
    normal.font.size = Pt(16)
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    for key, (style_id, name, font, size, alignment) in STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = normal
        style.font.size = Pt(size)
        _fonts(style.element.get_or_add_rPr(), font)
        layout = style.paragraph_format
        layout.alignment = alignment
        layout.space_before = layout.space_after = Pt(0)
        if key in ("label", "title", "heading"):
            layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            layout.line_spacing = LINE_PITCH if key != "title" else Pt(36)
            layout.keep_with_next = True
        else:
            layout.line_spacing = 1.0


def _fonts(rpr, name: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), name)


def _column_widths(section: Section) -> list[int]:
    """Twips of each column: the short ones as wide as COLUMN_CHARS says (and half a character, for
    the grid line and rounding), the names sharing the rest."""
    character = round(STYLES["cell"][3] * 20)
    chars = COLUMN_CHARS[section.number]
    fixed = {i: round((c + 0.5) * character) + 2 * CELL_MARGIN_TWIPS for i, c in enumerate(chars) if c is not None}
    shared = [i for i, c in enumerate(chars) if c is None]
    rest = TEXT_WIDTH_TWIPS - sum(fixed.values())
    for position, i in enumerate(shared):
        fixed[i] = rest // len(shared) + (rest % len(shared) if position == 0 else 0)
    return [fixed[i] for i in range(len(chars))]


def _table(document, section: Section, placeholder_text: str) -> None:
    widths = _column_widths(section)
    table = document.add_table(rows=2, cols=len(widths), style="Table Grid")
    fixed_layout(table, widths)
    header, placeholder = table.rows
    repeat_header(header)
    for cell, text, width in zip(header.cells, section.columns, widths, strict=True):
        cell.width = width * 635  # EMU per twip
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell.paragraphs[0].style = STYLES["header"][1]
        cell.paragraphs[0].add_run(text)
    placeholder.cells[0].paragraphs[0].add_run(placeholder_text)


def _rows_xml(section: Section) -> Iterator[str]:
    """The section's rows as WordprocessingML, a main item at a time."""
    widths = _column_widths(section)
    number_style, cell_style = STYLES["number"][0], STYLES["cell"][0]
    for group in main_items(section.rows):
        merged = len(group) > 1
        parts = []
        for position, row in enumerate(group):
            keep = "<w:keepNext/>" if position < len(group) - 1 else ""
            first = position == 0
            merge = ('<w:vMerge w:val="restart"/>' if first else "<w:vMerge/>") if merged else ""
            if section.number == 1:
                texts = (row.sub_name, row.item_type, row.departments, row.batch, row.base, row.remarks)
            else:
                texts = (row.item_type, row.departments, row.batch, row.base, row.remarks)
            cells = [
                _cell(widths[0], merge, number_style, keep, str(row.number) if first else ""),
                _cell(widths[1], merge, cell_style, keep, row.main_name if first else ""),
            ]
            cells += [_cell(w, "", cell_style, keep, t) for w, t in zip(widths[2:], texts, strict=True)]
            parts.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>")
        yield "".join(parts)


def _cell(width: int, merge: str, style: str, keep: str, text: str) -> str:
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{merge}<w:vAlign w:val="center"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>{_runs(text)}</w:p></w:tc>'
    )


def _runs(text: str) -> str:
    if not text:
        return ""
    text = clean_text(text)
    if not _SPECIAL.search(text):
        return f'<w:r><w:t xml:space="preserve">{text.translate(_ESCAPES)}</w:t></w:r>'
    text = _CONTROL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    pieces = []
    for piece in re.split("([\t\n])", text):
        if piece == "\t":
            pieces.append("<w:tab/>")
        elif piece == "\n":
            pieces.append("<w:br/>")
        elif piece:
            pieces.append(f'<w:t xml:space="preserve">{piece.translate(_ESCAPES)}</w:t>')
    return f"<w:r>{''.join(pieces)}</w:r>"
