"""The Word attachment (export_catalogue --format docx), read back with python-docx: every cell of the
official tables, the merges, the header row repeated on every page, the layout of a notice's attachment."""

import io
import zipfile

import docx
import pytest
from django.core.management import call_command
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from catalog.exports.docx import write_docx
from catalog.models import Edition
from catalog.tables import Row, Section, Table
from tests import official_text

pytestmark = pytest.mark.django_db

MULTI_ROW_ITEMS = {3: 3, 202: 2, 204: 4, 212: 2}  # 序号 → rows, as in the gazette
TITLE = "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"


@pytest.fixture(scope="module")
def document(tmp_path_factory, django_db_setup, django_db_blocker):
    target = tmp_path_factory.mktemp("docx") / "2022.docx"
    with django_db_blocker.unblock():
        call_command("export_catalogue", "-o", str(target), "--edition", "2022", "--format", "docx")
    return docx.Document(str(target))


def _texts(row) -> list[str]:
    """Each w:tc's own text: a continuation of a vertical merge reads as empty, as the gazette prints it."""
    return ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in row._tr.tc_lst]


def _merges(row) -> list[str | None]:
    return [tc.vMerge for tc in row._tr.tc_lst]


def test_it_begins_with_the_attachment_label_the_title_and_the_first_heading(document):
    texts = [p.text for p in document.paragraphs[:5]]
    assert texts == [
        "附件",
        "",
        "朔州市相对集中行政许可权改革市级划转事项调整目录\n（2022年版）",  # broken where the title has its space
        "",
        "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）",
    ]
    headings = [p.text for p in document.paragraphs if p.style.name == "表格部分标题"]
    assert headings == [
        "（一）划转至市行政审批服务管理局实施的行政审批事项（213项）",
        "（二）由市行政审批服务管理局调整回原行业主管部门实施的行政审批事项 （90项）",
    ]


def test_every_cell_of_both_tables_equals_the_printed_text(document):
    source = official_text.table_rows()
    first, second = document.tables
    assert _texts(first.rows[0]) == [
        "序号",
        "主项名称",
        "子项名称",
        "事项类型",
        "划转部门",
        "划转情况",
        "对应基本目录情况",
        "备注",
    ]
    assert _texts(second.rows[0]) == [
        "序号",
        "事项名称",
        "事项类型",
        "划转部门",
        "划转情况",
        "对应基本目录情况",
        "备注",
    ]
    assert [_texts(row) for row in first.rows[1:]] == source[1]
    assert [_texts(row) for row in second.rows[1:]] == source[2]


def test_number_and_main_name_are_merged_down_over_the_sub_item_rows(document):
    rows = document.tables[0].rows[1:]
    merged = {}
    for index, row in enumerate(rows):
        kinds = _merges(row)
        assert kinds[2:] == [None] * 6
        assert kinds[0] == kinds[1]
        if kinds[0] == "restart":
            number = int(_texts(row)[0])
            following = 1
            while index + following < len(rows) and _merges(rows[index + following])[0] == "continue":
                following += 1
            merged[number] = following
    assert merged == MULTI_ROW_ITEMS
    # python-docx reads a continuation cell as the merged cell above it.
    item_204 = next(i for i, row in enumerate(rows) if _texts(row)[0] == "204")
    assert {rows[item_204 + k].cells[1].text for k in range(4)} == {
        "5万平方米以下的单建人防工程、地下空间开发利用建设项目兼顾人民防空需要项目建议书审批"
    }
    assert all(_merges(row) == [None] * 7 for row in document.tables[1].rows)


def test_the_header_row_repeats_on_every_page_and_no_row_breaks_across_pages(document):
    for table in document.tables:
        header, *body = table.rows
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in body)
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


def test_the_footnotes_follow_section_one(document):
    notes = Edition.objects.get(slug="2022").notes.splitlines()
    body = document.element.body
    first_table = document.tables[0]._tbl
    after = []
    for element in first_table.itersiblings():
        if element.tag == qn("w:tbl"):
            break
        after.append("".join(t.text or "" for t in element.iter(qn("w:t"))))
    assert after[: len(notes)] == notes and notes[0] == "备注："
    assert after[len(notes)].startswith("（二）")
    assert body.index(first_table) < body.index(document.tables[1]._tbl)


def test_it_is_a4_landscape_with_the_standards_margins_and_page_numbers(document):
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [28, 26, 35, 37]
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer, alignment in ((odd, "right"), (even, "left")):
        assert footer.text == "— 1 —"  # a PAGE field (its last result 1) between dashes
        instruction = "".join(t.text for t in footer._p.iter(qn("w:instrText")))
        assert instruction.strip() == "PAGE"
        assert footer.alignment.name.lower() == alignment


def test_fonts_are_named_for_east_asian_text_with_a_fallback(document):
    def east_asian(style_name: str) -> str:
        return document.styles[style_name].element.rPr.rFonts.get(qn("w:eastAsia"))

    assert east_asian("附件标识") == "黑体"
    assert east_asian("附件标题") == "方正小标宋简体"
    assert east_asian("表格部分标题") == "黑体"
    assert east_asian("表头") == "黑体"
    assert east_asian("表格文字") == "仿宋_GB2312"
    assert east_asian("页码") == "宋体"
    sizes = {name: document.styles[name].font.size.pt for name in ("附件标识", "附件标题", "表格文字", "页码")}
    assert sizes == {"附件标识": 16, "附件标题": 22, "表格文字": 10.5, "页码": 14}  # 3号, 2号, 五号, 4号


def test_the_font_table_names_a_fallback_for_each_chinese_font(tmp_path):
    out = io.BytesIO()
    write_docx(Table(TITLE, [Section(1, "（一）", []), Section(2, "（二）", [])]), out)
    with zipfile.ZipFile(out) as archive:
        fonts = archive.read("word/fontTable.xml").decode()
        names = archive.namelist()
    for name, fallback in (("方正小标宋简体", "宋体"), ("仿宋_GB2312", "仿宋"), ("黑体", "SimHei")):
        assert f'<w:font w:name="{name}"><w:altName w:val="{fallback}"/>' in fonts
    assert "docProps/thumbnail.jpeg" not in names  # python-docx's template carries a picture of another document


def test_awkward_text_is_carried_as_text():
    names = ["A&B <审批>", "换行\n之后", "制表\t符", "控制\x01字符", "孤立\ud800代理", "=1+1"]
    rows = [Row(i, name, "", "行政许可", "市发改委", "首次划转", "基本目录事项", "") for i, name in enumerate(names, 1)]
    out = io.BytesIO()
    write_docx(Table("标题", [Section(1, "（一）", rows, ["备注："]), Section(2, "（二）", [])]), out)
    table = docx.Document(io.BytesIO(out.getvalue())).tables[0]
    assert [row.cells[1].text for row in table.rows[1:]] == [
        "A&B <审批>",
        "换行\n之后",
        "制表\t符",
        "控制\ufffd字符",  # XML 1.0 cannot carry it
        "孤立\ufffd代理",
        "=1+1",
    ]
