"""Workbooks the tests build from the official 2022 export."""

from pathlib import Path

import openpyxl
from django.core.management import call_command


def with_new_item(tmp_path: Path, name: str) -> Path:
    """The 2022 workbook with one new item (序号 214, 市发改委) at the end of section (一)."""
    source = tmp_path / "2022.xlsx"
    call_command("export_catalogue", "-o", str(source), "--edition", "2022")
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    sheet.insert_rows(sheet.max_row - 3)  # before the footnotes
    row = sheet.max_row - 4
    for column, value in enumerate([214, name, None, "行政许可", "市发改委", "首次划转", "基本目录外事项"], 1):
        sheet.cell(row, column).value = value
    target = tmp_path / "adjusted.xlsx"
    workbook.save(target)
    return target


def with_item_returned(tmp_path: Path) -> Path:
    """The 2022 workbook in which 企业投资项目核准 (SZ-0002) goes back to 市发改委 (section (二), 序号 91),
    and section (一) lists a new item 企业投资项目核准（改） in its place."""
    source = tmp_path / "2022.xlsx"
    call_command("export_catalogue", "-o", str(source), "--edition", "2022")
    workbook = openpyxl.load_workbook(source)
    workbook.worksheets[1].append([91, "企业投资项目核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"])
    workbook.worksheets[0]["B5"] = "企业投资项目核准（改）"
    target = tmp_path / "returned.xlsx"
    workbook.save(target)
    return target
