"""The adjustment notice's table as a Word attachment (catalog.adjustment_notice_docx), read back with
python-docx: the workbook's cells in the same order, the merges, the repeated headers, the downloads."""

import io
from urllib.parse import quote

import docx
import openpyxl
import pytest
from django.urls import reverse
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from catalog.adjustment_notice import write_notice_xlsx
from catalog.adjustment_notice_docx import write_notice_docx
from catalog.adjustments import editions_diff
from catalog.exports.docx import CONTENT_TYPE
from catalog.models import Edition
from catalog.publishing import edition_compile, edition_publish
from tests.test_publishing import DAY, adjusted, city, notice  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

TITLE = "朔州市相对集中行政许可权改革市级划转事项调整对照表（2022年版→2024年版）"


@pytest.fixture
def adjustment(city, notice, adjusted):  # noqa: F811
    title = "朔州市相对集中行政许可权改革市级划转事项调整目录（2024年版）"
    new = edition_compile(slug="2024", title=title, jurisdiction=city, on=DAY, document=notice)
    return editions_diff(Edition.objects.get(slug="2022"), new)


@pytest.fixture
def word(adjustment):
    buffer = io.BytesIO()
    write_notice_docx(adjustment, buffer)
    return docx.Document(io.BytesIO(buffer.getvalue()))


def _tc_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def _word_rows(document) -> list[tuple[str, ...]]:
    """The body as the workbook's rows: a paragraph is a row of one cell, a table row a row of its cells;
    empty cells (a merge's continuation, a main item without sub-items) and blank lines left out."""
    rows = []
    for element in document.element.body:
        if element.tag == qn("w:p"):
            text = "".join(t.text or "" for t in element.iter(qn("w:t")))
            if text:
                rows.append((text,))
        elif element.tag == qn("w:tbl"):
            for tr in element.iter(qn("w:tr")):
                rows.append(tuple(text for tc in tr.iter(qn("w:tc")) if (text := _tc_text(tc))))
    return rows


def test_the_word_notice_holds_every_cell_of_the_workbook_in_the_same_order(tmp_path, adjustment, word):
    target = tmp_path / "notice.xlsx"
    write_notice_xlsx(adjustment, target)
    sheet = openpyxl.load_workbook(target).active
    cells = [tuple(str(c) for c in row if c not in (None, "")) for row in sheet.iter_rows(values_only=True)]
    assert _word_rows(word) == [("附件",), *(row for row in cells if row)]
    assert _word_rows(word)[1:6] == [
        (TITLE,),
        ("依据：朔政发〔2024〕3号\u3000日期：2024年6月30日",),
        ("一、新增划转或承接 2 项",),
        ("序号", "主项名称", "子项名称", "划转情况", "划转部门", "依据"),
        ("1", "校车使用许可", "三次划转", "市教育局", "朔政发〔2024〕3号 2024-04-01"),
    ]


def test_each_part_repeats_its_header_and_merges_a_main_items_number_and_name(word):
    tables = word.tables
    assert [len(table.columns) for table in tables] == [6, 6, 7]
    for table in tables:
        trs = table._tbl.tr_lst
        assert [tr.trPr.find(qn("w:tblHeader")) is not None for tr in trs] == [True] + [False] * (len(trs) - 1)
        assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)
    returned = tables[1]._tbl.tr_lst[1:]
    assert [[_tc_text(tc) for tc in tr.tc_lst[:3]] for tr in returned] == [
        ["1", "招标方案核准", ""],
        ["2", "道路危险货物运输从业资格认定", ""],
        ["3", "雷电防护装置设计审核和竣工验收", "雷电防护装置设计审核"],
        ["", "", "雷电防护装置竣工验收"],
    ]
    assert [[tc.vMerge for tc in tr.tc_lst[:3]] for tr in returned] == [
        [None, None, None],
        [None, None, None],
        ["restart", "restart", None],
        ["continue", "continue", None],
    ]
    keep = [[p.paragraph_format.keep_with_next for p in row.cells[2].paragraphs] for row in tables[1].rows[1:]]
    assert keep == [[None], [None], [True], [None]]


def test_the_word_notice_is_an_a4_landscape_attachment_with_page_numbers(word):
    section = word.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert word.paragraphs[0].text == "附件"
    assert word.paragraphs[2].text == TITLE.replace("（2022", "\n（2022")  # the pair on a line of its own
    assert word.core_properties.title == TITLE
    for footer in (section.footer, section.even_page_footer):
        assert " PAGE " in [node.text for node in footer._element.iter(qn("w:instrText"))]


def test_the_admin_and_the_public_page_send_the_word_notice_under_its_title(client, clerk, publisher, adjustment):
    expected = "attachment; filename*=utf-8''" + quote(f"{TITLE}.docx")
    client.force_login(clerk)
    query = {"old": "2022", "new": "2024", "format": "notice_docx"}
    admin = client.get(reverse("admin:catalog_edition_diff"), query)
    assert (admin["Content-Type"], admin["Content-Disposition"]) == (CONTENT_TYPE, expected)
    assert docx.Document(io.BytesIO(admin.content)).core_properties.title == TITLE
    page = client.get(reverse("admin:catalog_edition_diff"), {"old": "2022", "new": "2024"}).content.decode()
    assert "format=notice_docx" in page and "下载调整对照表（通知附件，Word）" in page

    edition_publish(edition=adjustment.new, user=publisher)
    client.logout()
    url = reverse("public:edition_adjustment", args=["2024"])
    assert '<a href="?format=notice_docx">调整对照表（通知附件，Word）</a>' in client.get(url).content.decode()
    public = client.get(url, {"format": "notice_docx"})
    assert (public["Content-Type"], public["Content-Disposition"]) == (CONTENT_TYPE, expected)
    assert docx.Document(io.BytesIO(b"".join(public.streaming_content))).core_properties.title == TITLE
