"""The export's fast cell writer writes the very XML xlsxwriter's own writer writes."""

import io
import zipfile

import pytest
from xlsxwriter.worksheet import Worksheet

from catalog.exports import xlsx
from catalog.exports.xlsx import write_xlsx
from catalog.models import Edition
from catalog.tables import Row, Section, Table, edition_table

TRICKY = [
    "普通事项名称",
    'A&B <审批> "引号"',
    " 前导空格",
    "尾随空格 ",
    "\u3000全角空格开头",
    "_x0041_ 字面转义",
    "换行\n之后",
    "=1+1",
    "@SUM(A1)",
    "emoji 😀 与 𠀀",
    "<r>看似富文本</r>",
    "",
]


def _sheets(write) -> dict[str, bytes]:
    out = io.BytesIO()
    write(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")}


def _both(table_factory, monkeypatch) -> tuple[dict, dict]:
    fast = _sheets(lambda out: write_xlsx(table_factory(), out))
    monkeypatch.setattr(xlsx._Sheet, "_write_cell", Worksheet._write_cell)
    plain = _sheets(lambda out: write_xlsx(table_factory(), out))
    return fast, plain


def _tricky_table() -> Table:
    rows1 = [
        Row(i, text or "主项", text, "行政许可", text, "首次划转", "基本目录事项", text, "")
        for i, text in enumerate(TRICKY, 1)
    ]
    rows1 += [Row(99, "有子项的主项", f"子项{n}", "行政许可", "市发改委", "", "", "", "") for n in range(3)]
    rows2 = [
        Row(i, text or "事项", "", "其他行政权力", text, "二次划转", "", "退回", "") for i, text in enumerate(TRICKY, 1)
    ]
    return Table(
        title="测试&<目录>", sections=[Section(1, "（一）", rows1, ["注：" + TRICKY[1]]), Section(2, "（二）", rows2)]
    )


def test_tricky_text_gives_the_same_xml_as_xlsxwriter(monkeypatch):
    fast, plain = _both(_tricky_table, monkeypatch)
    assert fast.keys() == plain.keys() and len(fast) == 2
    for name in fast:
        assert fast[name] == plain[name], name


@pytest.mark.django_db
def test_the_2022_edition_gives_the_same_xml_as_xlsxwriter(monkeypatch):
    edition = Edition.objects.get(slug="2022")
    fast, plain = _both(lambda: edition_table(edition), monkeypatch)
    for name in fast:
        assert fast[name] == plain[name], name
